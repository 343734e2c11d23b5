// The msgpack-RPC codec: Decoder turns a byte stream into Messages under Limits;
// the encode_* functions turn replies into bytes. msgpack-cxx is confined to
// codec.cc and packer.cc. Decoder is owned by one connection and not
// thread-safe; the encode functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "ipc/frame_scanner.h"
#include "ipc/limits.h"
#include "ipc/message.h"

namespace cairn::ipc {

// A decoding failure. `msgid` is set when the frame was a request whose id could
// be read, so the error can be sent as its response. `fatal` means the stream
// cannot continue (framing lost or limits broken): send the error, then close.
struct DecodeError {
  Status status;
  std::optional<uint32_t> msgid;
  bool fatal = true;
};

class Decoder {
 public:
  explicit Decoder(const Limits& limits = {}) : limits_(limits), scanner_(limits) {}

  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete message; nullopt when more bytes are needed.
  // On DecodeError::fatal the decoder must not be used again.
  std::optional<Message> next(DecodeError& err, bool& failed);
  // Bytes received and not yet returned by next() (whole messages included).
  size_t buffered() const { return buf_.size() - start_; }
  // True when next() has something to return at once: a whole message (or an
  // error); false when the buffered bytes are at most a partial message, the
  // part the peer has yet to send.
  bool has_frame();

 private:
  Limits limits_;
  FrameScanner scanner_;
  std::string buf_;
  size_t start_ = 0;                  // consumed prefix of buf_, dropped lazily
  size_t ready_ = 0;                  // length of a whole message at start_ already scanned
  std::optional<Status> scan_error_;  // framing lost: every next() fails
};

// Turns a decoded msgpack value into a Message, checking the msgpack-RPC shape.
// Exposed for tests; Decoder::next uses it.
Result<Message> to_message(Json value, std::optional<uint32_t>& msgid);

std::string encode_request(uint32_t msgid, std::string_view method, const Json& params);
std::string encode_response(uint32_t msgid, const Status& error, const Json& result);
// encode_response that never throws: a result that cannot be encoded (a value
// msgpack cannot hold) becomes an INTERNAL error reply. Any thread.
std::string encode_reply(uint32_t msgid, const Status& error, const Json& result);
std::string encode_notification(std::string_view method, const Json& params);
// The msgid of a response as encode_response writes it, or nullopt.
std::optional<uint32_t> response_msgid(std::string_view encoded);
// Any Json value as one msgpack object (binary becomes bin, strings str).
std::string encode_value(const Json& value);
// A value that is already one msgpack object, such as a changelog value read
// from the database: the encoders above copy its bytes as they are instead of
// decoding and encoding it again (most of changes.since's time). `msgpack` must
// be exactly one object the Decoder accepts (is_one_value); a decoded message
// never holds such a value.
Json preencoded(std::vector<uint8_t> msgpack);
// True when `bytes` is one msgpack object within Limits and nothing more, with
// string map keys and no ext types: what the Decoder accepts as a value.
bool is_one_value(std::string_view bytes);
// The [kind, "CODE: message"] pair for a failed request.
Json error_value(const Status& status);
// Parses an error value received from a peer back into a Status.
Status status_from_error_value(const Json& error);

}  // namespace cairn::ipc
