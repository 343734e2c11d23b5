// Cli: what every `cairn` subcommand shares: global options, the connection to
// the daemon (started on demand, as watchman's CLI does), and output in tables
// or JSON. Subcommands live one family per file (cmd_*.cc) and are listed in
// main.cc.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "ipc/client.h"

namespace cairn::cli {

// Exit codes scripts can rely on.
enum Exit : int {
  kExitOk = 0,
  kExitError = 1,     // the daemon answered with an error
  kExitUsage = 2,     // bad command line
  kExitNoDaemon = 3,  // no daemon, and none could be started
};

class Cli {
 public:
  std::string socket;
  bool json = false;
  bool no_spawn = false;
  int timeout_ms = 30000;

  // Connects, starting cairnd when nothing listens (unless --no-spawn).
  Result<ipc::Client*> client();
  // Calls a method; on error prints "cairn: CODE: message" and sets the exit code.
  std::optional<Json> call(const std::string& method, const Json& args = nullptr);
  // Prints `value` as JSON (with --json) or through `human`.
  void print(const Json& value, const std::function<void(const Json&)>& human);

  int exit_code = kExitOk;

 private:
  std::optional<ipc::Client> client_;
};

// Table output: columns padded to their widest cell, header underlined on a TTY.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
bool stdout_is_tty();
// 1536 -> "1.5 KiB".
std::string human_bytes(int64_t bytes);
// Stored text for a person to read (terminal_text.h): "" for null, the text of
// a string or a path's bytes with control characters escaped, JSON for
// anything else. cell() is one line; block() keeps newlines and tabs.
std::string cell(const Json& v);
std::string block(const Json& v);
// The exact text of a string or bin value, for passing back to the daemon.
std::string raw_text(const Json& v);
// Parses a JSON argument given on the command line (strings need JSON quotes).
Result<Json> parse_json_arg(const std::string& text, const std::string& what);

// Registration of each subcommand family (one per cmd_*.cc).
void add_daemon_commands(CLI::App& app, Cli& cli);
void add_prefs_commands(CLI::App& app, Cli& cli);
void add_approve_commands(CLI::App& app, Cli& cli);
void add_inbox_commands(CLI::App& app, Cli& cli);
void add_runs_commands(CLI::App& app, Cli& cli);
void add_chat_commands(CLI::App& app, Cli& cli);
void add_kb_commands(CLI::App& app, Cli& cli);
void add_task_commands(CLI::App& app, Cli& cli);
void add_list_commands(CLI::App& app, Cli& cli);
void add_time_commands(CLI::App& app, Cli& cli);
void add_search_commands(CLI::App& app, Cli& cli);
void add_db_commands(CLI::App& app, Cli& cli);
void add_files_commands(CLI::App& app, Cli& cli);
void add_mcp_commands(CLI::App& app, Cli& cli);
void add_help_commands(CLI::App& app, Cli& cli);

}  // namespace cairn::cli
