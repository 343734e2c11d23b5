// Status and Result<T>: the error type at every module boundary.
//
// A Status is a stable code plus a one-line message. On the wire it becomes
// [kind, "CODE: message"] with kind 1 when the caller is at fault and 0 when the
// server is. Every code is listed here and in ipc/README.md; add to both together.
// Values, freely copied; no thread restrictions.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cairn {

enum class Code {
  kOk,
  kParseError,      // bytes that are not msgpack
  kInvalidRequest,  // msgpack that is not a request
  kMethodNotFound,
  kInvalidParams,   // wrong, missing or unknown parameter; the message names it
  kNotFound,
  kConflict,        // constraint, dependency cycle, stale version
  kTooLarge,
  kBusy,            // the database stayed locked past busy_timeout; retry later
  kUnauthorized,
  kIoError,         // outcome unknown (failed commit, full disk): retry with the same id
  kInternal,
};

// "INVALID_PARAMS" for Code::kInvalidParams.
std::string_view code_name(Code code);
// True for codes that mean the caller sent something wrong (wire kind 1).
bool caller_fault(Code code);
// One line saying what the code means and whether to retry (daemon.describe).
std::string_view code_description(Code code);
// Every code but kOk, in order.
inline constexpr Code kAllErrorCodes[] = {
    Code::kParseError,   Code::kInvalidRequest, Code::kMethodNotFound, Code::kInvalidParams,
    Code::kNotFound,     Code::kConflict,       Code::kTooLarge,       Code::kBusy,
    Code::kUnauthorized, Code::kIoError,        Code::kInternal};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", the text clients show.
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalid_params(std::string m) { return {Code::kInvalidParams, std::move(m)}; }
inline Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status internal_error(std::string m) { return {Code::kInternal, std::move(m)}; }

// A value or the Status that explains its absence, shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).is_ok());
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const {
    static const Status kOk;
    return has_value() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cairn

// Returns early from the enclosing function when `expr` is not ok.
#define CAIRN_RETURN_IF_ERROR(expr)           \
  do {                                        \
    ::cairn::Status _st = (expr);             \
    if (!_st.is_ok()) return _st;             \
  } while (0)

#define CAIRN_CONCAT_INNER(a, b) a##b
#define CAIRN_CONCAT(a, b) CAIRN_CONCAT_INNER(a, b)
// `CAIRN_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the status.
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL(CAIRN_CONCAT(_res_, __LINE__), lhs, expr)
#define CAIRN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.has_value()) return tmp.status();        \
  lhs = std::move(tmp).value()
