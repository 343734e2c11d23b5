// The tools of `cairn mcp` that are more than one method call (recall's
// locations, get_context, remember with links, approvals that wait, runs),
// and the helpers every tool's runner shares. Used by the table in
// tool_table.cc; protocol thread only (they use the DaemonLink).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "clients/mcp/daemon_link.h"
#include "clients/mcp/tools.h"

namespace cairn::mcp {

// Calls `method`; paths that are not UTF-8 (bin) become text, and a reply
// that is not an object is wrapped as {result}.
Result<Json> call_object(DaemonLink& link, const std::string& method, const Json& args,
                         int timeout_ms = -1);
// One line of at most `max` bytes: a string as is, anything else as JSON.
std::string short_text(const Json& v, size_t max = 120);
// "#12 [todo] title".
std::string task_line(const Json& t);
// One task_line per task, or `empty`.
std::string task_list_text(const Json& tasks, const std::string& empty);
// "run ID is STATUS".
std::string run_text(const Json& run, const Json& args);

Result<ToolReply> run_recall(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_get_context(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_remember(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_request_approval(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_check_approval(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_run_start(DaemonLink& link, const Tool& tool, const Json& args);
Result<ToolReply> run_run_log(DaemonLink& link, const Tool& tool, const Json& args);

}  // namespace cairn::mcp
