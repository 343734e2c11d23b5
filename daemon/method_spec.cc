#include "daemon/method_spec.h"

#include "base/byte_text.h"
#include "base/clock.h"

namespace cairn {

namespace {

const Json kAbsentArg;

const char* json_type(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string() || v.is_binary()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// True when `v` is of one of the JSON Schema types in `type` (a name or a list).
bool type_matches(const Json& type, const Json& v) {
  std::string have = json_type(v);
  auto one = [&](const Json& t) {
    if (!t.is_string()) return false;
    const auto& name = t.get_ref<const std::string&>();
    if (name == have) return true;
    // An integral float is an integer; any integer is a number.
    if (name == "number" && have == "integer") return true;
    if (name == "integer" && v.is_number_float()) {
      double d = v.get<double>();
      return d == static_cast<double>(static_cast<int64_t>(d));
    }
    return false;
  };
  if (type.is_array()) {
    for (const auto& t : type) {
      if (one(t)) return true;
    }
    return false;
  }
  return one(type);
}

std::string type_words(const Json& type) {
  std::string out;
  auto word = [](const std::string& t) {
    if (t == "object") return std::string("an object");
    if (t == "array") return std::string("an array");
    if (t == "integer") return std::string("an integer");
    return "a " + t;
  };
  if (type.is_array()) {
    for (size_t i = 0; i < type.size(); ++i) {
      if (type[i] == "null") continue;
      if (!out.empty()) out += " or ";
      out += word(type[i].get<std::string>());
    }
    return out;
  }
  return word(type.get<std::string>());
}

// The arguments map with bin values of `bytes_ok` keys as their bytes in a
// str, copied only when there is one.
Json with_bytes_as_str(const std::vector<ParamSpec>& specs, const Json& params) {
  Json out = params;
  if (!out.is_array() || out.size() != 1 || !out[0].is_object()) return out;
  for (const auto& ps : specs) {
    if (!ps.bytes_ok) continue;
    auto it = out[0].find(ps.name);
    if (it != out[0].end()) *it = bin_as_str(*it);
  }
  return out;
}

bool has_bin_bytes_key(const std::vector<ParamSpec>& specs, const Json& params) {
  if (!params.is_array() || params.size() != 1 || !params[0].is_object()) return false;
  for (const auto& ps : specs) {
    if (!ps.bytes_ok) continue;
    auto it = params[0].find(ps.name);
    if (it != params[0].end() && it->is_binary()) return true;
  }
  return false;
}

ParamSpec make(std::string name, ParamType type, std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.description = std::move(description);
  return p;
}

}  // namespace

ParamSpec& ParamSpec::checked_by_reader(std::function<void(Params&, const char* key)> read) {
  check = [key = name, read = std::move(read)](const Json& value) {
    Params p(Json::array({Json{{key, value}}}));
    read(p, key.c_str());
    return p.finish();
  };
  return *this;
}

Json ParamSpec::json_schema() const {
  Json s = Json::object();
  switch (type) {
    case ParamType::kString:
      s = {{"type", "string"}, {"maxLength", max_bytes}};
      break;
    case ParamType::kInteger:
      s = {{"type", "integer"}, {"minimum", min}, {"maximum", max}};
      break;
    case ParamType::kNumber:
      s = {{"type", "number"}, {"minimum", min_number}, {"maximum", max_number}};
      break;
    case ParamType::kBoolean:
      s = {{"type", "boolean"}};
      break;
    case ParamType::kEnum:
      s = {{"type", "string"}, {"enum", values}};
      break;
    case ParamType::kTime:
      s = {{"type", Json::array({"string", "integer"})}};
      break;
    case ParamType::kStringList:
      s = {{"type", "array"},
           {"items", {{"type", "string"}, {"maxLength", max_bytes}}},
           {"maxItems", max_items}};
      break;
    case ParamType::kAny:
      break;
  }
  for (const auto& [k, v] : schema.items()) s[k] = v;
  if (is_nullable && s.contains("type")) {
    Json t = s["type"].is_array() ? s["type"] : Json::array({s["type"]});
    t.push_back("null");
    s["type"] = t;
    if (s.contains("enum")) s["enum"].push_back(nullptr);
  }
  std::string d = description;
  if (type == ParamType::kTime) d += d.empty() ? "ISO 8601 or Unix ms" : " (ISO 8601 or Unix ms)";
  if (!d.empty()) s["description"] = d;
  return s;
}

Status MethodSpec::validate(const Json& raw) const {
  Json converted;
  const Json* params = &raw;
  if (has_bin_bytes_key(this->params, raw)) {
    converted = with_bytes_as_str(this->params, raw);
    params = &converted;
  }
  Params p(*params);
  for (const auto& ps : this->params) {
    const char* key = ps.name.c_str();
    if (ps.is_required && p.ok() && !p.has(key)) p.fail(invalid_params(ps.name + " is required"));
    bool given = p.has(key);
    switch (ps.type) {
      case ParamType::kString:
        if (ps.bytes_ok) {
          p.opt_bytes(key, ps.max_bytes);
        } else {
          p.opt_str(key, ps.max_bytes);
        }
        break;
      case ParamType::kInteger:
        p.opt_int(key, ps.min, ps.max);
        break;
      case ParamType::kNumber:
        p.opt_number(key, ps.min_number, ps.max_number);
        break;
      case ParamType::kBoolean:
        p.opt_bool(key);
        break;
      case ParamType::kEnum:
        p.opt_enum(key, ps.values);
        break;
      case ParamType::kTime:
        if (ps.is_past) {
          p.opt_past_time(key);
        } else {
          p.opt_time(key);
        }
        break;
      case ParamType::kStringList:
        p.opt_str_list(key, ps.max_items, ps.max_bytes);
        break;
      case ParamType::kAny: {
        auto v = p.opt_any(key);
        if (v && p.ok() && ps.schema.contains("type") && !type_matches(ps.schema["type"], *v)) {
          p.fail(invalid_params(ps.name + " must be " + type_words(ps.schema["type"])));
        }
        break;
      }
    }
    if (given && ps.check && p.ok()) {
      const Json& args = (*params)[0];
      Status st = ps.check(args[ps.name]);
      if (!st.is_ok()) p.fail(std::move(st));
    }
  }
  return p.finish();
}

Json MethodSpec::params_schema() const {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& ps : params) {
    props[ps.name] = ps.json_schema();
    if (ps.is_required) required.push_back(ps.name);
  }
  Json s{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
         {"type", "object"},
         {"properties", props},
         {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  for (const auto& [k, v] : constraints.items()) s[k] = v;
  return s;
}

namespace param {

ParamSpec str(std::string name, size_t max_bytes, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kString, std::move(description));
  p.max_bytes = max_bytes;
  return p;
}

ParamSpec integer(std::string name, int64_t min, int64_t max, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kInteger, std::move(description));
  p.min = min;
  p.max = max;
  return p;
}

ParamSpec number(std::string name, double min, double max, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kNumber, std::move(description));
  p.min_number = min;
  p.max_number = max;
  return p;
}

ParamSpec boolean(std::string name, std::string description) {
  return make(std::move(name), ParamType::kBoolean, std::move(description));
}

ParamSpec enumeration(std::string name, std::vector<std::string> values, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kEnum, std::move(description));
  p.values = std::move(values);
  return p;
}

ParamSpec time(std::string name, std::string description) {
  return make(std::move(name), ParamType::kTime, std::move(description));
}

ParamSpec str_list(std::string name, size_t max_items, size_t max_bytes, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kStringList, std::move(description));
  p.max_items = max_items;
  p.max_bytes = max_bytes;
  return p;
}

ParamSpec any(std::string name, Json schema, std::string description) {
  ParamSpec p = make(std::move(name), ParamType::kAny, std::move(description));
  p.schema = std::move(schema);
  return p;
}

}  // namespace param

Args::Args(const Json& params) : args_(nullptr) {
  if (params.is_array() && params.size() == 1 && params[0].is_object()) args_ = &params[0];
}

const Json* Args::find(const char* key) const {
  if (!args_) return nullptr;
  auto it = args_->find(key);
  if (it == args_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool Args::has(const char* key) const { return find(key) != nullptr; }

bool Args::null_given(const char* key) const {
  if (!args_) return false;
  auto it = args_->find(key);
  return it != args_->end() && it->is_null();
}

std::optional<std::string> Args::opt_str(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_binary()) return bin_as_str(*v).get<std::string>();
  return v->get<std::string>();
}

std::string Args::str(const char* key) const { return opt_str(key).value_or(""); }

std::optional<int64_t> Args::opt_int(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return INT64_MAX;
  }
  return v->get<int64_t>();
}

int64_t Args::integer(const char* key) const { return opt_int(key).value_or(0); }

std::optional<double> Args::opt_number(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  return v->get<double>();
}

std::optional<bool> Args::opt_bool(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  return v->get<bool>();
}

std::optional<int64_t> Args::opt_time(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return parse_iso8601(v->get_ref<const std::string&>());
  return opt_int(key);
}

int64_t Args::time(const char* key) const { return opt_time(key).value_or(0); }

std::optional<std::vector<std::string>> Args::opt_str_list(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  return v->get<std::vector<std::string>>();
}

std::optional<Json> Args::opt_any(const char* key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  return *v;
}

const Json& Args::any(const char* key) const {
  const Json* v = find(key);
  return v ? *v : kAbsentArg;
}

}  // namespace cairn
