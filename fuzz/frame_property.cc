#include "fuzz/frame_property.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "ipc/codec.h"

namespace cairn::fuzz {
namespace {

using ipc::DecodeError;
using ipc::Decoder;
using ipc::Limits;
using ipc::Message;
using ipc::MessageType;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "frame property violated: %s %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string show(const Json& j) {
  // NaN and invalid UTF-8 both have a stable printed form.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string show(const Message& m) {
  return std::to_string(static_cast<int>(m.type)) + "|" + std::to_string(m.msgid) + "|" +
         m.method + "|" + show(m.params) + "|" + show(m.error) + "|" + show(m.result);
}

// What one way of feeding the stream produced.
struct Outcome {
  std::vector<std::string> items;  // messages and non-fatal errors, in order
  bool fatal = false;
  std::string fatal_item;  // code, msgid of the fatal error
  std::vector<Message> requests;

  bool operator==(const Outcome& o) const {
    return items == o.items && fatal == o.fatal && fatal_item == o.fatal_item;
  }
  std::string describe() const {
    std::string s;
    for (const auto& i : items) s += "  " + i.substr(0, 200) + "\n";
    if (fatal) s += "  fatal " + fatal_item + "\n";
    return s;
  }
};

std::string show(const DecodeError& e) {
  return std::string(code_name(e.status.code())) + " msgid=" +
         (e.msgid ? std::to_string(*e.msgid) : std::string("-"));
}

// Drains every message the decoder can give now. False once a fatal error ended it.
bool drain(Decoder& d, size_t fed, Outcome& out) {
  for (;;) {
    if (d.buffered() > fed) fail("buffered more than fed");
    DecodeError err;
    bool failed = false;
    auto m = d.next(err, failed);
    if (failed) {
      if (err.fatal) {
        out.fatal = true;
        out.fatal_item = show(err);
        return false;
      }
      out.items.push_back("error " + show(err));
      continue;
    }
    if (!m) return true;
    if ((m->type == MessageType::kRequest || m->type == MessageType::kNotification) &&
        !m->params.is_array()) {
      fail("params not an array", show(*m));
    }
    out.items.push_back(show(*m));
    if (m->type != MessageType::kResponse) out.requests.push_back(std::move(*m));
  }
}

// Feeds `data` in chunks of the sizes `next_chunk` returns (0 means "the rest").
template <typename NextChunk>
Outcome decode(std::string_view data, const Limits& limits, NextChunk next_chunk) {
  Decoder d(limits);
  Outcome out;
  size_t pos = 0, fed = 0;
  while (pos < data.size()) {
    size_t n = next_chunk();
    if (n == 0 || n > data.size() - pos) n = data.size() - pos;
    d.feed(data.substr(pos, n));
    pos += n;
    fed += n;
    if (!drain(d, fed, out)) return out;
  }
  return out;
}

uint64_t hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void check_round_trip(const Message& m, const Limits& limits) {
  std::string wire = m.type == MessageType::kRequest
                         ? ipc::encode_request(m.msgid, m.method, m.params)
                         : ipc::encode_notification(m.method, m.params);
  Decoder d(limits);
  d.feed(wire);
  DecodeError err;
  bool failed = false;
  auto again = d.next(err, failed);
  // A message that fit the limits once must fit them re-encoded, except that a
  // float32 or a compact int may grow by a few bytes past max_frame_bytes.
  if (failed) {
    if (err.status.code() == Code::kTooLarge && wire.size() + 64 > limits.max_frame_bytes) return;
    fail("re-encoded message does not decode", show(m) + " -> " + show(err));
  }
  if (!again) fail("re-encoded message is incomplete", show(m));
  if (show(*again) != show(m)) fail("round trip changed the message", show(m) + " -> " + show(*again));
}

void check_with(std::string_view data, const Limits& limits) {
  Outcome whole = decode(data, limits, [] { return size_t{0}; });
  if (data.size() <= 16384) {
    Outcome bytewise = decode(data, limits, [] { return size_t{1}; });
    if (!(bytewise == whole)) {
      fail("one byte at a time differs from whole",
           "\nwhole:\n" + whole.describe() + "bytewise:\n" + bytewise.describe());
    }
  }
  uint64_t state = hash(data) | 1;
  Outcome chunked = decode(data, limits, [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<size_t>(1 + state % 97);
  });
  if (!(chunked == whole)) {
    fail("random chunks differ from whole",
         "\nwhole:\n" + whole.describe() + "chunked:\n" + chunked.describe());
  }
  for (const auto& m : whole.requests) check_round_trip(m, limits);
}

}  // namespace

void check_frame_input(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_with(bytes, Limits{});
  Limits small;
  small.max_frame_bytes = 4096;
  small.max_string_bytes = 512;
  small.max_elements = 16;
  small.max_depth = 4;
  check_with(bytes, small);
}

}  // namespace cairn::fuzz
