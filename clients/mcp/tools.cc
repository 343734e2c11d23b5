#include "clients/mcp/tools.h"

namespace cairn::mcp {

Json tool_error_result(const Status& status) {
  std::string code(code_name(status.code()));
  return Json{
      {"content", Json::array({Json{{"type", "text"}, {"text", status.to_string()}}})},
      {"isError", true},
      {"_meta", Json{{"cairn/error", Json{{"code", code}, {"message", status.message()}}}}}};
}

const Json& ToolBox::input_schema(const Tool& tool) {
  if (schemas_.contains(tool.name)) return schemas_[tool.name];
  Json method = tool.method.empty() ? Json() : link_.method_schema(tool.method);
  Json schema = derive_input_schema(method, tool.props);
  // Kept once the daemon has said what it describes (or the tool needs no
  // description); until then the fallback is built again on each use.
  if (tool.method.empty() || link_.described()) return schemas_[tool.name] = std::move(schema);
  scratch_ = std::move(schema);
  return scratch_;
}

Json ToolBox::list() {
  Json tools = Json::array();
  for (const auto& t : tools_) {
    Json entry{{"name", t.name},
               {"title", t.title},
               {"description", t.description},
               {"inputSchema", input_schema(t)},
               {"annotations", Json{{"title", t.title}, {"readOnlyHint", t.read_only}}}};
    if (!t.output_schema.is_null()) entry["outputSchema"] = t.output_schema;
    tools.push_back(std::move(entry));
  }
  return Json{{"tools", std::move(tools)}};
}

Result<Json> ToolBox::call(const std::string& name, const Json& args) {
  const Tool* tool = nullptr;
  for (const auto& t : tools_) {
    if (t.name == name) tool = &t;
  }
  if (!tool) return Status(Code::kMethodNotFound, "unknown tool: " + name);
  Json a = args.is_null() ? Json::object() : args;
  CAIRN_RETURN_IF_ERROR(check_arguments(input_schema(*tool), a));
  auto reply = tool->run(link_, *tool, a);
  if (!reply) return tool_error_result(reply.status());
  Json out{{"content", Json::array({Json{{"type", "text"}, {"text", reply->text}}})}};
  if (!tool->output_schema.is_null()) out["structuredContent"] = std::move(reply->structured);
  return out;
}

}  // namespace cairn::mcp
