#include "clients/mcp/tool_schema.h"

#include <algorithm>

namespace cairn::mcp {
namespace {

bool schema_type_matches(const std::string& type, const Json& v) {
  if (type == "string") return v.is_string();
  if (type == "integer") {
    return v.is_number_integer() ||
           (v.is_number_float() &&
            v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
  }
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return true;  // a type this check does not know: the daemon decides
}

std::string type_text(const Json& type) {
  if (type.is_string()) return type.get<std::string>();
  std::string out;
  for (const auto& t : type) out += (out.empty() ? "" : " or ") + t.get<std::string>();
  return out;
}

Status check_value(const std::string& where, const Json& schema, const Json& v) {
  if (!schema.is_object()) return Status::ok();
  if (schema.contains("type")) {
    const Json& type = schema["type"];
    bool ok = false;
    if (type.is_string()) {
      ok = schema_type_matches(type.get<std::string>(), v);
    } else if (type.is_array()) {
      for (const auto& t : type) ok = ok || (t.is_string() && schema_type_matches(t, v));
    } else {
      ok = true;
    }
    if (!ok) return invalid_params(where + " must be " + type_text(type));
  }
  if (schema.contains("enum") && schema["enum"].is_array() && !v.is_null()) {
    const Json& e = schema["enum"];
    if (std::find(e.begin(), e.end(), v) == e.end()) {
      std::string allowed;
      for (const auto& x : e) allowed += (allowed.empty() ? "" : ", ") + x.dump();
      return invalid_params(where + " must be one of " + allowed);
    }
  }
  if (v.is_number()) {
    double d = v.get<double>();
    if (schema.contains("minimum") && d < schema["minimum"].get<double>()) {
      return invalid_params(where + " must be at least " + schema["minimum"].dump());
    }
    if (schema.contains("maximum") && d > schema["maximum"].get<double>()) {
      return invalid_params(where + " must be at most " + schema["maximum"].dump());
    }
  }
  if (v.is_array()) {
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) {
      return invalid_params(where + " has more than " + schema["maxItems"].dump() + " items");
    }
    if (schema.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) {
        CAIRN_RETURN_IF_ERROR(
            check_value(where + "[" + std::to_string(i) + "]", schema["items"], v[i]));
      }
    }
  }
  return Status::ok();
}

}  // namespace

Json derive_input_schema(const Json& method, const std::vector<ToolProp>& props) {
  const Json* params = nullptr;
  if (method.is_object() && method.contains("params") && method["params"].is_object()) {
    params = &method["params"];
  }
  Json properties = Json::object();
  Json required = Json::array();
  for (const auto& p : props) {
    Json schema = p.fallback;
    bool req = p.required;
    if (params && !p.param.empty() && params->contains("properties") &&
        (*params)["properties"].contains(p.param)) {
      schema = (*params)["properties"][p.param];
      const Json& r = params->value("required", Json::array());
      req = std::find(r.begin(), r.end(), Json(p.param)) != r.end() || p.required;
    }
    if (!p.description.empty()) schema["description"] = p.description;
    if (!p.default_value.is_null()) {
      req = false;
      schema["default"] = p.default_value;
    }
    properties[p.name] = std::move(schema);
    if (req) required.push_back(p.name);
  }
  Json out{
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

Status check_arguments(const Json& schema, const Json& args) {
  if (!args.is_object()) return invalid_params("arguments must be an object");
  const Json& props = schema["properties"];
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (!props.contains(it.key())) {
      std::string known;
      for (auto p = props.begin(); p != props.end(); ++p)
        known += (known.empty() ? "" : ", ") + p.key();
      return invalid_params("unknown argument " + it.key() + " (known: " + known + ")");
    }
    CAIRN_RETURN_IF_ERROR(check_value(it.key(), props[it.key()], it.value()));
  }
  for (const auto& name : schema.value("required", Json::array())) {
    if (!args.contains(name.get<std::string>())) {
      return invalid_params("missing required argument " + name.get<std::string>());
    }
  }
  return Status::ok();
}

Json to_method_args(const std::vector<ToolProp>& props, const Json& args) {
  Json out = Json::object();
  for (const auto& p : props) {
    if (p.param.empty()) continue;
    if (args.contains(p.name)) {
      out[p.param] = args[p.name];
    } else if (!p.default_value.is_null()) {
      out[p.param] = p.default_value;
    }
  }
  return out;
}

}  // namespace cairn::mcp
