#include "ipc/packer.h"

#include <algorithm>
#include <msgpack.hpp>

#include "ipc/codec.h"

namespace cairn::ipc {

struct Packer::Impl {
  msgpack::sbuffer sb;
  msgpack::packer<msgpack::sbuffer> pk{sb};
};

Packer::Packer() : impl_(std::make_unique<Impl>()) {}
Packer::~Packer() = default;

Packer& Packer::array(uint32_t n) {
  impl_->pk.pack_array(n);
  return *this;
}

Packer& Packer::map(uint32_t n) {
  impl_->pk.pack_map(n);
  return *this;
}

Packer& Packer::str(std::string_view s) {
  impl_->pk.pack_str(static_cast<uint32_t>(s.size()));
  impl_->pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  return *this;
}

Packer& Packer::integer(int64_t v) {
  impl_->pk.pack_int64(v);
  return *this;
}

Packer& Packer::boolean(bool v) {
  v ? impl_->pk.pack_true() : impl_->pk.pack_false();
  return *this;
}

Packer& Packer::nil() {
  impl_->pk.pack_nil();
  return *this;
}

size_t Packer::size() const { return impl_->sb.size(); }

Packer& Packer::stored(std::string_view bytes) {
  if (!is_one_value(bytes)) return nil();
  impl_->sb.write(bytes.data(), bytes.size());
  return *this;
}

Packer& Packer::map_over(std::string_view base, std::initializer_list<std::string_view> own) {
  msgpack::object_handle h;
  const msgpack::object_kv* kv = nullptr;
  uint32_t n = 0;
  if (!base.empty() && is_one_value(base)) {
    h = msgpack::unpack(base.data(), base.size());
    if (h.get().type == msgpack::type::MAP) {
      kv = h.get().via.map.ptr;
      n = h.get().via.map.size;
    }
  }
  // is_one_value has checked that every key is a string.
  auto kept = [&](const msgpack::object_kv& e) {
    std::string_view key(e.key.via.str.ptr, e.key.via.str.size);
    return std::find(own.begin(), own.end(), key) == own.end();
  };
  uint32_t count = static_cast<uint32_t>(own.size());
  for (uint32_t i = 0; i < n; ++i) count += kept(kv[i]);
  impl_->pk.pack_map(count);
  for (uint32_t i = 0; i < n; ++i) {
    if (!kept(kv[i])) continue;
    impl_->pk.pack(kv[i].key);
    impl_->pk.pack(kv[i].val);
  }
  return *this;
}

Packer& Packer::append(const Packer& other) {
  impl_->sb.write(other.impl_->sb.data(), other.impl_->sb.size());
  return *this;
}

Json Packer::take() {
  const auto* p = reinterpret_cast<const uint8_t*>(impl_->sb.data());
  Json v = preencoded(std::vector<uint8_t>(p, p + impl_->sb.size()));
  impl_->sb.clear();
  return v;
}

}  // namespace cairn::ipc
