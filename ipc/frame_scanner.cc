#include "ipc/frame_scanner.h"

#include <string>

namespace cairn::ipc {

namespace {

uint64_t be(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// What one msgpack header announces.
struct Header {
  size_t header_len = 1;  // bytes of the header itself
  uint64_t body = 0;      // payload bytes that follow
  uint64_t children = 0;  // objects nested inside (arrays: n, maps: 2n)
  bool container = false;
  bool sized = false;     // str/bin/ext: body is checked against max_string_bytes
};

// Returns false when byte `t` is never valid (0xc1).
bool classify(unsigned char t, Header& h, size_t& len_bytes, int& kind) {
  // kind: 0 fixed, 1 str/bin/ext with length field, 2 array, 3 map, 4 fixext
  len_bytes = 0;
  kind = 0;
  if (t <= 0x7f || t >= 0xe0) return true;
  if (t >= 0x80 && t <= 0x8f) {
    h.container = true;
    h.children = 2u * (t & 0x0f);
    return true;
  }
  if (t >= 0x90 && t <= 0x9f) {
    h.container = true;
    h.children = t & 0x0f;
    return true;
  }
  if (t >= 0xa0 && t <= 0xbf) {
    h.body = t & 0x1f;
    h.sized = true;
    return true;
  }
  switch (t) {
    case 0xc0: case 0xc2: case 0xc3: return true;
    case 0xc4: case 0xd9: len_bytes = 1; kind = 1; return true;
    case 0xc5: case 0xda: len_bytes = 2; kind = 1; return true;
    case 0xc6: case 0xdb: len_bytes = 4; kind = 1; return true;
    case 0xc7: len_bytes = 1; kind = 5; return true;  // ext8: length, type
    case 0xc8: len_bytes = 2; kind = 5; return true;
    case 0xc9: len_bytes = 4; kind = 5; return true;
    case 0xca: h.body = 4; return true;
    case 0xcb: h.body = 8; return true;
    case 0xcc: case 0xd0: h.body = 1; return true;
    case 0xcd: case 0xd1: h.body = 2; return true;
    case 0xce: case 0xd2: h.body = 4; return true;
    case 0xcf: case 0xd3: h.body = 8; return true;
    case 0xd4: h.body = 2; return true;   // fixext1: type + 1
    case 0xd5: h.body = 3; return true;
    case 0xd6: h.body = 5; return true;
    case 0xd7: h.body = 9; return true;
    case 0xd8: h.body = 17; return true;
    case 0xdc: len_bytes = 2; kind = 2; return true;
    case 0xdd: len_bytes = 4; kind = 2; return true;
    case 0xde: len_bytes = 2; kind = 3; return true;
    case 0xdf: len_bytes = 4; kind = 3; return true;
    default: return false;  // 0xc1
  }
}

}  // namespace

void FrameScanner::reset() {
  pos_ = 0;
  values_ = 0;
  pending_.clear();
}

Result<size_t> FrameScanner::scan(std::string_view buf) {
  while (pos_ < buf.size()) {
    if (pos_ >= limits_.max_frame_bytes) {
      return Status(Code::kTooLarge, "message exceeds " +
                                         std::to_string(limits_.max_frame_bytes) + " bytes");
    }
    auto t = static_cast<unsigned char>(buf[pos_]);
    Header h;
    size_t len_bytes;
    int kind;
    if (!classify(t, h, len_bytes, kind)) {
      return Status(Code::kParseError, "byte 0xc1 is not msgpack");
    }
    if (len_bytes > 0) {
      if (pos_ + 1 + len_bytes > buf.size()) return size_t{0};
      uint64_t n = be(buf, pos_ + 1, len_bytes);
      h.header_len = 1 + len_bytes;
      if (kind == 1) {
        h.body = n;
        h.sized = true;
      } else if (kind == 5) {
        h.body = n + 1;  // the type byte
        h.sized = true;
      } else {
        h.container = true;
        h.children = kind == 3 ? 2 * n : n;
        if (n > limits_.max_elements) {
          return Status(Code::kTooLarge, (kind == 3 ? "map of " : "array of ") +
                                             std::to_string(n) + " entries exceeds " +
                                             std::to_string(limits_.max_elements));
        }
      }
    }
    if (h.sized && h.body > limits_.max_string_bytes) {
      return Status(Code::kTooLarge, "string of " + std::to_string(h.body) + " bytes exceeds " +
                                         std::to_string(limits_.max_string_bytes));
    }
    uint64_t end = pos_ + h.header_len + h.body;
    if (end > limits_.max_frame_bytes) {
      return Status(Code::kTooLarge, "message exceeds " +
                                         std::to_string(limits_.max_frame_bytes) + " bytes");
    }
    if (end > buf.size()) return size_t{0};
    if (++values_ > limits_.max_values) {
      return Status(Code::kTooLarge, "message of more than " +
                                         std::to_string(limits_.max_values) + " values");
    }
    pos_ = end;
    // This object fills one slot of its parent.
    if (!pending_.empty()) --pending_.back();
    if (h.container && h.children > 0) {
      if (pending_.size() + 1 > limits_.max_depth) {
        return Status(Code::kTooLarge,
                      "nesting deeper than " + std::to_string(limits_.max_depth));
      }
      pending_.push_back(h.children);
    }
    while (!pending_.empty() && pending_.back() == 0) pending_.pop_back();
    if (pending_.empty()) {
      size_t len = pos_;
      reset();
      return len;
    }
  }
  return size_t{0};
}

}  // namespace cairn::ipc
