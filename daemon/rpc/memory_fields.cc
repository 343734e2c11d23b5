#include "daemon/rpc/memory_fields.h"

#include "base/clock.h"
#include "base/json_text.h"
#include "base/random_id.h"

namespace cairn::memory {

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

std::optional<std::string> checked_id(Params& p, const char* key, bool required) {
  auto id = required ? std::optional<std::string>(p.str(key, 128)) : p.opt_str(key, 128);
  if (id && p.ok() && !valid_id(*id)) {
    p.fail(invalid_params(std::string(key) +
                          " must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'"));
    return std::nullopt;
  }
  return id;
}

}  // namespace

std::string new_or_given_id(Params& p, const char* key) {
  auto id = checked_id(p, key, false);
  return id ? *id : new_uuid();
}

std::string existing_id(Params& p, const char* key) {
  return checked_id(p, key, true).value_or("");
}

std::optional<std::string> opt_text(Params& p, const char* key, size_t max_bytes) {
  return p.opt_str(key, max_bytes);  // Params refuses what is not text
}

std::string text(Params& p, const char* key, size_t max_bytes) {
  p.str(key, max_bytes);  // marks it required
  return opt_text(p, key, max_bytes).value_or("");
}

std::optional<std::string> opt_json(Params& p, const char* key, JsonShape shape,
                                    size_t max_bytes) {
  auto raw = p.opt_any(key);
  if (!raw || !p.ok()) return std::nullopt;
  Json value = *raw;
  if (value.is_string()) {
    auto parsed = parse_json_param(raw->get_ref<const std::string&>(), key);
    if (!parsed) {
      p.fail(parsed.status());
      return std::nullopt;
    }
    value = std::move(*parsed);
  }
  bool ok = false;
  const char* want = "";
  switch (shape) {
    case JsonShape::kObject:
      ok = value.is_object(), want = "a JSON object";
      break;
    case JsonShape::kArray:
      ok = value.is_array(), want = "a JSON array";
      break;
    case JsonShape::kObjectOrArray:
      ok = value.is_object() || value.is_array(), want = "a JSON object or array";
      break;
    case JsonShape::kStringArray:
      want = "an array of strings";
      ok = value.is_array();
      for (const auto& e : value) {
        ok = ok && e.is_string();
        // Items are text a filter matches (knowledge.list tag), also when the
        // array came as JSON text: the same rule as every text field.
        if (ok && !Params::text_problem(e.get_ref<const std::string&>()).empty()) {
          p.fail(invalid_params(std::string(key) + " holds a string that " +
                                Params::text_problem(e.get_ref<const std::string&>())));
          return std::nullopt;
        }
      }
      break;
  }
  if (!ok) {
    p.fail(invalid_params(std::string(key) + " must be " + want));
    return std::nullopt;
  }
  auto text = to_json_text(value, key);
  if (!text) {
    p.fail(text.status());
    return std::nullopt;
  }
  if (text->size() > max_bytes) {
    p.fail(Status(Code::kInvalidParams, std::string(key) + " is larger than " +
                                       std::to_string(max_bytes) + " bytes as JSON"));
    return std::nullopt;
  }
  return *text;
}

Json json_column(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  auto v = parse_json_text(s.text(col));
  return v ? *v : Json();
}

Json time_column(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  return format_iso8601(s.int64(col));
}

Status in_row(const Status& st, const std::string& prefix) {
  if (st.is_ok()) return st;
  return Status(st.code(), prefix + ": " + st.message());
}

ParamSpec id_param(std::string name, std::string description) {
  return param::str(std::move(name), 128, std::move(description))
      .with_schema({{"pattern", "^[A-Za-z0-9._:-]{1,128}$"}})
      .checked_by_reader([](Params& p, const char* key) { checked_id(p, key, false); });
}

ParamSpec text_param(std::string name, size_t max_bytes, std::string description) {
  return param::str(std::move(name), max_bytes, std::move(description))
      .checked_by_reader([max_bytes](Params& p, const char* key) { opt_text(p, key, max_bytes); });
}

ParamSpec json_param(std::string name, JsonShape shape, size_t max_bytes, std::string description) {
  Json type;
  switch (shape) {
    case JsonShape::kObject:
      type = Json::array({"object", "string"});
      break;
    case JsonShape::kArray:
    case JsonShape::kStringArray:
      type = Json::array({"array", "string"});
      break;
    case JsonShape::kObjectOrArray:
      type = Json::array({"object", "array", "string"});
      break;
  }
  Json schema{{"type", type}};
  if (shape == JsonShape::kStringArray) schema["items"] = {{"type", "string"}};
  return param::any(std::move(name), schema, description + " (or its JSON text)")
      .checked_by_reader(
          [shape, max_bytes](Params& p, const char* key) { opt_json(p, key, shape, max_bytes); });
}

}  // namespace cairn::memory
