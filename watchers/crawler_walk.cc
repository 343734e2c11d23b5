// The crawler's walk of a directory tree and its side of the hash pool: which
// entries are considered, which files are handed to the pool, and what each
// hash result becomes. Crawler thread only (see crawler.h).
#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "base/fd.h"
#include "base/open_below.h"
#include "watchers/crawler.h"
#include "watchers/path_util.h"

namespace cairn::watchers {

namespace {

// A path that vanished or became something else (a file, a symlink) between
// being listed and being opened: not an error, its rows go.
bool no_longer_there(int err) { return err == ENOENT || err == ENOTDIR || err == ELOOP; }

}  // namespace

void Crawler::walk(const std::shared_ptr<RootState>& root, const std::string& start,
                   KnownMap& known, std::vector<Unreadable>& unreadable, bool& watch_failed) {
  const RootSpec& s = root->spec;
  RootRules* rules = rules_of(s.id);
  if (!rules) return;
  struct stat st {};
  if (lstat_below(s.path, start, &st) != 0) {
    int err = errno;
    if (start == s.path) {
      // Cancel its watches: a root moved away keeps them (inotify follows the
      // inode), and their events would name paths of the old place.
      if (inotify_) inotify_->remove_under(s.path);
      std::lock_guard lock(root->mu);
      root->missing = true;
      std::string e = errno_text(("root " + s.path).c_str(), err);
      if (e != root->last_error) ++root->error_count;
      root->last_error = e;
    } else if (!no_longer_there(err)) {
      unreadable.push_back({start, std::strerror(err)});
    }
    return;  // everything known below it is gone
  }
  if (start == s.path) {
    root->dev = st.st_dev;
    root->ino = st.st_ino;
    std::lock_guard lock(root->mu);
    root->missing = false;
  }
  if (!S_ISDIR(st.st_mode)) {
    // A single-file root, or a path that is no longer a directory.
    known.erase(start);
    auto k = load_one(start);
    const Known* kp = k && *k ? &**k : nullptr;
    if (start == s.path && inotify_) (void)inotify_->add_dir(parent_of(start));
    consider(root, parent_of(start), base_of(start), start, st, kp);
    return;
  }
  std::set<std::pair<dev_t, ino_t>> visited;
  std::vector<std::string> stack{start};
  bool degraded = false;
  {
    std::lock_guard lock(root->mu);
    degraded = root->degraded && start != s.path;
  }
  while (!stack.empty() && !cancelled(root)) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    // Opened below the root, following no symlink: a directory swapped for a
    // link since it was listed is not followed out of the root.
    Fd dfd = open_dir_below(s.path, dir);
    if (!dfd.valid()) {
      int err = errno;
      if (no_longer_there(err)) continue;  // gone, or not a directory any more
      if (dir == s.path) {
        // The root is there but cannot be read: unavailable (state error)
        // until a rescan can read it; its rows are kept as they were.
        std::lock_guard lock(root->mu);
        root->missing = true;
        std::string e = errno_text(("root " + s.path).c_str(), err);
        if (e != root->last_error) ++root->error_count;
        root->last_error = e;
      }
      unreadable.push_back({dir, std::strerror(err)});
      continue;
    }
    struct stat dst {};
    if (::fstat(dfd.get(), &dst) != 0 || !visited.insert({dst.st_dev, dst.st_ino}).second) {
      continue;  // a bind mount of a directory already walked
    }
    // Watch before listing: a file created now is either listed or announced.
    if (inotify_ && !degraded && !watch_failed) {
      Status w = inotify_->add_dir(dir, dfd.get());
      if (!w.is_ok()) {
        if (w.code() == Code::kTooLarge) {
          watch_failed = true;
          std::lock_guard lock(root->mu);
          root->degraded = true;
          if (w.message() != root->last_error) ++root->error_count;
          root->last_error = w.message();
          spdlog::warn("root {}: {}", s.path, w.message());
        }
      }
    }
    int dup_fd = ::dup(dfd.get());
    DIR* d = dup_fd >= 0 ? ::fdopendir(dup_fd) : nullptr;
    if (!d) {
      if (dup_fd >= 0) ::close(dup_fd);
      unreadable.push_back({dir, std::strerror(errno)});
      continue;
    }
    std::vector<std::string> subdirs;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = dir == "/" ? "/" + name : dir + "/" + name;
      std::string rel = rel_of(s.path, path);
      struct stat est {};
      if (::fstatat(dfd.get(), name.c_str(), &est, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(est.st_mode)) {
        if (rules->ignored(rel, true)) continue;
        subdirs.push_back(path);
        continue;
      }
      if (rules->ignored(rel, false) || skip_own_file(dst, name)) continue;
      auto it = known.find(path);
      const Known* kp = it == known.end() ? nullptr : &it->second;
      consider(root, dir, name, path, est, kp);
      if (it != known.end()) known.erase(it);
      drain_hashes();
    }
    ::closedir(d);
    // Depth-first, in name order within a directory.
    std::sort(subdirs.rbegin(), subdirs.rend());
    for (auto& sd : subdirs) stack.push_back(std::move(sd));
  }
}

void Crawler::consider(const std::shared_ptr<RootState>& root, const std::string& dir,
                       const std::string& name, const std::string& path, const struct stat& st,
                       const Known* known) {
  const int64_t id = root->spec.id;
  ++root->seen;
  Observation o;
  o.root_id = id;
  o.path = path;
  o.size = st.st_size;
  o.mtime_ns = mtime_ns_of(st);
  o.inode = static_cast<int64_t>(st.st_ino);
  if (S_ISLNK(st.st_mode)) {
    // Recorded, never followed: the hash is of the link's text.
    char buf[4096];
    Fd dfd = open_dir_below(root->spec.path, dir);
    if (!dfd.valid() && (errno == EMFILE || errno == ENFILE) && recheck_) {
      recheck_(root, path);  // out of descriptors: look again later
      return;
    }
    ssize_t n = dfd.valid() ? ::readlinkat(dfd.get(), name.c_str(), buf, sizeof buf) : -1;
    o.type = "symlink";
    if (n >= 0) {
      o.sha256 = sha256_hex(std::string_view(buf, static_cast<size_t>(n)));
    } else {
      o.status = "error";
      o.error = errno_text("readlink", errno);
    }
    emit(std::move(o));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    o.type = "other";  // FIFO, socket, device: never opened
    o.size = 0;
    emit(std::move(o));
    return;
  }
  const bool same_stat = known && known->type == "file" && known->size == o.size &&
                         known->mtime_ns == o.mtime_ns && known->inode == o.inode;
  if (options_.hash_max > 0 && o.size > options_.hash_max) {
    // Above the hash cap: recorded from this lstat, never opened.
    if (same_stat && known->status_ok && !known->ok) {
      ++counters_.stat_skips;
      return;
    }
    ++counters_.over_cap;
    o.type = "file";
    emit(std::move(o));
    return;
  }
  if (same_stat && known->ok) {
    ++counters_.stat_skips;
    return;
  }
  while (pool_->full()) {
    collect(true);
    handle_pending();
  }
  ++root->to_hash;
  root->bytes_to_hash += o.size;
  HashJob j;
  j.root_id = id;
  j.path = path;
  j.root = root->spec.path;
  j.dir = dir;
  j.name = name;
  j.size = o.size;
  j.mtime_ns = o.mtime_ns;
  j.inode = o.inode;
  pool_->submit(std::move(j));
}

void Crawler::collect(bool wait) {
  for (auto& d : pool_->collect(wait)) pending_done_.push_back(std::move(d));
}

void Crawler::handle_pending() {
  while (!pending_done_.empty()) {
    HashDone d = std::move(pending_done_.front());
    pending_done_.pop_front();
    handle_done(std::move(d));
  }
}

void Crawler::drain_hashes() {
  collect(false);
  handle_pending();
}

void Crawler::finish_hashes() {
  for (;;) {
    handle_pending();
    if (pool_->outstanding() == 0) return;
    collect(true);
  }
}

void Crawler::handle_done(HashDone d) {
  auto it = roots_.find(d.job.root_id);
  if (it == roots_.end()) return;  // untracked meanwhile
  const std::shared_ptr<RootState>& root = it->second;
  HashResult& r = d.result;
  Observation o;
  o.root_id = d.job.root_id;
  o.path = d.job.path;
  o.type = "file";
  switch (r.outcome) {
    case HashOutcome::kHashed:
      ++counters_.hashes;
      counters_.bytes_hashed += r.size;
      ++root->hashed;
      root->bytes_hashed += r.size;
      o.size = r.size;
      o.mtime_ns = r.mtime_ns;
      o.inode = r.inode;
      o.sha256 = std::move(r.sha256);
      o.is_text = r.is_text;
      emit(std::move(o));
      return;
    case HashOutcome::kNotRegular:
      o.type = "other";
      o.size = 0;
      o.mtime_ns = d.job.mtime_ns;
      o.inode = d.job.inode;
      emit(std::move(o));
      return;
    case HashOutcome::kVanished:
      o.op = Observation::Op::kGone;
      o.only_path = true;
      emit(std::move(o));
      return;
    case HashOutcome::kError:
      o.size = d.job.size;
      o.mtime_ns = d.job.mtime_ns;
      o.inode = d.job.inode;
      o.status = "error";
      o.error = r.error;
      emit(std::move(o));
      return;
    case HashOutcome::kChanged:
      ++counters_.changed_while_hashing;
      [[fallthrough]];
    case HashOutcome::kTransient:
      if (!stopping_ && recheck_) recheck_(root, d.job.path);
      return;
  }
}

}  // namespace cairn::watchers
