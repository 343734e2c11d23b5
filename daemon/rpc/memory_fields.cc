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

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned char c = b[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (b[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::optional<std::string> opt_text(Params& p, const char* key, size_t max_bytes) {
  auto v = p.opt_str(key, max_bytes);
  if (v && !valid_utf8(*v)) {
    p.fail(invalid_params(std::string(key) + " is not valid UTF-8"));
    return std::nullopt;
  }
  return v;
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
    value = Json::parse(raw->get_ref<const std::string&>(), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      p.fail(invalid_params(std::string(key) + " is not valid JSON"));
      return std::nullopt;
    }
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
      for (const auto& e : value) ok = ok && e.is_string();
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
