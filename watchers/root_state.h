// RootState: one tracked root as every thread sees it. The spec is fixed when
// the root is (re)tracked (new rules make a new RootState); the counters are
// atomics; the state words are guarded by mu. Shared (shared_ptr) by the loop
// thread (RPC, events), the crawler thread and the writer's completions.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "watchers/file_rows.h"

namespace cairn::watchers {

struct RootSpec {
  int64_t id = 0;
  std::string path;  // absolute, no trailing "/"
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool gitignore = true;
};

// The start of last_error for a root whose rows could not be written.
inline constexpr std::string_view kWriteFailedPrefix = "writing file rows failed: ";

struct RootState {
  explicit RootState(RootSpec s) : spec(std::move(s)) {}

  const RootSpec spec;
  // The writer generation (store/writer.h) of the database the spec was read
  // from; set by the Watcher before the root is shared. Work queued for a root
  // of an older generation is dropped: its id means nothing after a restore.
  int64_t generation = 0;
  RootTotals totals;
  std::atomic<bool> retired{false};      // untracked: stop working on it
  std::atomic<int64_t> scans_queued{0};  // > 0: state "scanning"
  // Progress of the running scan (reset when one starts).
  std::atomic<int64_t> seen{0};
  std::atomic<int64_t> to_hash{0};
  std::atomic<int64_t> hashed{0};
  std::atomic<int64_t> bytes_to_hash{0};
  std::atomic<int64_t> bytes_hashed{0};
  std::atomic<bool> walked{false};
  std::atomic<int64_t> watches{0};  // directories this root watches
  // Writes of this root's rows that failed since its rows last matched the
  // disk (> 0: state "stale"; reset when a full scan's writes all commit).
  std::atomic<int64_t> write_failures{0};
  // The root directory's identity when it was last walked (0: not yet), so a
  // mount or unmount on it is noticed when the mount table changes.
  std::atomic<uint64_t> dev{0};
  std::atomic<uint64_t> ino{0};

  mutable std::mutex mu;
  bool missing = false;         // guarded by mu: the root path is gone or unreadable
  bool degraded = false;        // guarded by mu: out of inotify watches
  bool scanned_once = false;    // guarded by mu
  std::string last_error;       // guarded by mu
  int64_t error_count = 0;      // guarded by mu
  int64_t last_scan_at_ms = 0;  // guarded by mu
  int64_t last_scan_ms = 0;     // guarded by mu

  // error, stale, scanning, degraded or watching (the first that applies).
  std::string state() const {
    std::lock_guard lock(mu);
    if (missing) return "error";
    if (write_failures.load() > 0) return "stale";
    if (scans_queued.load() > 0) return "scanning";
    if (degraded) return "degraded";
    return "watching";
  }

  void set_error(const std::string& e) {
    std::lock_guard lock(mu);
    if (e != last_error) ++error_count;
    last_error = e;
  }

  Json to_json() const;
};

}  // namespace cairn::watchers
