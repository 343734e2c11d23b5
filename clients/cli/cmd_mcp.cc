// `cairn mcp`: the MCP server for agents, on stdio (clients/mcp/).
#include <csignal>
#include <cstdio>

#include "clients/cli/cli.h"
#include "clients/cli/spawn.h"
#include "clients/mcp/server.h"

namespace cairn::cli {

void add_mcp_commands(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("mcp",
                                 "run an MCP server on stdio for AI agents: "
                                 "claude mcp add cairn -- cairn mcp");
  cmd->footer(
      "Speaks JSON-RPC 2.0 on stdin/stdout, one message per line (MCP protocol 2025-11-25 "
      "and 2025-06-18); stdout carries only protocol, nothing is logged there; ends with "
      "status 0 when stdin closes. A client of cairnd like every cairn command: global "
      "options go before `mcp` (cairn --socket PATH --no-spawn mcp).\n"
      "Tools: remember, recall, get_context, link, related, list_ready_tasks, create_task, "
      "update_task, complete_task, add_task_dependency, start_timer, stop_timer, "
      "request_approval, check_approval, notify, run_start, run_log, run_finish, "
      "file_feedback, track, file_status.\n"
      "Resources: cairn://tasks/ready, cairn://task/{id}, cairn://session/{id}/messages, "
      "cairn://message/{id}, cairn://knowledge/{id}, cairn://file{+path}{?start,end}; "
      "resources/subscribe follows cairn's change feed.\n"
      "Codex (~/.codex/config.toml): [mcp_servers.cairn] command = \"cairn\" args = [\"mcp\"]. "
      "Details: docs/guide/mcp.md.");
  cmd->callback([&cli] {
    std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-reply is stdin's EOF next
    mcp::LinkOptions link;
    link.socket = cli.socket;
    link.timeout_ms = cli.timeout_ms;
    if (!cli.no_spawn) {
      std::string socket = cli.socket;
      link.start_daemon = [socket] { return spawn_daemon(socket, 5000); };
    }
    mcp::StdioChannel channel(stdin, stdout);
    mcp::Server server(std::move(link), channel);
    cli.exit_code = server.run();
  });
}

}  // namespace cairn::cli
