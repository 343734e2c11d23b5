#include "base/json_text.h"

#include <set>
#include <utility>
#include <vector>

namespace cairn {

namespace {

// Thrown from the parser callback to stop at the first repeated key.
struct DuplicateKey {
  std::string key;
};

std::string too_deep(std::string_view field) {
  return std::string(field) + " is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
}

}  // namespace

size_t json_depth(const Json& v, size_t limit) {
  size_t deepest = 0;
  std::vector<std::pair<const Json*, size_t>> todo{{&v, 0}};
  while (!todo.empty()) {
    auto [node, above] = todo.back();
    todo.pop_back();
    if (!node->is_structured()) continue;
    size_t depth = above + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return limit + 1;
    for (const auto& child : *node) {
      if (child.is_structured()) todo.emplace_back(&child, depth);
    }
  }
  return deepest;
}

size_t json_text_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (ch == '\\')
        escaped = true;
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return limit + 1;
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<std::string> to_json_text(const Json& value, std::string_view field) {
  if (json_depth(value) > kMaxJsonDepth) return invalid_params(too_deep(field));
  // Bounded by the depth check above, so this walk cannot exhaust the stack.
  std::vector<const Json*> todo{&value};
  while (!todo.empty()) {
    const Json* v = todo.back();
    todo.pop_back();
    if (v->is_binary()) {
      return invalid_params(std::string(field) + " holds binary data, which JSON cannot carry");
    }
    if (v->is_structured()) {
      for (const auto& e : *v) todo.push_back(&e);
    }
  }
  try {
    return value.dump();
  } catch (const Json::exception&) {
    return invalid_params(std::string(field) + " holds a string that is not valid UTF-8");
  }
}

Result<Json> parse_json_text(std::string_view text) {
  if (json_text_depth(text) > kMaxJsonDepth) {
    return internal_error("stored JSON is nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels");
  }
  Json v = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) return internal_error("stored JSON is malformed");
  return v;
}

Result<Json> parse_json_param(std::string_view text, std::string_view field) {
  if (json_text_depth(text) > kMaxJsonDepth) return invalid_params(too_deep(field));
  // One set of keys per open object; the depth check above bounds the stack.
  std::vector<std::set<std::string>> keys;
  Json::parser_callback_t check = [&keys](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
          throw DuplicateKey{parsed.get<std::string>()};
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json v;
  try {
    v = Json::parse(text, check, /*allow_exceptions=*/false);
  } catch (const DuplicateKey& d) {
    return invalid_params(std::string(field) + " repeats the key \"" + d.key + "\"");
  }
  if (v.is_discarded()) return invalid_params(std::string(field) + " is not valid JSON");
  return v;
}

}  // namespace cairn
