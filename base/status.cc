#include "base/status.h"

namespace cairn {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kParseError: return "PARSE_ERROR";
    case Code::kInvalidRequest: return "INVALID_REQUEST";
    case Code::kMethodNotFound: return "METHOD_NOT_FOUND";
    case Code::kInvalidParams: return "INVALID_PARAMS";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kConflict: return "CONFLICT";
    case Code::kTooLarge: return "TOO_LARGE";
    case Code::kBusy: return "BUSY";
    case Code::kUnauthorized: return "UNAUTHORIZED";
    case Code::kIoError: return "IO_ERROR";
    case Code::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

bool caller_fault(Code code) {
  switch (code) {
    case Code::kParseError:
    case Code::kInvalidRequest:
    case Code::kMethodNotFound:
    case Code::kInvalidParams:
    case Code::kNotFound:
    case Code::kConflict:
    case Code::kTooLarge:
    case Code::kUnauthorized:
      return true;
    default:
      return false;
  }
}

std::string_view code_description(Code code) {
  switch (code) {
    case Code::kOk:
      return "no error";
    case Code::kParseError:
      return "bytes that are not msgpack; the connection is closed";
    case Code::kInvalidRequest:
      return "msgpack that is not a request (wrong shape, type, msgid or method)";
    case Code::kMethodNotFound:
      return "no such method (daemon.describe lists them)";
    case Code::kInvalidParams:
      return "a parameter is missing, of the wrong type, out of range, too long, or unknown; "
             "the message names it";
    case Code::kNotFound:
      return "the thing named does not exist";
    case Code::kConflict:
      return "a constraint: duplicate, dependency cycle, an id reused with different content, "
             "a stale version, an illegal state change";
    case Code::kTooLarge:
      return "a message or value over a protocol limit";
    case Code::kBusy:
      return "the database stayed locked past its busy timeout; retry later";
    case Code::kUnauthorized:
      return "the peer is another user, or a debug method without --debug-methods";
    case Code::kIoError:
      return "the storage failed (disk full, I/O error): the outcome of a write is unknown; "
             "retry with the same id";
    case Code::kInternal:
      return "a bug or an unexpected state in the daemon; report it";
  }
  return "";
}

std::string Status::to_string() const {
  std::string out(code_name(code_));
  if (!message_.empty()) {
    out += ": ";
    // One line on the wire: Neovim shows the message as is.
    for (char c : message_) out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

}  // namespace cairn
