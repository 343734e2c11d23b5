// Config: everything cairnd can be told, from (lowest to highest precedence)
// built-in defaults, the TOML config file, the environment, and flags.
// validate_config (config_check.h) refuses values that cannot work.
#pragma once

#include <string>

#include "ipc/limits.h"

namespace cairn {

struct Config {
  std::string socket_path;
  std::string data_dir;
  std::string state_dir;
  std::string log_file;  // empty: <state_dir>/cairnd.log
  std::string log_level = "info";
  std::string config_file;
  // As many readers as the 2-core machines cairn is measured on. 4 halved the
  // soak run's read p50, but under a flood of large reads (row 20) they left the
  // loop thread, which answers everyone, a third of the CPU: ping p90 went from
  // about 35 ms to 90-170 ms.
  int reader_threads = 2;
  size_t max_clients = 256;
  int read_deadline_ms = 10000;
  int write_deadline_ms = 10000;  // queued output that does not move: the peer is cut
  int slow_request_ms = 100;
  bool debug_methods = false;     // debug.* methods for tests and diagnosis
  int changelog_retention_days = 90;  // 0 keeps every change
  int retention_interval_s = 3600;
  // Workflow (README, "Agent workflow"). 0 days keeps rows forever.
  int approval_expiry_interval_ms = 1000;     // how often pending approvals are checked; 0: never
  int notifications_retention_days = 30;      // read/archived notifications
  int run_logs_retention_days = 30;           // logs of finished runs
  int expired_approvals_retention_days = 30;  // expired approvals
  int index_interval_s = 300;     // periodic index pass (changes also wake it)
  // Scheduled backups (db.backup on a timer): every N seconds, 0 = never; the
  // newest `backup_keep` default-named backups in backup_dir are kept.
  int backup_interval_s = 0;
  int backup_keep = 7;
  std::string backup_dir;  // empty: <data_dir>/backups
  // db.restore keeps the replaced database as cairn.db.before-restore-<time>;
  // the newest `restore_keep` of those are kept, older ones removed.
  int restore_keep = 3;
  ipc::Limits limits;
  // File watching (watchers/watcher.h).
  int watch_settle_ms = 20;         // quiet time before a changed path is looked at
  int watch_reconcile_s = 3600;     // full rescan of every root; 0: never
  int watch_degraded_scan_s = 60;   // rescan of degraded or error roots
  size_t watch_max_watches = 0;     // 0: the kernel's fs.inotify.max_user_watches
  int hash_threads = 0;             // 0: one per core, at least 2
  int64_t text_cap_bytes = 8 << 20; // larger files are hashed but not chunked
  int64_t hash_max_bytes = int64_t{1} << 30;  // larger files are recorded, not read; 0: no cap

  std::string db_path() const { return data_dir + "/cairn.db"; }
  std::string backups_path() const { return backup_dir.empty() ? data_dir + "/backups" : backup_dir; }
};

}  // namespace cairn
