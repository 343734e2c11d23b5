#include "daemon/params.h"

#include "base/byte_text.h"
#include "base/clock.h"

namespace cairn {

namespace {
const Json kNull;
}

Params::Params(const Json& params) {
  if (params.is_array() && params.empty()) {
    args_ = Json::object();
  } else if (params.is_array() && params.size() == 1 && params[0].is_object()) {
    args_ = params[0];
  } else if (params.is_array() && params.size() == 1 && params[0].is_array() &&
             params[0].empty()) {
    args_ = Json::object();  // Lua's {} is an empty array: same as no arguments
  } else {
    args_ = Json::object();
    error_ = invalid_params("params must be [] or [{named arguments}]");
  }
}

bool Params::has(const char* key) const {
  auto it = args_.find(key);
  return it != args_.end() && !it->is_null();
}

const Json* Params::lookup(const char* key, bool required) {
  seen_.insert(key);
  if (!error_.is_ok()) return nullptr;
  auto it = args_.find(key);
  if (it == args_.end() || it->is_null()) {
    if (required) error_ = invalid_params(std::string(key) + " is required");
    return nullptr;
  }
  return &*it;
}

void Params::type_error(const char* key, const char* expected) {
  if (error_.is_ok()) error_ = invalid_params(std::string(key) + " must be " + expected);
}

void Params::fail(Status status) {
  if (error_.is_ok()) error_ = std::move(status);
}

std::string Params::text_problem(std::string_view s) {
  if (s.find('\0') != std::string_view::npos) return "must not contain a NUL byte";
  if (!is_utf8(s)) return "is not valid UTF-8";
  return {};
}

void Params::check_value_text(const char* key, const Json& v, int depth) {
  if (!error_.is_ok()) return;
  // The decoder bounds nesting (ipc/limits.h); this bound keeps the walk safe
  // for values built any other way.
  if (depth > 128) {
    fail(invalid_params(std::string(key) + " is nested too deeply"));
    return;
  }
  if (v.is_string()) {
    // The value itself or an item of a list of them (tags, ids, statuses) is
    // text a filter may match: no NUL. Inside a map it is JSON data, where
    // \u0000 is a character like any other (an export holds it so).
    const auto& s = v.get_ref<const std::string&>();
    std::string why = depth <= 1 ? text_problem(s) : is_utf8(s) ? "" : "is not valid UTF-8";
    if (!why.empty()) fail(invalid_params(std::string(key) + " holds a string that " + why));
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.items()) {
      std::string why = is_utf8(k) ? "" : "is not valid UTF-8";
      if (!why.empty()) {
        fail(invalid_params(std::string(key) + " holds a key that " + why));
        return;
      }
      check_value_text(key, e, depth + 2);
    }
  } else if (v.is_array()) {
    for (const auto& e : v) check_value_text(key, e, depth + 1);
  }
}

std::optional<std::string> Params::opt_str(const char* key, size_t max_bytes) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_error(key, "a string");
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    fail(Status(Code::kInvalidParams,
                std::string(key) + " is longer than " + std::to_string(max_bytes) + " bytes"));
    return std::nullopt;
  }
  if (std::string why = text_problem(s); !why.empty()) {
    fail(invalid_params(std::string(key) + " " + why));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Params::opt_bytes(const char* key, size_t max_bytes) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  std::string s;
  if (v->is_string()) {
    s = v->get_ref<const std::string&>();
  } else if (v->is_binary()) {
    s.assign(v->get_binary().begin(), v->get_binary().end());
  } else {
    type_error(key, "a string");
    return std::nullopt;
  }
  if (s.size() > max_bytes) {
    fail(Status(Code::kInvalidParams,
                std::string(key) + " is longer than " + std::to_string(max_bytes) + " bytes"));
    return std::nullopt;
  }
  if (s.find('\0') != std::string::npos) {
    fail(invalid_params(std::string(key) + " must not contain a NUL byte"));
    return std::nullopt;
  }
  return s;
}

std::string Params::bytes(const char* key, size_t max_bytes) {
  lookup(key, true);
  return opt_bytes(key, max_bytes).value_or("");
}

std::string Params::str(const char* key, size_t max_bytes) {
  lookup(key, true);
  return opt_str(key, max_bytes).value_or("");
}

std::optional<int64_t> Params::opt_int(const char* key, int64_t min, int64_t max) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  int64_t n;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      n = INT64_MAX;
    } else {
      n = v->get<int64_t>();
    }
  } else if (v->is_number_float() && v->get<double>() == static_cast<double>(
                                                             static_cast<int64_t>(v->get<double>()))) {
    n = static_cast<int64_t>(v->get<double>());
  } else {
    type_error(key, "an integer");
    return std::nullopt;
  }
  if (n < min || n > max) {
    fail(invalid_params(std::string(key) + " must be between " + std::to_string(min) + " and " +
                        std::to_string(max)));
    return std::nullopt;
  }
  return n;
}

int64_t Params::integer(const char* key, int64_t min, int64_t max) {
  lookup(key, true);
  return opt_int(key, min, max).value_or(min);
}

std::optional<double> Params::opt_number(const char* key, double min, double max) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    type_error(key, "a number");
    return std::nullopt;
  }
  double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    fail(invalid_params(std::string(key) + " must be between " + std::to_string(min) + " and " +
                        std::to_string(max)));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Params::opt_bool(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    type_error(key, "true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> Params::opt_enum(const char* key,
                                            const std::vector<std::string>& allowed) {
  auto s = opt_str(key, 256);
  if (!s) return std::nullopt;
  for (const auto& a : allowed) {
    if (a == *s) return s;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(invalid_params(std::string(key) + " must be one of: " + list));
  return std::nullopt;
}

std::string Params::enumeration(const char* key, const std::vector<std::string>& allowed) {
  lookup(key, true);
  return opt_enum(key, allowed).value_or("");
}

std::optional<std::vector<std::string>> Params::opt_str_list(const char* key, size_t max_items,
                                                             size_t max_bytes) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    type_error(key, "an array of strings");
    return std::nullopt;
  }
  if (v->size() > max_items) {
    fail(Status(Code::kInvalidParams,
                std::string(key) + " has more than " + std::to_string(max_items) + " items"));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string() || e.get_ref<const std::string&>().size() > max_bytes) {
      type_error(key, ("an array of strings of at most " + std::to_string(max_bytes) + " bytes")
                          .c_str());
      return std::nullopt;
    }
    if (std::string why = text_problem(e.get_ref<const std::string&>()); !why.empty()) {
      fail(invalid_params(std::string(key) + " holds a string that " + why));
      return std::nullopt;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<int64_t> Params::opt_time(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  std::optional<int64_t> t;
  if (v->is_number_integer()) {
    t = opt_int(key, INT64_MIN, INT64_MAX);
    if (!t) return std::nullopt;
  } else if (v->is_string()) {
    auto parsed = parse_iso8601_checked(v->get_ref<const std::string&>());
    if (!parsed) {
      fail(invalid_params(std::string(key) + " is not a valid time: " + parsed.status().message() +
                          " (ISO 8601 such as 2026-11-23T15:04:05Z, or Unix milliseconds)"));
      return std::nullopt;
    }
    t = *parsed;
  } else {
    type_error(key, "an ISO 8601 time (2026-11-23T15:04:05Z) or Unix milliseconds");
    return std::nullopt;
  }
  if (*t < kMinTimeMs || *t > kMaxTimeMs) {
    fail(invalid_params(std::string(key) + " must be between 1970-01-01 and 2200-01-01"));
    return std::nullopt;
  }
  return t;
}

std::optional<int64_t> Params::opt_past_time(const char* key) {
  auto t = opt_time(key);
  if (!t) return std::nullopt;
  int64_t latest = wall_ms() + kClockSkewMs;
  if (*t > latest) {
    fail(invalid_params(std::string(key) + " must not be in the future (" + format_iso8601(*t) +
                        " is after " + format_iso8601(latest) +
                        ", the daemon's clock plus 5 minutes)"));
    return std::nullopt;
  }
  return t;
}

int64_t Params::time(const char* key) {
  lookup(key, true);
  return opt_time(key).value_or(0);
}

const Json& Params::any(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return kNull;
  check_value_text(key, *v, 0);
  return error_.is_ok() ? *v : kNull;
}

std::optional<Json> Params::opt_any(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  check_value_text(key, *v, 0);
  if (!error_.is_ok()) return std::nullopt;
  return *v;
}

Status Params::finish() {
  if (!error_.is_ok()) return error_;
  for (const auto& [k, v] : args_.items()) {
    if (!seen_.count(k)) {
      if (!text_problem(k).empty()) return invalid_params("unknown key that is not valid text");
      return invalid_params("unknown key " + k);
    }
  }
  return Status::ok();
}

}  // namespace cairn
