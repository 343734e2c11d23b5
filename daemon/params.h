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
// Any thread; one Params per call.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
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
  // Any value (null when absent); the caller checks its shape.
  const Json& any(const char* key);
  std::optional<Json> opt_any(const char* key);

  // Records a problem found by the caller (first one wins).
  void fail(Status status);
  bool ok() const { return error_.is_ok(); }
  // The first problem, else INVALID_PARAMS for the first unknown key.
  Status finish();

  static constexpr size_t kDefaultMaxBytes = 64 * 1024;

 private:
  const Json* lookup(const char* key, bool required);
  void type_error(const char* key, const char* expected);

  Json args_;
  std::set<std::string> seen_;
  Status error_;
};

}  // namespace cairn
