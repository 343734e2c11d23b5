#include "ipc/codec.h"

#include <cstring>
#include <msgpack.hpp>
#include <stdexcept>

namespace cairn::ipc {

namespace {

// Builds a Json from a decoded msgpack object, refusing what cairn's values
// cannot be: non-string map keys, repeated keys, ext types. `path` names where
// the walk is ("params[0].settings.a"), so the refusal can name the field;
// `cost` adds up what the Json takes in memory (Limits::max_decoded_bytes).
// The depth is bounded by the FrameScanner that ran first.
class Builder {
 public:
  Builder(size_t max_cost) : max_cost_(max_cost) {}

  Status build(const msgpack::object& o, Json& out) {
    cost_ += sizeof(Json) + sizeof(msgpack::object);
    if (cost_ > max_cost_) return too_large();
    switch (o.type) {
      case msgpack::type::NIL:
        out = nullptr;
        return Status::ok();
      case msgpack::type::BOOLEAN:
        out = o.via.boolean;
        return Status::ok();
      case msgpack::type::POSITIVE_INTEGER:
        out = o.via.u64;
        return Status::ok();
      case msgpack::type::NEGATIVE_INTEGER:
        out = o.via.i64;
        return Status::ok();
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64:
        out = o.via.f64;
        return Status::ok();
      case msgpack::type::STR:
        cost_ += heap_string(o.via.str.size);
        if (cost_ > max_cost_) return too_large();
        out = std::string(o.via.str.ptr, o.via.str.size);
        return Status::ok();
      case msgpack::type::BIN:
        cost_ += sizeof(Json::binary_t) + o.via.bin.size;
        if (cost_ > max_cost_) return too_large();
        out = Json::binary(std::vector<uint8_t>(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size));
        return Status::ok();
      case msgpack::type::ARRAY: {
        cost_ += sizeof(Json::array_t);
        out = Json::array();
        auto& arr = out.get_ref<Json::array_t&>();
        arr.reserve(o.via.array.size);
        for (uint32_t i = 0; i < o.via.array.size; ++i) {
          path_.push_back("[" + std::to_string(i) + "]");
          Json child;
          CAIRN_RETURN_IF_ERROR(build(o.via.array.ptr[i], child));
          path_.pop_back();
          arr.push_back(std::move(child));
        }
        return Status::ok();
      }
      case msgpack::type::MAP: {
        cost_ += sizeof(Json::object_t);
        out = Json::object();
        auto& obj = out.get_ref<Json::object_t&>();
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
          const auto& kv = o.via.map.ptr[i];
          if (kv.key.type != msgpack::type::STR) {
            return refuse("has a map key that is not a string (" + type_name(kv.key) +
                          "): keys must be strings");
          }
          std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
          // A map node holds the key, the value and the tree's links.
          cost_ += kMapNode + heap_string(key.size());
          if (obj.count(key)) return refuse("repeats the key \"" + printable(key) + "\"");
          path_.push_back("." + printable(key));
          Json child;
          CAIRN_RETURN_IF_ERROR(build(kv.val, child));
          path_.pop_back();
          obj.emplace(std::move(key), std::move(child));
        }
        return Status::ok();
      }
      case msgpack::type::EXT:
        return Status(Code::kInvalidRequest, "msgpack ext types are not accepted");
    }
    return Status(Code::kInvalidRequest, "unknown msgpack type");
  }

  size_t cost() const { return cost_; }

 private:
  static constexpr size_t kMapNode = 64;
  // std::string keeps up to 15 bytes inline; longer ones take a heap block.
  static size_t heap_string(size_t n) { return n > 15 ? n + 1 + 16 : 0; }

  static std::string type_name(const msgpack::object& o) {
    switch (o.type) {
      case msgpack::type::POSITIVE_INTEGER:
      case msgpack::type::NEGATIVE_INTEGER:
        return "an integer";
      case msgpack::type::NIL:
        return "nil";
      case msgpack::type::BOOLEAN:
        return "a boolean";
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64:
        return "a float";
      case msgpack::type::BIN:
        return "binary";
      case msgpack::type::ARRAY:
        return "an array";
      case msgpack::type::MAP:
        return "a map";
      default:
        return "an ext value";
    }
  }

  // A key as it may appear in a one-line error: at most 64 bytes, control
  // characters and bytes over 0x7e shown as \xNN.
  static std::string printable(const std::string& key) {
    std::string out;
    for (unsigned char ch : key.substr(0, 64)) {
      if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
        static const char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
      } else {
        out += static_cast<char>(ch);
      }
    }
    if (key.size() > 64) out += "...";
    return out;
  }

  // INVALID_PARAMS naming the field. The frame itself is intact: the request
  // gets the error as its reply and the connection goes on.
  Status refuse(const std::string& what) const {
    // A request's params are element 3 of the message; anywhere else the
    // message itself is malformed.
    bool in_params = !path_.empty() && path_[0] == "[3]";
    std::string where = path_.empty() ? "message" : in_params ? "params" : "message" + path_[0];
    for (size_t i = 1; i < path_.size(); ++i) where += path_[i];
    return Status(in_params ? Code::kInvalidParams : Code::kInvalidRequest, where + " " + what);
  }

  Status too_large() const {
    return Status(Code::kTooLarge, "message would take more than " + std::to_string(max_cost_) +
                                       " bytes once decoded");
  }

  size_t max_cost_;
  size_t cost_ = 0;
  std::vector<std::string> path_;
};

// The msgid of a request, read from the raw message before it is built, so an
// error found while building can still be its reply.
std::optional<uint32_t> request_id(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2) return std::nullopt;
  const auto& t = o.via.array.ptr[0];
  const auto& id = o.via.array.ptr[1];
  if (t.type != msgpack::type::POSITIVE_INTEGER || t.via.u64 != 0) return std::nullopt;
  if (id.type != msgpack::type::POSITIVE_INTEGER || id.via.u64 > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(id.via.u64);
}

// What value_from_object accepts, without building it: no ext types, string
// map keys. The depth is bounded by the FrameScanner that ran first.
bool decodable(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::EXT:
      return false;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        if (!decodable(o.via.array.ptr[i])) return false;
      }
      return true;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR || !decodable(kv.val)) return false;
      }
      return true;
    default:
      return true;
  }
}

// A float is always sent as float64: msgpack-cxx's pack_double sends a double
// with no fraction as an integer (1.0 arrives as 1, -0.0 as 0) and casts
// doubles at 2^64 to uint64_t, which is undefined behaviour.
void pack_float64(msgpack::sbuffer& sb, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char buf[9];
  buf[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  sb.write(buf, sizeof buf);
}

// The binary subtype that marks a preencoded() value. Subtypes that decoding
// can give (msgpack ext types, by nlohmann's decoder) are at most 255.
constexpr uint64_t kPreencoded = 0x636169726e;  // "cairn"

// Deepest value the encoders write. pack() recurses once per level; a value
// deeper than this (never accepted from a client, never read from a column)
// fails to encode instead of exhausting the stack.
constexpr size_t kMaxEncodeDepth = 64;

void pack(msgpack::sbuffer& sb, msgpack::packer<msgpack::sbuffer>& pk, const Json& v,
          size_t depth = 0) {
  if (v.is_structured() && ++depth > kMaxEncodeDepth) {
    throw std::length_error("value nested deeper than " + std::to_string(kMaxEncodeDepth) +
                            " levels");
  }
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      pk.pack_nil();
      break;
    case Json::value_t::boolean:
      v.get<bool>() ? pk.pack_true() : pk.pack_false();
      break;
    case Json::value_t::number_integer:
      pk.pack_int64(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      pk.pack_uint64(v.get<uint64_t>());
      break;
    case Json::value_t::number_float:
      pack_float64(sb, v.get<double>());
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      pk.pack_str(static_cast<uint32_t>(s.size()));
      pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
      break;
    }
    case Json::value_t::binary: {
      const auto& b = v.get_binary();
      if (b.has_subtype() && b.subtype() == kPreencoded) {
        sb.write(reinterpret_cast<const char*>(b.data()), b.size());
        break;
      }
      pk.pack_bin(static_cast<uint32_t>(b.size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
      break;
    }
    case Json::value_t::array:
      pk.pack_array(static_cast<uint32_t>(v.size()));
      for (const auto& e : v) pack(sb, pk, e, depth);
      break;
    case Json::value_t::object:
      pk.pack_map(static_cast<uint32_t>(v.size()));
      for (const auto& [k, e] : v.items()) {
        pk.pack_str(static_cast<uint32_t>(k.size()));
        pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
        pack(sb, pk, e, depth);
      }
      break;
  }
}

std::string to_string(const msgpack::sbuffer& sb) { return std::string(sb.data(), sb.size()); }

}  // namespace

Result<Message> to_message(Json v, std::optional<uint32_t>& msgid) {
  if (!v.is_array() || v.empty()) {
    return Status(Code::kInvalidRequest, "a message must be a msgpack array");
  }
  if (!v[0].is_number_unsigned() || v[0].get<uint64_t>() > 2) {
    return Status(Code::kInvalidRequest, "message type must be 0, 1 or 2");
  }
  Message m;
  m.type = static_cast<MessageType>(v[0].get<uint64_t>());
  size_t want = m.type == MessageType::kNotification ? 3 : 4;
  if (m.type != MessageType::kNotification) {
    if (v.size() < 2 || !v[1].is_number_unsigned() || v[1].get<uint64_t>() > 0xffffffffu) {
      return Status(Code::kInvalidRequest, "msgid must be an integer from 0 to 2^32-1");
    }
    m.msgid = static_cast<uint32_t>(v[1].get<uint64_t>());
    if (m.type == MessageType::kRequest) msgid = m.msgid;
  }
  if (v.size() != want) {
    return Status(Code::kInvalidRequest, "message has " + std::to_string(v.size()) +
                                             " elements, expected " + std::to_string(want));
  }
  // The parts are moved out, not copied: a reply can hold thousands of values.
  if (m.type == MessageType::kResponse) {
    m.error = std::move(v[2]);
    m.result = std::move(v[3]);
    return m;
  }
  Json& method = v[want - 2];
  Json& params = v[want - 1];
  if (!method.is_string()) return Status(Code::kInvalidRequest, "method must be a string");
  if (!params.is_array()) return Status(Code::kInvalidRequest, "params must be an array");
  m.method = std::move(method.get_ref<std::string&>());
  m.params = std::move(params);
  return m;
}

std::optional<Message> Decoder::next(DecodeError& err, bool& failed) {
  failed = false;
  if (!has_frame() && !scan_error_) {
    // Drop the consumed prefix once it dominates the buffer.
    if (start_ > 0 && start_ >= buf_.size() / 2) {
      buf_.erase(0, start_);
      start_ = 0;
    }
    return std::nullopt;
  }
  if (scan_error_) {
    err = {*scan_error_, std::nullopt, true};
    failed = true;
    return std::nullopt;
  }
  size_t len = ready_;
  ready_ = 0;
  const char* frame = buf_.data() + start_;
  start_ += len;
  Json value;
  Status st;
  std::optional<uint32_t> msgid;
  size_t decoded_bytes = 0;
  try {
    msgpack::unpack_limit lim(limits_.max_elements, limits_.max_elements, limits_.max_string_bytes,
                              limits_.max_string_bytes, limits_.max_string_bytes,
                              limits_.max_depth);
    msgpack::object_handle oh = msgpack::unpack(frame, len, nullptr, nullptr, lim);
    Builder builder(limits_.max_decoded_bytes);
    st = builder.build(oh.get(), value);
    if (st.is_ok()) decoded_bytes = builder.cost();
    if (!st.is_ok()) msgid = request_id(oh.get());
  } catch (const std::exception& e) {
    st = Status(Code::kParseError, std::string("malformed msgpack: ") + e.what());
  }
  if (!st.is_ok()) {
    // A request whose id could be read gets its error as the reply, and the
    // stream goes on: the frame's boundary is intact.
    err = {st, msgid, !msgid.has_value()};
    failed = true;
    return std::nullopt;
  }
  auto msg = to_message(std::move(value), msgid);
  if (!msg) {
    // The frame boundary is intact, so a request with a readable id gets its
    // error as a response and the connection may go on.
    err = {msg.status(), msgid, !msgid.has_value()};
    failed = true;
    return std::nullopt;
  }
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  msg->decoded_bytes = decoded_bytes + len;
  return std::move(msg).value();
}

bool Decoder::has_frame() {
  if (ready_ > 0 || scan_error_) return true;
  std::string_view pending(buf_.data() + start_, buf_.size() - start_);
  auto scanned = scanner_.scan(pending);
  if (!scanned) {
    scan_error_ = scanned.status();
    return true;
  }
  ready_ = *scanned;
  return ready_ > 0;
}

std::string encode_value(const Json& value) {
  msgpack::sbuffer sb;
  msgpack::packer<msgpack::sbuffer> pk(sb);
  pack(sb, pk, value);
  return to_string(sb);
}

Json preencoded(std::vector<uint8_t> msgpack) {
  return Json::binary(std::move(msgpack), kPreencoded);
}

bool is_one_value(std::string_view bytes) {
  FrameScanner scanner{Limits{}};
  auto n = scanner.scan(bytes);
  if (!n.has_value() || *n != bytes.size() || bytes.empty()) return false;
  try {
    msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    return decodable(h.get());
  } catch (const std::exception&) {
    return false;
  }
}

Json error_value(const Status& status) {
  return Json::array({caller_fault(status.code()) ? 1 : 0, status.to_string()});
}

std::string encode_request(uint32_t msgid, std::string_view method, const Json& params) {
  msgpack::sbuffer sb;
  msgpack::packer<msgpack::sbuffer> pk(sb);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(msgid);
  pk.pack_str(static_cast<uint32_t>(method.size()));
  pk.pack_str_body(method.data(), static_cast<uint32_t>(method.size()));
  pack(sb, pk, params);
  return to_string(sb);
}

std::string encode_response(uint32_t msgid, const Status& error, const Json& result) {
  msgpack::sbuffer sb;
  msgpack::packer<msgpack::sbuffer> pk(sb);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  if (error.is_ok()) {
    pk.pack_nil();
    pack(sb, pk, result);
  } else {
    pack(sb, pk, error_value(error));
    pk.pack_nil();
  }
  return to_string(sb);
}

std::string encode_reply(uint32_t msgid, const Status& error, const Json& result) {
  try {
    return encode_response(msgid, error, result);
  } catch (const std::exception& e) {
    return encode_response(msgid, internal_error(std::string("cannot encode reply: ") + e.what()),
                           nullptr);
  }
}

std::string encode_notification(std::string_view method, const Json& params) {
  msgpack::sbuffer sb;
  msgpack::packer<msgpack::sbuffer> pk(sb);
  pk.pack_array(3);
  pk.pack_uint8(2);
  pk.pack_str(static_cast<uint32_t>(method.size()));
  pk.pack_str_body(method.data(), static_cast<uint32_t>(method.size()));
  pack(sb, pk, params);
  return to_string(sb);
}

std::optional<uint32_t> response_msgid(std::string_view e) {
  if (e.size() < 3 || static_cast<unsigned char>(e[0]) != 0x94 || e[1] != 0x01) {
    return std::nullopt;
  }
  auto t = static_cast<unsigned char>(e[2]);
  size_t n = t <= 0x7f ? 0 : t == 0xcc ? 1 : t == 0xcd ? 2 : t == 0xce ? 4 : 9;
  if (n == 9 || e.size() < 3 + n) return std::nullopt;
  if (n == 0) return t;
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(e[3 + i]);
  return v;
}

Status status_from_error_value(const Json& error) {
  std::string text;
  if (error.is_array() && error.size() == 2 && error[1].is_string()) {
    text = error[1].get<std::string>();
  } else if (error.is_string()) {
    text = error.get<std::string>();
  } else {
    return Status(Code::kInternal, "malformed error from peer");
  }
  static const Code kCodes[] = {Code::kParseError,    Code::kInvalidRequest, Code::kMethodNotFound,
                                Code::kInvalidParams, Code::kNotFound,       Code::kConflict,
                                Code::kTooLarge,      Code::kBusy,           Code::kUnauthorized,
                                Code::kIoError,       Code::kInternal};
  for (Code c : kCodes) {
    std::string prefix(code_name(c));
    if (text.rfind(prefix, 0) == 0) {
      size_t skip = prefix.size();
      if (text.compare(skip, 2, ": ") == 0) skip += 2;
      return Status(c, text.substr(skip));
    }
  }
  return Status(Code::kInternal, text);
}

}  // namespace cairn::ipc
