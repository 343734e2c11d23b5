// cairnd: parses flags into a Config and runs the Daemon, or `cairnd migrate`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "base/paths.h"
#include "daemon/config.h"
#include "daemon/config_check.h"
#include "daemon/config_file.h"
#include "daemon/daemon.h"
#include "daemon/instance_lock.h"
#include "daemon/logging.h"
#include "store/migration.h"
#include "store/store.h"

namespace {

int migrate(const cairn::Config& config, bool status_only, int target) {
  using namespace cairn;
  auto lock = lock_data_dir(config.data_dir);
  if (!lock) {
    std::cerr << "cairnd migrate: " << lock.status().message()
              << "; stop it first (cairn stop)\n";
    return 3;
  }
  if (Status st = store::check_database_file(config.db_path()); !st.is_ok()) {
    std::cerr << "cairnd migrate: " << st.message() << "\n";
    return 1;
  }
  if (status_only && ::access(config.db_path().c_str(), F_OK) != 0) {
    // Looking must not create: an empty file here would later pass for a
    // database of another application.
    std::cout << "database: " << config.db_path() << " (not created yet)\n";
    for (const auto& m : store::embedded_migrations()) {
      std::printf("  %04d_%s  pending\n", m.version, m.name);
    }
    return 0;
  }
  auto db = store::Db::open(config.db_path(), store::OpenMode::kReadWrite);
  if (!db) {
    std::cerr << "cairnd migrate: " << db.status().message() << "\n";
    return 1;
  }
  auto current = store::current_version(**db);
  if (!current) {
    std::cerr << "cairnd migrate: " << current.status().message() << "\n";
    return 1;
  }
  if (status_only) {
    std::cout << "database: " << config.db_path() << "\n"
              << "schema version: " << *current << "\n";
    for (const auto& m : store::embedded_migrations()) {
      std::printf("  %04d_%s  %s\n", m.version, m.name,
                  m.version <= *current ? "applied" : "pending");
    }
    if (*current > store::latest_version()) {
      std::cout << "  (the database is newer than this cairnd)\n";
    }
    return 0;
  }
  if (Status st = store::migrate_to(**db, target); !st.is_ok()) {
    std::cerr << "cairnd migrate: " << st.message() << "\n";
    return 1;
  }
  std::cout << "schema version " << *current << " -> " << target << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn;
  // Everything cairnd creates (database, WAL, backups, exports, logs, their
  // directories) is its user's alone: files 0600, directories 0700.
  ::umask(077);
  Config config;
  CLI::App app{
      "cairnd: the cairn daemon. Owns one SQLite database of workspace memory and serves it\n"
      "over msgpack-RPC on a Unix socket. Runs in the foreground; stop it with SIGTERM,\n"
      "Ctrl-C or `cairn stop`."};
  // A later flag overrides an earlier one (wrappers append to a base command).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string socket, data_dir, state_dir, log_file, log_level, config_file;
  int64_t max_clients = -1, readers = -1;
  bool debug_methods = false;
  app.add_option("--socket", socket, "socket path (default $XDG_RUNTIME_DIR/cairn/cairnd.sock)")
      ->envname("CAIRN_SOCKET");
  app.add_option("--data-dir", data_dir, "database directory (default $XDG_DATA_HOME/cairn)")
      ->envname("CAIRN_DATA_DIR");
  app.add_option("--state-dir", state_dir, "log directory (default $XDG_STATE_HOME/cairn)");
  app.add_option("--log-file", log_file, "log file (default <state-dir>/cairnd.log)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off")
      ->envname("CAIRN_LOG_LEVEL");
  app.add_option("--config", config_file, "TOML config file (default "
                                          "$XDG_CONFIG_HOME/cairn/cairnd.toml)");
  app.add_option("--max-clients", max_clients, "connections served at once (default 256)");
  app.add_option("--readers", readers, "reader threads (default 2)");
  app.add_flag("--debug-methods", debug_methods, "enable debug.* methods (tests, diagnosis)");
  auto* mig = app.add_subcommand("migrate", "show or change the database schema version "
                                            "(the daemon must be stopped)");
  bool mig_status = false;
  int mig_to = -1;
  mig->fallthrough();  // `cairnd migrate --to 3 --data-dir D` reads naturally
  mig->add_flag("--status", mig_status, "list migrations and which are applied");
  mig->add_option("--to", mig_to, "apply or revert migrations until this version");
  CLI11_PARSE(app, argc, argv);

  config.socket_path = default_socket_path();
  config.data_dir = default_data_dir();
  config.state_dir = default_state_dir();
  config.config_file = config_file.empty() ? default_config_file() : config_file;
  if (Status st = apply_config_file(config.config_file, !config_file.empty(), config);
      !st.is_ok()) {
    std::cerr << "cairnd: " << st.message() << "\n";
    return 2;
  }
  if (!socket.empty()) config.socket_path = socket;
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!state_dir.empty()) config.state_dir = state_dir;
  if (!log_file.empty()) config.log_file = log_file;
  if (!log_level.empty()) config.log_level = log_level;
  if (max_clients >= 0) config.max_clients = static_cast<size_t>(std::min<int64_t>(max_clients, 1 << 30));
  if (readers >= 0) config.reader_threads = static_cast<int>(std::min<int64_t>(readers, 1 << 20));
  config.debug_methods = debug_methods;
  if (config.log_file.empty() && !config.state_dir.empty()) {
    config.log_file = config.state_dir + "/cairnd.log";
  }
  if (Status st = validate_config(config); !st.is_ok()) {
    std::cerr << "cairnd: " << st.message() << "\n";
    return 2;
  }

  if (*mig) {
    if (!mig_status && mig_to < 0) {
      std::cerr << "cairnd migrate: give --status or --to N\n";
      return 2;
    }
    return migrate(config, mig_status, mig_to);
  }
  if (Status st = init_logging(config.log_level, config.log_file); !st.is_ok()) {
    std::cerr << "cairnd: " << st.message() << "\n";
    return 2;
  }
  Daemon daemon(config);
  return daemon.run();
}
