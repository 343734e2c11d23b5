#include "daemon/config_check.h"

#include <cstdint>
#include <string>

namespace cairn {

namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kMaxDays = 36500;

Status in_range(const char* name, int64_t v, int64_t lo, int64_t hi, const char* why = "") {
  if (v >= lo && v <= hi) return Status::ok();
  std::string msg = std::string("setting ") + name + " = " + std::to_string(v) +
                    " cannot work: it must be between " + std::to_string(lo) + " and " +
                    std::to_string(hi);
  if (*why) msg += std::string(" (") + why + ")";
  return invalid_params(msg);
}

// 0 (off) or within [lo, hi].
Status off_or_range(const char* name, int64_t v, int64_t lo, int64_t hi) {
  if (v == 0) return Status::ok();
  return in_range(name, v, lo, hi, "or 0 for off");
}

Status absolute(const char* name, const std::string& v, bool may_be_empty = false) {
  if (v.empty() && may_be_empty) return Status::ok();
  if (v.empty())
    return invalid_params(std::string("setting ") + name + " is empty; give an absolute path");
  if (v[0] != '/') {
    return invalid_params(std::string("setting ") + name + " = \"" + v +
                          "\" is relative; give an absolute path (cairnd's working directory "
                          "is not fixed)");
  }
  return Status::ok();
}

}  // namespace

Status validate_config(const Config& c) {
  CAIRN_RETURN_IF_ERROR(absolute("data_dir", c.data_dir));
  CAIRN_RETURN_IF_ERROR(absolute("socket", c.socket_path));
  CAIRN_RETURN_IF_ERROR(absolute("state_dir", c.state_dir));
  CAIRN_RETURN_IF_ERROR(absolute("log_file", c.log_file));
  CAIRN_RETURN_IF_ERROR(absolute("backup_dir", c.backup_dir, true));
  CAIRN_RETURN_IF_ERROR(
      in_range("reader_threads", c.reader_threads, 1, 64, "with none every read waits forever"));
  CAIRN_RETURN_IF_ERROR(in_range("max_clients", static_cast<int64_t>(c.max_clients), 1, 100000,
                                 "with 0 every connection is refused"));
  CAIRN_RETURN_IF_ERROR(in_range("read_deadline_ms", c.read_deadline_ms, 100, kHourMs));
  CAIRN_RETURN_IF_ERROR(in_range("write_deadline_ms", c.write_deadline_ms, 100, kHourMs));
  CAIRN_RETURN_IF_ERROR(in_range("slow_request_ms", c.slow_request_ms, 1, kHourMs));
  CAIRN_RETURN_IF_ERROR(
      in_range("changelog_retention_days", c.changelog_retention_days, 0, kMaxDays));
  CAIRN_RETURN_IF_ERROR(in_range("retention_interval_s", c.retention_interval_s, 1, 7 * kDay));
  CAIRN_RETURN_IF_ERROR(
      off_or_range("approval_expiry_interval_ms", c.approval_expiry_interval_ms, 10, kHourMs));
  CAIRN_RETURN_IF_ERROR(
      in_range("notifications_retention_days", c.notifications_retention_days, 0, kMaxDays));
  CAIRN_RETURN_IF_ERROR(
      in_range("run_logs_retention_days", c.run_logs_retention_days, 0, kMaxDays));
  CAIRN_RETURN_IF_ERROR(in_range("expired_approvals_retention_days",
                                 c.expired_approvals_retention_days, 0, kMaxDays));
  CAIRN_RETURN_IF_ERROR(in_range("index_interval_s", c.index_interval_s, 1, kDay));
  CAIRN_RETURN_IF_ERROR(off_or_range("backup_interval_s", c.backup_interval_s, 1, 365 * kDay));
  CAIRN_RETURN_IF_ERROR(
      in_range("backup_keep", c.backup_keep, 1, 100000, "0 would delete every scheduled backup"));
  CAIRN_RETURN_IF_ERROR(in_range("restore_keep", c.restore_keep, 1, 1000,
                                 "the database kept aside by the last restore is always kept"));
  CAIRN_RETURN_IF_ERROR(in_range("watch_settle_ms", c.watch_settle_ms, 0, 60000));
  CAIRN_RETURN_IF_ERROR(off_or_range("watch_reconcile_s", c.watch_reconcile_s, 1, 30 * kDay));
  CAIRN_RETURN_IF_ERROR(off_or_range("watch_degraded_scan_s", c.watch_degraded_scan_s, 1, kDay));
  CAIRN_RETURN_IF_ERROR(
      in_range("watch_max_watches", static_cast<int64_t>(c.watch_max_watches), 0, 100000000));
  CAIRN_RETURN_IF_ERROR(in_range("hash_threads", c.hash_threads, 0, 64, "0: one per core"));
  CAIRN_RETURN_IF_ERROR(in_range("text_cap_bytes", c.text_cap_bytes, 1, int64_t{1} << 30));
  CAIRN_RETURN_IF_ERROR(
      in_range("hash_max_bytes", c.hash_max_bytes, 0, int64_t{1} << 50, "0: no cap"));
  return Status::ok();
}

}  // namespace cairn
