// The MCP tools of `cairn mcp`: each one is a row of the table in
// tool_table.cc (name, description for the model, the cairn method it maps
// onto, its properties, output schema, and the function that runs it).
// ToolBox lists them with input schemas derived from daemon.describe and runs
// calls: arguments are checked first (a bad call is the caller's protocol
// error), then the tool runs against the daemon (a failure there is a result
// with isError carrying cairn's code and message).
//
// Protocol thread only (it uses the DaemonLink).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "clients/mcp/daemon_link.h"
#include "clients/mcp/tool_schema.h"

namespace cairn::mcp {

struct ToolReply {
  Json structured;   // structuredContent: an object matching the output schema
  std::string text;  // the short text result beside it
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  std::string method;  // the cairn method the input schema comes from; empty when composite
  std::vector<ToolProp> props;
  Json output_schema;
  bool read_only = false;
  // Runs a call whose arguments passed the input schema.
  std::function<Result<ToolReply>(DaemonLink& link, const Tool& tool, const Json& args)> run;
};

// Every tool, in the order tools/list shows them (tool_table.cc).
std::vector<Tool> cairn_tools();

class ToolBox {
 public:
  explicit ToolBox(DaemonLink& link) : link_(link), tools_(cairn_tools()) {}

  // tools/list's result: {tools: [...]}.
  Json list();
  // tools/call's result. METHOD_NOT_FOUND for an unknown tool and INVALID_PARAMS
  // for bad arguments (protocol errors, -32602); anything the daemon answers,
  // including its own errors and its absence, is a CallToolResult.
  Result<Json> call(const std::string& name, const Json& args);

 private:
  const Json& input_schema(const Tool& tool);

  DaemonLink& link_;
  std::vector<Tool> tools_;
  Json schemas_ = Json::object();  // by tool name, once describe answered
  Json scratch_;                   // a fallback schema while the daemon is away
};

// A CallToolResult for a failed call: isError, "CODE: message" as text.
Json tool_error_result(const Status& status);

}  // namespace cairn::mcp
