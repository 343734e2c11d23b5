#include "daemon/config_file.h"


#include <cstdint>
#include <map>
#include <type_traits>
#include <variant>

#include <toml++/toml.h>

#include "base/regular_file.h"

namespace cairn {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

// Every key the config file may hold, with where its value goes. A new setting
// is one line here and one field in Config.
using Member = std::variant<std::string Config::*, int Config::*, size_t Config::*,
                            int64_t Config::*>;
const std::map<std::string, Member>& config_keys() {
  static const std::map<std::string, Member>& keys = *new std::map<std::string, Member>{
      {"socket", &Config::socket_path},
      {"data_dir", &Config::data_dir},
      {"state_dir", &Config::state_dir},
      {"log_file", &Config::log_file},
      {"log_level", &Config::log_level},
      {"backup_dir", &Config::backup_dir},
      {"max_clients", &Config::max_clients},
      {"reader_threads", &Config::reader_threads},
      {"slow_request_ms", &Config::slow_request_ms},
      {"read_deadline_ms", &Config::read_deadline_ms},
      {"write_deadline_ms", &Config::write_deadline_ms},
      {"changelog_retention_days", &Config::changelog_retention_days},
      {"retention_interval_s", &Config::retention_interval_s},
      {"approval_expiry_interval_ms", &Config::approval_expiry_interval_ms},
      {"notifications_retention_days", &Config::notifications_retention_days},
      {"run_logs_retention_days", &Config::run_logs_retention_days},
      {"expired_approvals_retention_days", &Config::expired_approvals_retention_days},
      {"index_interval_s", &Config::index_interval_s},
      {"backup_interval_s", &Config::backup_interval_s},
      {"backup_keep", &Config::backup_keep},
      {"restore_keep", &Config::restore_keep},
      {"watch_settle_ms", &Config::watch_settle_ms},
      {"watch_reconcile_s", &Config::watch_reconcile_s},
      {"watch_degraded_scan_s", &Config::watch_degraded_scan_s},
      {"watch_max_watches", &Config::watch_max_watches},
      {"hash_threads", &Config::hash_threads},
      {"text_cap_bytes", &Config::text_cap_bytes},
      {"hash_max_bytes", &Config::hash_max_bytes},
  };
  return keys;
}

}  // namespace

Status apply_config_file(const std::string& path, bool must_exist, Config& c) {
  // Opened without blocking (a FIFO would wait for a writer forever) and read
  // only if it is a regular file: a directory or a device is refused, never
  // skipped.
  auto text = read_regular_file(path, "config file", kMaxConfigBytes);
  if (!text) {
    if (text.status().code() == Code::kNotFound && !must_exist) return Status::ok();
    if (text.status().code() == Code::kNotFound) {
      return invalid_params("config file " + path + " does not exist");
    }
    return text.status();
  }
  toml::table t;
  try {
    t = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return invalid_params(path + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
  }
  for (const auto& [key, node] : t) {
    std::string k(key.str());
    auto it = config_keys().find(k);
    if (it == config_keys().end()) return invalid_params(path + ": unknown key " + k);
    if (auto* text = std::get_if<std::string Config::*>(&it->second)) {
      auto v = node.value<std::string>();
      if (!v) return invalid_params(path + ": " + k + " must be a string");
      c.*(*text) = *v;
      continue;
    }
    auto v = node.value<int64_t>();
    if (!v || *v < 0 || *v > INT32_MAX) {
      return invalid_params(path + ": " + k + " must be a non-negative integer below 2^31");
    }
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(c.*member)>;
          if constexpr (!std::is_same_v<T, std::string>) c.*member = static_cast<T>(*v);
        },
        it->second);
  }
  return Status::ok();
}

}  // namespace cairn
