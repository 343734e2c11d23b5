#include "base/json_text.h"

namespace cairn {

namespace {

bool has_binary(const Json& v) {
  if (v.is_binary()) return true;
  if (v.is_structured()) {
    for (const auto& e : v) {
      if (has_binary(e)) return true;
    }
  }
  return false;
}

}  // namespace

Result<std::string> to_json_text(const Json& value, std::string_view field) {
  if (has_binary(value)) {
    return invalid_params(std::string(field) + " holds binary data, which JSON cannot carry");
  }
  try {
    return value.dump();
  } catch (const Json::exception&) {
    return invalid_params(std::string(field) + " holds a string that is not valid UTF-8");
  }
}

Result<Json> parse_json_text(std::string_view text) {
  Json v = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) return internal_error("stored JSON is malformed");
  return v;
}

}  // namespace cairn
