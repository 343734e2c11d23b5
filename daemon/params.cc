#include "daemon/params.h"

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
  return s;
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
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<int64_t> Params::opt_time(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return opt_int(key, -62135596800000, 253402300799999);
  if (v->is_string()) {
    if (auto t = parse_iso8601(v->get_ref<const std::string&>())) return t;
  }
  type_error(key, "an ISO 8601 time (2026-11-23T15:04:05Z) or Unix milliseconds");
  return std::nullopt;
}

int64_t Params::time(const char* key) {
  lookup(key, true);
  return opt_time(key).value_or(0);
}

const Json& Params::any(const char* key) {
  const Json* v = lookup(key, false);
  return v ? *v : kNull;
}

std::optional<Json> Params::opt_any(const char* key) {
  const Json* v = lookup(key, false);
  if (!v) return std::nullopt;
  return *v;
}

Status Params::finish() {
  if (!error_.is_ok()) return error_;
  for (const auto& [k, v] : args_.items()) {
    if (!seen_.count(k)) return invalid_params("unknown key " + k);
  }
  return Status::ok();
}

}  // namespace cairn
