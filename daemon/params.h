// Params: reads a method's named arguments from `params = [{...}]` (or `[]`)
// with checks that name the offending key. Getters never throw: after the first
// problem they return defaults, and finish() reports that problem, or any key
// the method did not ask for (unknown keys are an error, never ignored).
//
//   Params p(params);
//   auto title = p.str("title");
//   auto priority = p.opt_int("priority", 1, 5);
//   CAIRN_RETURN_IF_ERROR(p.finish());
//
// Text: every string a method reads as text (str, opt_str, enums, string lists,
// a string value or list of strings read with any/opt_any) must be valid UTF-8
// without a NUL byte, or the call fails INVALID_PARAMS naming the key; strings
// and keys inside a map read with any/opt_any must be UTF-8 (NUL allowed:
// JSON data may hold \u0000). Only fields documented as bytes (paths) are read with
// bytes/opt_bytes, which take a str or bin of any bytes but NUL.
//
// Times: opt_time/time take ISO 8601 (impossible dates and times refused) or
// Unix ms, between 1970-01-01 and 2200-01-01 (kMinTimeMs..kMaxTimeMs).
// opt_past_time is for a moment that has happened (a session's start, `at`):
// it also refuses times more than kClockSkewMs after the daemon's clock.
//
// Any thread; one Params per call.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace cairn {

class Params {
 public:
  explicit Params(const Json& params);

  bool has(const char* key) const;
  std::string str(const char* key, size_t max_bytes = kDefaultMaxBytes);
  std::optional<std::string> opt_str(const char* key, size_t max_bytes = kDefaultMaxBytes);
  // Byte strings (paths): a str or bin of any bytes but NUL.
  std::string bytes(const char* key, size_t max_bytes);
  std::optional<std::string> opt_bytes(const char* key, size_t max_bytes);
  int64_t integer(const char* key, int64_t min, int64_t max);
  std::optional<int64_t> opt_int(const char* key, int64_t min, int64_t max);
  std::optional<double> opt_number(const char* key, double min, double max);
  std::optional<bool> opt_bool(const char* key);
  // One of `allowed`.
  std::optional<std::string> opt_enum(const char* key, const std::vector<std::string>& allowed);
  std::string enumeration(const char* key, const std::vector<std::string>& allowed);
  std::optional<std::vector<std::string>> opt_str_list(const char* key, size_t max_items,
                                                       size_t max_bytes = 1024);
  // A moment: ISO 8601 text or Unix milliseconds. Returns Unix milliseconds.
  std::optional<int64_t> opt_time(const char* key);
  int64_t time(const char* key);
  // A moment that has happened: opt_time, and not after now + kClockSkewMs.
  std::optional<int64_t> opt_past_time(const char* key);
  // Any value (null when absent); the caller checks its shape.
  const Json& any(const char* key);
  std::optional<Json> opt_any(const char* key);

  // Records a problem found by the caller (first one wins).
  void fail(Status status);
  bool ok() const { return error_.is_ok(); }
  // The first problem, else INVALID_PARAMS for the first unknown key.
  Status finish();

  static constexpr size_t kDefaultMaxBytes = 64 * 1024;
  static constexpr int64_t kMinTimeMs = 0;                  // 1970-01-01T00:00:00Z
  static constexpr int64_t kMaxTimeMs = 7258118400000 - 1;  // before 2200-01-01T00:00:00Z
  static constexpr int64_t kClockSkewMs = 5 * 60 * 1000;

  // Why `s` cannot be a text field (invalid UTF-8, a NUL byte), or empty when
  // it can. Shared with code that checks text outside Params.
  static std::string text_problem(std::string_view s);

 private:
  const Json* lookup(const char* key, bool required);
  void type_error(const char* key, const char* expected);
  // Fails naming `key` when a string or map key anywhere inside `v` is not text.
  void check_value_text(const char* key, const Json& v, int depth);

  Json args_;
  std::set<std::string> seen_;
  Status error_;
};

}  // namespace cairn
