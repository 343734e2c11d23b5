// FrameScanner: finds where each msgpack object ends in a byte stream and
// enforces Limits on every header the moment it arrives, so a 5-byte header that
// claims 4 GiB is refused at once and nothing is allocated for it.
//
// It is resumable: scan() continues where the previous call stopped, so a frame
// that arrives one byte at a time costs O(n) in total. Owned by one connection;
// not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ipc/limits.h"

namespace cairn::ipc {

class FrameScanner {
 public:
  explicit FrameScanner(const Limits& limits) : limits_(limits) {}

  // `buf` is every byte buffered since the end of the previous frame (the same
  // prefix as in the previous call, plus what arrived since). Returns the length
  // of the first complete frame, 0 when more bytes are needed, or a Status
  // (TOO_LARGE, PARSE_ERROR) after which the stream cannot be resynchronized.
  Result<size_t> scan(std::string_view buf);
  // Forget progress; call after consuming a frame.
  void reset();

 private:
  Limits limits_;
  size_t pos_ = 0;                 // next unread byte of the current frame
  size_t values_ = 0;              // values of the current frame scanned so far
  std::vector<uint64_t> pending_;  // per open container: elements still to read
};

}  // namespace cairn::ipc
