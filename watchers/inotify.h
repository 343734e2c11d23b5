// Inotify: the daemon's own inotify descriptor and its table of watches, one
// per directory (FACTS.md: libuv's uv_fs_event is not recursive and drops the
// queue-overflow event, so cairn owns the descriptor and polls it with
// uv_poll_t on the loop).
//
// The mask leaves out IN_ACCESS, IN_OPEN and IN_CLOSE_NOWRITE: the daemon's own
// reads while hashing would otherwise wake it up.
//
// add_dir()/remove_under()/dir_of()/forget() may be called from any thread
// (the worker adds watches as it crawls; the loop reads events): the table is
// guarded by mu_. read_events() is for the loop thread.
#pragma once

#include <sys/inotify.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/fd.h"
#include "base/status.h"

namespace cairn::watchers {

inline constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                       IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |
                                       IN_MOVE_SELF | IN_EXCL_UNLINK | IN_ONLYDIR;

struct WatchEvent {
  int wd = -1;
  uint32_t mask = 0;
  uint32_t cookie = 0;
  std::string dir;   // the watched directory's path ("" for IN_Q_OVERFLOW)
  std::string name;  // entry name inside it, "" for events on the directory
};

class Inotify {
 public:
  static Result<std::unique_ptr<Inotify>> open();

  int fd() const { return fd_.get(); }

  // Watches `dir` (same inode again: the same wd, now under this path). With
  // `fd` (the directory, open) the watch is added through /proc/self/fd, so a
  // path longer than PATH_MAX is watched too and a name swapped since the
  // directory was opened is not. ENOSPC (out of watches) becomes
  // Code::kTooLarge "inotify watch limit ...".
  Status add_dir(const std::string& dir, int fd = -1);
  // Removes the watches of `dir` and of every directory below it.
  void remove_under(const std::string& dir);
  // The kernel dropped this watch (IN_IGNORED).
  void forget(int wd);
  size_t watch_count() const;
  // A lower ceiling than the kernel's (0: none), so the out-of-watches path
  // can be exercised without changing fs.inotify.max_user_watches.
  void set_max_watches(size_t n) { max_watches_ = n; }
  // Watches on `dir` and below it.
  size_t count_under(const std::string& dir) const;

  // Reads what is queued (non-blocking) and calls `fn` for each event, with
  // the watched directory's path filled in. Loop thread.
  void read_events(const std::function<void(const WatchEvent&)>& fn);

 private:
  explicit Inotify(Fd fd) : fd_(std::move(fd)) {}

  Fd fd_;
  size_t max_watches_ = 0;
  mutable std::mutex mu_;
  std::unordered_map<int, std::string> dirs_;  // wd -> path; guarded by mu_
  std::unordered_map<std::string, int> wds_;   // path -> wd; guarded by mu_
};

}  // namespace cairn::watchers
