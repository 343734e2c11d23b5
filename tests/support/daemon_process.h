// DaemonProcess: the real cairnd binary started on a private socket and data
// directory, for integration tests. Prints the daemon's log when the test that
// owns it has failed. One test thread.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "ipc/client.h"

namespace cairn::testing {

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct DaemonOptions {
  std::vector<std::string> args;            // extra flags
  std::map<std::string, std::string> env;   // extra environment
  std::vector<std::string> wrapper;         // e.g. {"setpriv", "--reuid", "65534", ...}
  bool debug_methods = true;
  // Started by `systemd-socket-activate -l SOCKET`: cairnd is exec'd on the first
  // connection and inherits the listening socket (LISTEN_FDS).
  bool socket_activated = false;
  // A listening socket the test holds, handed to cairnd the way systemd does it:
  // as fd 3 with LISTEN_FDS=1 and LISTEN_PID = cairnd's pid. The socket outlives
  // the daemon, so connections made between two daemons wait in its backlog.
  int listen_fd = -1;
};

class DaemonProcess {
 public:
  explicit DaemonProcess(DaemonOptions options = {});
  // Uses an existing home (data dir, socket) so a restart finds the same database.
  DaemonProcess(const DaemonProcess& previous_home, DaemonOptions options);
  ~DaemonProcess();

  // Starts cairnd and waits until daemon.ping answers (up to `timeout_ms`).
  Status start(int timeout_ms = 10000);
  // Starts cairnd and returns its exit code once it exits by itself.
  int run_to_exit(int timeout_ms = 10000);
  void kill9();
  // SIGTERM; returns the exit status (-1 on timeout).
  int terminate(int timeout_ms = 10000);
  void signal(int sig);
  bool running();
  pid_t pid() const { return pid_; }

  ipc::Client client();
  // Shorthand: a fresh connection, one call.
  Result<Json> call(const std::string& method, const Json& args = nullptr);

  const std::string& home() const { return home_; }
  std::string socket_path() const { return home_ + "/run/cairnd.sock"; }
  std::string data_dir() const { return home_ + "/data"; }
  std::string db_path() const { return data_dir() + "/cairn.db"; }
  std::string log_path() const { return home_ + "/cairnd.log"; }
  std::string log() const;

  // The path of a built binary (cairnd, cairn); $CAIRN_CAIRND, when set, for cairnd.
  static std::string binary(const std::string& name);

 private:
  pid_t spawn();
  // Fails the current test if cairnd's stderr holds a sanitizer report.
  void expect_no_sanitizer_report() const;
  // The exit status once the process exits (128 + signal), or -1 after killing
  // it when `timeout_ms` passes first.
  int wait_for_exit(int timeout_ms);

  DaemonOptions options_;
  std::string home_;
  bool owns_home_ = true;
  pid_t pid_ = -1;
};

// Runs a command; returns its exit status and what it printed (stdout+stderr).
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          int timeout_ms = 30000);

// Runs `sql` with the sqlite3 shell against `db`; returns what it printed.
std::string sqlite3(const std::string& db, const std::string& sql);

}  // namespace cairn::testing
