// cairn: the thin command-line client of cairnd. Every subcommand family is
// listed here, one add_*_commands() per cmd_*.cc.
#include <CLI/CLI.hpp>

#include "base/paths.h"
#include "clients/cli/cli.h"

int main(int argc, char** argv) {
  using namespace cairn::cli;
  Cli cli;
  CLI::App app{"cairn: workspace memory from the cairnd daemon.\n"
               "Starts cairnd when none is running (unless --no-spawn)."};
  app.require_subcommand(1);
  cli.socket = cairn::default_socket_path();
  app.add_option("--socket", cli.socket, "daemon socket (default $CAIRN_SOCKET, else "
                                         "$XDG_RUNTIME_DIR/cairn/cairnd.sock)");
  app.add_flag("--json", cli.json, "print JSON for scripts");
  app.add_flag("--no-spawn", cli.no_spawn, "never start the daemon");
  app.add_option("--timeout", cli.timeout_ms, "milliseconds to wait for a reply (default 30000)");

  add_daemon_commands(app, cli);
  add_prefs_commands(app, cli);
  add_approve_commands(app, cli);
  add_inbox_commands(app, cli);
  add_runs_commands(app, cli);
  add_chat_commands(app, cli);
  add_kb_commands(app, cli);
  add_task_commands(app, cli);
  add_list_commands(app, cli);
  add_time_commands(app, cli);
  add_db_commands(app, cli);
  add_files_commands(app, cli);
  add_search_commands(app, cli);
  add_mcp_commands(app, cli);
  add_help_commands(app, cli);  // last: it reads the whole command tree

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  return cli.exit_code;
}
