// Packer: writes one msgpack value directly, for replies too large to build as
// Json first (the change feed: hundreds of rows whose values are stored as
// msgpack already). The caller keeps the shape: a container header is followed
// by as many values as it announces. Not thread-safe; one per reply.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "base/json.h"

namespace cairn::ipc {

class Packer {
 public:
  Packer();
  ~Packer();
  Packer(const Packer&) = delete;
  Packer& operator=(const Packer&) = delete;

  Packer& array(uint32_t n);
  Packer& map(uint32_t n);
  Packer& str(std::string_view s);
  Packer& integer(int64_t v);
  Packer& boolean(bool v);
  Packer& nil();
  // `bytes` as they are when they are one value the Decoder accepts
  // (is_one_value), else nil: a damaged stored value cannot break the reply.
  Packer& stored(std::string_view bytes);
  // Starts a map of the entries of `base` (a stored msgpack map; anything else
  // counts as empty) whose keys are not in `own`, plus one entry per key of
  // `own`, and writes the entries taken from `base`. The caller then writes the
  // `own` entries, each key followed by its value.
  Packer& map_over(std::string_view base, std::initializer_list<std::string_view> own);

  // Whatever `other` has written, after what this one has: with array(n) first,
  // an array of values counted as they were written.
  Packer& append(const Packer& other);

  // Bytes written so far (a reply cuts its page by them).
  size_t size() const;

  // The value written, to place inside a Json reply (see preencoded()).
  Json take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::ipc
