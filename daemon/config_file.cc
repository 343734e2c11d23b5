#include "daemon/config_file.h"

#include <sys/stat.h>

#include <cstdint>

#include <toml++/toml.h>

namespace cairn {

Status apply_config_file(const std::string& path, bool must_exist, Config& c) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (must_exist) return invalid_params("config file " + path + " does not exist");
    return Status::ok();
  }
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return invalid_params(path + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
  }
  for (const auto& [key, node] : t) {
    std::string k(key.str());
    auto bad = [&](const char* want) {
      return invalid_params(path + ": " + k + " must be " + want);
    };
    if (k == "socket" || k == "data_dir" || k == "state_dir" || k == "log_file" ||
        k == "log_level") {
      auto v = node.value<std::string>();
      if (!v) return bad("a string");
      (k == "socket"      ? c.socket_path
       : k == "data_dir"  ? c.data_dir
       : k == "state_dir" ? c.state_dir
       : k == "log_file"  ? c.log_file
                          : c.log_level) = *v;
    } else if (k == "max_clients" || k == "reader_threads" || k == "slow_request_ms" ||
               k == "changelog_retention_days" || k == "read_deadline_ms") {
      auto v = node.value<int64_t>();
      if (!v || *v < 0) return bad("a non-negative integer");
      if (k == "max_clients") c.max_clients = static_cast<size_t>(*v);
      if (k == "reader_threads") c.reader_threads = static_cast<int>(*v);
      if (k == "slow_request_ms") c.slow_request_ms = static_cast<int>(*v);
      if (k == "changelog_retention_days") c.changelog_retention_days = static_cast<int>(*v);
      if (k == "read_deadline_ms") c.read_deadline_ms = static_cast<int>(*v);
    } else if (k == "approval_expiry_interval_ms" || k == "notifications_retention_days" ||
               k == "run_logs_retention_days" || k == "expired_approvals_retention_days" ||
               k == "retention_interval_s") {
      auto v = node.value<int64_t>();
      if (!v || *v < 0 || *v > INT32_MAX) return bad("a non-negative integer");
      int n = static_cast<int>(*v);
      if (k == "approval_expiry_interval_ms") c.approval_expiry_interval_ms = n;
      if (k == "notifications_retention_days") c.notifications_retention_days = n;
      if (k == "run_logs_retention_days") c.run_logs_retention_days = n;
      if (k == "expired_approvals_retention_days") c.expired_approvals_retention_days = n;
      if (k == "retention_interval_s") c.retention_interval_s = n;
    } else {
      return invalid_params(path + ": unknown key " + k);
    }
  }
  return Status::ok();
}

}  // namespace cairn
