#include "watchers/inotify.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cairn::watchers {

Result<std::unique_ptr<Inotify>> Inotify::open() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return internal_error(std::string("inotify_init1: ") + std::strerror(errno));
  return std::unique_ptr<Inotify>(new Inotify(Fd(fd)));
}

Status Inotify::add_dir(const std::string& dir, int fd) {
  bool at_limit = false;
  if (max_watches_ > 0) {
    std::lock_guard lock(mu_);
    at_limit = dirs_.size() >= max_watches_ && wds_.count(dir) == 0;
  }
  int wd = -1;
  if (!at_limit && fd >= 0) {
    std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
    wd = ::inotify_add_watch(fd_.get(), by_fd.c_str(), kWatchMask);
    if (wd < 0 && errno == ENOENT) fd = -1;  // no /proc: by its path
  }
  if (!at_limit && fd < 0) wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kWatchMask);
  if (wd < 0) {
    int err = at_limit ? ENOSPC : errno;
    if (err == ENOSPC) {
      return Status(Code::kTooLarge,
                    "inotify watch limit reached (fs.inotify.max_user_watches); raise it with "
                    "sysctl, cairn scans this root periodically meanwhile");
    }
    return internal_error("inotify_add_watch " + dir + ": " + std::strerror(err));
  }
  std::lock_guard lock(mu_);
  auto old = dirs_.find(wd);
  if (old != dirs_.end()) wds_.erase(old->second);
  dirs_[wd] = dir;
  wds_[dir] = wd;
  return Status::ok();
}

void Inotify::remove_under(const std::string& dir) {
  std::vector<int> gone;
  {
    std::lock_guard lock(mu_);
    std::string prefix = dir + "/";
    for (auto it = wds_.begin(); it != wds_.end();) {
      if (it->first == dir || it->first.compare(0, prefix.size(), prefix) == 0) {
        gone.push_back(it->second);
        dirs_.erase(it->second);
        it = wds_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (int wd : gone) ::inotify_rm_watch(fd_.get(), wd);
}

void Inotify::forget(int wd) {
  std::lock_guard lock(mu_);
  auto it = dirs_.find(wd);
  if (it == dirs_.end()) return;
  auto p = wds_.find(it->second);
  if (p != wds_.end() && p->second == wd) wds_.erase(p);
  dirs_.erase(it);
}

size_t Inotify::watch_count() const {
  std::lock_guard lock(mu_);
  return dirs_.size();
}

size_t Inotify::count_under(const std::string& dir) const {
  std::lock_guard lock(mu_);
  std::string prefix = dir + "/";
  size_t n = 0;
  for (const auto& [path, wd] : wds_) {
    if (path == dir || path.compare(0, prefix.size(), prefix) == 0) ++n;
  }
  return n;
}

void Inotify::read_events(const std::function<void(const WatchEvent&)>& fn) {
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: drained
    std::vector<WatchEvent> batch;
    {
      std::lock_guard lock(mu_);
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        WatchEvent w;
        w.wd = ev->wd;
        w.mask = ev->mask;
        w.cookie = ev->cookie;
        if (ev->len > 0) w.name = ev->name;  // NUL-padded
        auto it = dirs_.find(ev->wd);
        if (it != dirs_.end()) w.dir = it->second;
        batch.push_back(std::move(w));
        p += sizeof(struct inotify_event) + ev->len;
      }
    }
    for (const auto& w : batch) fn(w);
  }
}

}  // namespace cairn::watchers
