// `cairn mcp`: the MCP server for agents, on stdio (clients/mcp/).
#include <csignal>
#include <cstdio>

#include "clients/cli/cli.h"
#include "clients/cli/spawn.h"
#include "clients/mcp/server.h"

namespace cairn::cli {

void add_mcp_commands(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand(
      "mcp",
      "Run an MCP server on stdin/stdout for AI agents (Claude Code, Codex, ...): "
      "`claude mcp add cairn -- cairn mcp`. Speaks JSON-RPC, one message per line "
      "(protocol 2025-11-25 and 2025-06-18); logs go to stderr; ends when stdin closes. "
      "Tools: remember, recall, get_context, link, related, task, timer, approval, "
      "notify, run and file tools. Resources: cairn://task/{id}, cairn://tasks/ready, "
      "cairn://session/{id}/messages, cairn://knowledge/{id}, cairn://file{+path}. "
      "See docs/guide/mcp.md.");
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
