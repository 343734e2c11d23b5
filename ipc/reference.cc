#include "ipc/reference.h"

#include <algorithm>
#include <sstream>

namespace cairn::ipc {

namespace {

std::string number(const Json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)))
      return std::to_string(static_cast<int64_t>(d));
    std::ostringstream out;
    out << d;
    return out.str();
  }
  return v.dump();
}

std::string type_of(const Json& s) {
  if (s.contains("enum")) {
    std::string out;
    for (const auto& v : s["enum"]) {
      if (!out.empty()) out += ", ";
      out += v.is_string() ? "`" + v.get<std::string>() + "`" : v.dump();
    }
    if (s.value("type", Json()) == "array" || s.contains("anyOf")) return "see description";
    return "one of " + out;
  }
  if (!s.contains("type")) return "any";
  const Json& t = s["type"];
  std::string out;
  for (const auto& one : t.is_array() ? t : Json::array({t})) {
    if (!out.empty()) out += " or ";
    std::string name = one.get<std::string>();
    if (name == "array" && s.contains("items") && s["items"].contains("type") &&
        s["items"]["type"].is_string()) {
      name += " of " + s["items"]["type"].get<std::string>();
    }
    out += name;
  }
  return out;
}

std::string limits_of(const Json& s) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  if (s.contains("minimum") && s.contains("maximum")) {
    add(number(s["minimum"]) + " to " + number(s["maximum"]));
  }
  if (s.contains("minLength")) add("at least " + number(s["minLength"]) + " chars");
  if (s.contains("maxLength")) add("at most " + number(s["maxLength"]) + " bytes");
  if (s.contains("maxItems")) add("at most " + number(s["maxItems"]) + " items");
  if (s.contains("pattern")) add("`" + s["pattern"].get<std::string>() + "`");
  return out;
}

std::string cell(std::string text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string method_reference_markdown(const Json& d) {
  std::ostringstream out;
  out << kReferenceBegin << "\n\n";
  out << "Protocol " << d["protocol"].dump() << ". Each method takes one map; its keys are "
      << "listed below (`daemon.describe` returns the same as JSON Schema). Kinds: `read` runs "
         "on a reader or the event loop, `write` on the writer (replied after commit), `async` "
         "replies later.\n\n";
  out << "#### Error codes\n\n| code | kind | meaning |\n| --- | --- | --- |\n";
  for (const auto& e : d["errors"]) {
    out << "| `" << e["code"].get<std::string>() << "` | " << e["kind"].dump() << " | "
        << cell(e["description"].get<std::string>()) << " |\n";
  }
  out << "\n#### Event topics\n\n";
  std::string topics;
  for (const auto& t : d["topics"])
    topics += (topics.empty() ? "`" : ", `") + t.get<std::string>() + "`";
  out << topics << "\n";
  for (const auto& m : d["methods"]) {
    out << "\n#### `" << m["name"].get<std::string>() << "`\n\n";
    out << m["kind"].get<std::string>();
    if (!m["topics"].empty()) {
      std::string ts;
      for (const auto& t : m["topics"]) ts += (ts.empty() ? "" : ", ") + t.get<std::string>();
      out << "; events on " << ts;
    }
    out << ". " << m["description"].get<std::string>() << "\n";
    const Json& props = m["params"]["properties"];
    if (props.empty()) {
      out << "\nNo parameters.\n";
      continue;
    }
    Json required = m["params"].value("required", Json::array());
    out << "\n| key | type | required | limits | description |\n| --- | --- | --- | --- | --- |\n";
    for (const auto& [key, s] : props.items()) {
      bool req = std::find(required.begin(), required.end(), key) != required.end();
      out << "| `" << key << "` | " << cell(type_of(s)) << " | " << (req ? "yes" : "") << " | "
          << cell(limits_of(s)) << " | " << cell(s.value("description", "")) << " |\n";
    }
  }
  out << "\n" << kReferenceEnd << "\n";
  return out.str();
}

}  // namespace cairn::ipc
