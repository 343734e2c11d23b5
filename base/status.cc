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
