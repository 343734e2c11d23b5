// Watcher: the loop-thread side of file tracking. Owns the live roots, the
// inotify descriptor (polled with uv_poll_t), the settle timer that coalesces
// events, the overflow back-off, the periodic reconciliation and degraded-root
// scans, and the Crawler that does the work on its own thread.
//
// Events: each inotify event names a path; paths wait in a set until no new
// event arrived for `settle_ms` (at most `max_settle_ms` after the first one,
// so a file written without pause is still looked at), then go to the crawler
// as one check per root. A change of the mount table (/proc/self/mountinfo
// polled for POLLPRI) rescans a root whose directory is now another inode: a
// filesystem mounted on it gives no inotify event. IN_ATTRIB on a root itself
// (a chmod) rescans it. IN_Q_OVERFLOW schedules a rescan of every root, at
// most once per back-off period (doubling while overflows keep coming). A root
// whose rows could not be written (state "stale") is rescanned after a back-off
// of 1 s doubling to 30 s, until a scan's writes commit.
//
// After db.restore, reload() drops every root and tracks the restored file's
// (the crawler follows the new file on its own, see crawler.h).
//
// Created, started, stopped and called on the loop thread only. Crawler
// callbacks reach it through the LoopPoster.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/fd.h"
#include "base/json.h"
#include "base/loop_poster.h"
#include "base/status.h"
#include "base/uv_handle.h"
#include "store/writer.h"
#include "watchers/crawler.h"
#include "watchers/inotify.h"
#include "watchers/root_state.h"

namespace cairn::watchers {

struct WatcherOptions {
  std::string db_path;
  int settle_ms = 20;
  int max_settle_ms = 0;     // 0: max(10 x settle, 200 ms)
  int reconcile_s = 3600;    // full rescan of every root; 0: never
  int degraded_scan_s = 60;  // rescan of degraded and error roots
  size_t max_watches = 0;    // 0: the kernel's limit
  int hash_threads = 0;
  int64_t text_cap = 8 << 20;
  int64_t hash_max = int64_t{1} << 30;  // 0: no cap
};

class Watcher {
 public:
  Watcher(uv_loop_t* loop, LoopPoster& poster, store::Writer& writer, WatcherOptions options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Opens inotify (periodic scans only if that fails), loads the active roots
  // and queues their scans (the stat fast path makes unchanged files free).
  Status start();
  void stop();
  // The database file was replaced (db.restore): retires every live root and
  // loads the active roots of the new file, as start() does.
  void reload();

  // The live root whose path is `path` exactly, or null.
  std::shared_ptr<RootState> root_at(const std::string& path) const;
  // The live root containing `path` (itself or an ancestor), or null.
  std::shared_ptr<RootState> root_for(const std::string& path) const;
  // A root that contains or is contained in `path` (other than `path` itself).
  std::shared_ptr<RootState> overlapping(const std::string& path) const;

  // Starts (or restarts, with new rules) a root and queues its first scan.
  std::shared_ptr<RootState> track(RootSpec spec, const RootState* persisted = nullptr);
  void untrack(const std::shared_ptr<RootState>& root);
  void rescan(const std::shared_ptr<RootState>& root, const std::string& path);

  Json root_json(const std::shared_ptr<RootState>& root) const;
  Json roots_json() const;
  Json status_json() const;
  const WatchCounters& counters() const { return counters_; }

 private:
  static void on_poll(uv_poll_t* p, int status, int events);
  // /proc/self/mountinfo changed: rescan the roots whose directory changed.
  void on_mounts();
  void on_event(const WatchEvent& e);
  void queue_path(const std::shared_ptr<RootState>& root, const std::string& path);
  void arm_settle();
  void on_settle();
  void on_overflow();
  void rescan_all(bool only_unhealthy);
  // A write of rows failed: rescan the stale roots after the back-off.
  void arm_stale();
  void on_stale();
  // Tracks the active roots of the database and queues their scans.
  Status load_roots();

  uv_loop_t* loop_;
  LoopPoster& poster_;
  store::Writer& writer_;
  WatcherOptions options_;
  WatchCounters counters_;
  std::unique_ptr<Inotify> inotify_;
  std::string inotify_error_;
  std::unique_ptr<Crawler> crawler_;
  UvHandle<uv_poll_t> poll_;
  Fd mountinfo_;  // polled for POLLPRI: the mount table changed
  UvHandle<uv_poll_t> mounts_;
  UvHandle<uv_timer_t> settle_;
  UvHandle<uv_timer_t> overflow_;
  UvHandle<uv_timer_t> reconcile_;
  UvHandle<uv_timer_t> degraded_;
  UvHandle<uv_timer_t> stale_;
  int64_t stale_backoff_ms_ = 0;
  bool stopped_ = false;

  std::map<std::string, std::shared_ptr<RootState>> roots_;  // path -> live root
  // Paths waiting for the settle time, with their root.
  std::unordered_map<std::string, std::shared_ptr<RootState>> pending_;
  int64_t first_pending_ms_ = 0;
  int64_t last_event_ms_ = 0;
  int64_t overflow_backoff_ms_ = 0;
  int64_t last_overflow_scan_ms_ = 0;
};

}  // namespace cairn::watchers
