#include "fuzz/structured_input.h"

#include <cstring>

namespace cairn::fuzz {

namespace {

// The parameter names of cairn's methods, and the ones that take JSON text or
// paths; a method ignores none (unknown keys are refused), so a wrong name
// still reaches the parameter checks.
const char* const kKeys[] = {"id",
                             "category",
                             "key",
                             "value",
                             "settings",
                             "metadata",
                             "tool_calls",
                             "attachments",
                             "details",
                             "data",
                             "tags",
                             "title",
                             "content",
                             "path",
                             "document",
                             "mode",
                             "after",
                             "cursor",
                             "limit",
                             "offset",
                             "page",
                             "page_size",
                             "logs",
                             "append_logs",
                             "topics",
                             "session_id",
                             "role",
                             "source_type",
                             "knowledge_type",
                             "action_type",
                             "instruction",
                             "patch",
                             "files_changed",
                             "query",
                             "text",
                             "due",
                             "status",
                             "note",
                             "decision",
                             "name",
                             "description",
                             "logs_offset",
                             "logs_limit",
                             "db_id",
                             "tables",
                             "list_id",
                             "task_id",
                             "priority",
                             "kind",
                             "keep",
                             "verify",
                             "full",
                             "by",
                             "from",
                             "to",
                             "started_at",
                             "ended_at",
                             "parent_id",
                             "thinking",
                             "files"};

constexpr size_t kMaxGenerated = 6u << 20;  // bytes one input may generate

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t u16() { return static_cast<uint32_t>(byte()) << 8 | byte(); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A msgpack writer that can write what encode_request never would: integer
// keys, repeated keys, any nesting.
class Writer {
 public:
  std::string out;
  void raw(std::initializer_list<int> b) {
    for (int x : b) out.push_back(static_cast<char>(x));
  }
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  }
  void array(uint32_t n) {
    if (n < 16) return raw({0x90 | static_cast<int>(n)});
    raw({0xdd});
    be(n, 4);
  }
  void map(uint32_t n) {
    if (n < 16) return raw({0x80 | static_cast<int>(n)});
    raw({0xdf});
    be(n, 4);
  }
  void str(const std::string& s) {
    raw({0xdb});
    be(s.size(), 4);
    out += s;
  }
  void bin(const std::string& s) {
    raw({0xc6});
    be(s.size(), 4);
    out += s;
  }
  void uint(uint64_t v) {
    raw({0xcf});
    be(v, 8);
  }
  void sint(int64_t v) {
    raw({0xd3});
    be(static_cast<uint64_t>(v), 8);
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    raw({0xcb});
    be(bits, 8);
  }
  void nil() { raw({0xc0}); }
  void boolean(bool b) { raw({b ? 0xc3 : 0xc2}); }
};

std::string json_nested(size_t depth, bool objects) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += objects ? "{\"a\":" : "[";
  s += "1";
  for (size_t i = 0; i < depth; ++i) s += objects ? "}" : "]";
  return s;
}

void value(Writer& w, Reader& r, const Sandbox& box, bool path_key, int level);

// One value of a shape the input chooses.
void value(Writer& w, Reader& r, const Sandbox& box, bool path_key, int level) {
  if (path_key && !box.paths.empty()) {
    // Path parameters name only the sandbox's special files: the input never
    // picks a path of its own.
    w.str(box.paths[r.byte() % box.paths.size()]);
    return;
  }
  switch (r.byte() % 18) {
    case 0:
      w.uint(r.byte());
      break;
    case 1:
      w.sint(-static_cast<int64_t>(r.u16()) * 1000003);
      break;
    case 2:
      w.str(std::string(1 + r.byte() % 24, static_cast<char>('a' + r.byte() % 26)));
      break;
    case 3: {  // msgpack nested past (or just under) the decoder's depth limit
      uint32_t depth = 1 + r.byte() % 40;
      for (uint32_t i = 0; i < depth; ++i) w.array(1);
      w.nil();
      break;
    }
    case 4: {  // JSON text nested from a few levels to 60,000
      size_t depth = r.byte() % 2 ? 20 + r.byte() % 30 : 1 + r.u16();
      w.str(json_nested(depth, r.byte() % 2));
      break;
    }
    case 5:
      w.str(std::string(r.u16() * 64, 'x'));
      break;  // up to 4 MiB
    case 6:
      w.str(std::string("\xff\xfe", 2) + "ok" + std::string("\xc3", 1));
      break;
    case 7: {  // an integer key
      w.map(1);
      w.uint(r.byte());
      w.nil();
      break;
    }
    case 8: {  // a repeated key
      w.map(2);
      w.str("k");
      w.uint(1);
      w.str("k");
      w.uint(2);
      break;
    }
    case 9:
      w.str(box.paths.empty() ? "/dev/zero" : box.paths[r.byte() % box.paths.size()]);
      break;
    case 10:
      w.str("{\"a\":1,\"a\":2}");
      break;
    case 11:
      w.bin(std::string(r.byte(), '\0'));
      break;
    case 12:
      w.nil();
      break;
    case 13: {  // many small strings: a decoded size far over the frame's
      uint32_t n = 1 + r.u16() % 4096;
      w.array(n);
      for (uint32_t i = 0; i < n; ++i) w.str("s");
      break;
    }
    case 14:
      w.f64(static_cast<double>(r.u16()) / 7.0);
      break;
    case 15:
      w.boolean(r.byte() % 2);
      break;
    case 16: {  // a map of further values
      if (level > 3) return w.nil();
      uint32_t n = 1 + r.byte() % 3;
      w.map(n);
      for (uint32_t i = 0; i < n; ++i) {
        w.str(kKeys[r.byte() % std::size(kKeys)]);
        value(w, r, box, false, level + 1);
      }
      break;
    }
    default: {  // an array of further values
      if (level > 3) return w.nil();
      uint32_t n = 1 + r.byte() % 3;
      w.array(n);
      for (uint32_t i = 0; i < n; ++i) value(w, r, box, false, level + 1);
      break;
    }
  }
}

bool is_path_key(const char* key) { return std::strcmp(key, "path") == 0; }

}  // namespace

bool structured_denied(const std::string& m) {
  return m == "daemon.shutdown" || m == "approvals.wait" || m == "files.track";
}

std::string structured_requests(const uint8_t* data, size_t size, const Sandbox& box) {
  Reader r(data, size);
  Writer w;
  if (box.methods.empty()) return w.out;
  uint32_t requests = 1 + r.byte() % 4;
  for (uint32_t i = 0; i < requests && w.out.size() < kMaxGenerated; ++i) {
    std::string method = box.methods[r.u16() % box.methods.size()];
    if (structured_denied(method)) method = "daemon.ping";
    Writer req;
    req.array(4);
    req.raw({0x00});
    req.uint(i + 1);
    req.str(method);
    req.array(1);
    uint32_t n = r.byte() % 5;
    bool odd_key = r.byte() % 8 == 0;  // an integer or repeated key at the top
    req.map(n + (odd_key ? 1 : 0));
    const char* first = nullptr;
    for (uint32_t k = 0; k < n; ++k) {
      const char* key = kKeys[r.byte() % std::size(kKeys)];
      if (!first) first = key;
      req.str(key);
      value(req, r, box, is_path_key(key), 0);
    }
    if (odd_key) {
      if (first && r.byte() % 2)
        req.str(first);
      else
        req.uint(7);
      req.nil();
    }
    w.out += req.out;
    if (r.done()) break;
  }
  return w.out;
}

}  // namespace cairn::fuzz
