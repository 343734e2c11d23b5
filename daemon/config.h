// Config: everything cairnd can be told, from (lowest to highest precedence)
// built-in defaults, the TOML config file, the environment, and flags.
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
  int reader_threads = 2;
  size_t max_clients = 256;
  int read_deadline_ms = 10000;
  int slow_request_ms = 100;
  bool debug_methods = false;     // debug.* methods for tests and diagnosis
  int changelog_retention_days = 90;  // 0 keeps every change
  int retention_interval_s = 3600;
  // Workflow (docs/workflow.md). 0 days keeps rows forever.
  int approval_expiry_interval_ms = 1000;     // how often pending approvals are checked; 0: never
  int notifications_retention_days = 30;      // read/archived notifications
  int run_logs_retention_days = 30;           // logs of finished runs
  int expired_approvals_retention_days = 30;  // expired approvals
  ipc::Limits limits;

  std::string db_path() const { return data_dir + "/cairn.db"; }
};

}  // namespace cairn
