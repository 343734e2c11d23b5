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
#include "watchers/pseudo_fs.h"

namespace cairn::watchers {

namespace {

// A path that vanished or became something else (a file, a symlink) between
// being listed and being opened: not an error, its rows go.
bool no_longer_there(int err) { return err == ENOENT || err == ENOTDIR || err == ELOOP; }

}  // namespace

bool Crawler::walk(const std::shared_ptr<RootState>& root, ScanRun& run, int64_t deadline_ms) {
  const RootSpec& s = root->spec;
  RootRules* rules = rules_of(s.id);
  if (!rules || cancelled(root)) return true;
  if (!run.walk_begun) {
    run.walk_begun = true;
    if (!begin_walk(root, run, rules)) return true;
  }
  return walk_dirs(root, run, rules, deadline_ms);
}

bool Crawler::begin_walk(const std::shared_ptr<RootState>& root, ScanRun& run, RootRules* rules) {
  const RootSpec& s = root->spec;
  const std::string& start = run.path;
  KnownMap& known = run.known;
  std::vector<Unreadable>& unreadable = run.unreadable;
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
    return false;  // everything known below it is gone
  }
  if (start == s.path) {
    root->dev = st.st_dev;
    root->ino = st.st_ino;
    // A root on a pseudo filesystem (tracked before such roots were refused,
    // or mounted over since): unavailable, nothing below it is read.
    std::optional<std::string> pseudo =
        pseudo_filesystem_at(S_ISDIR(st.st_mode) ? s.path : parent_of(s.path));
    std::lock_guard lock(root->mu);
    root->missing = pseudo.has_value();
    if (pseudo) {
      std::string e =
          "root " + s.path + " is on a " + *pseudo + " filesystem, which is never tracked";
      if (e != root->last_error) ++root->error_count;
      root->last_error = e;
      known.clear();  // its rows are kept as they were
      return false;
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    // A single-file root, or a path that is no longer a directory.
    known.erase(start);
    auto k = load_one(start);
    const Known* kp = k && *k ? &**k : nullptr;
    if (start == s.path && inotify_) (void)inotify_->add_dir(parent_of(start));
    consider(root, parent_of(start), base_of(start), start, st, kp);
    return false;
  }
  // The .gitignore files above the start.
  bool above_ignored = false;
  GitignoreChain start_chain;
  if (start != s.path)
    start_chain = rules->chain_above(rel_of(s.path, start), false, above_ignored);
  run.stack.push_back({start, start_chain, nullptr});
  std::lock_guard lock(root->mu);
  run.degraded = root->degraded && start != s.path;
  return true;
}

bool Crawler::walk_dirs(const std::shared_ptr<RootState>& root, ScanRun& run, RootRules* rules,
                        int64_t deadline_ms) {
  const RootSpec& s = root->spec;
  const std::string& start = run.path;
  KnownMap& known = run.known;
  std::vector<Unreadable>& unreadable = run.unreadable;
  auto& stack = run.stack;
  while (!stack.empty() && !cancelled(root)) {
    if (monotonic_ms() >= deadline_ms) return false;
    PendingDir item = std::move(stack.back());
    stack.pop_back();
    const std::string& dir = item.path;
    // Opened below the root, following no symlink: a directory swapped for a
    // link since it was listed is not followed out of the root.
    Fd dfd = item.parent ? Fd(::openat(item.parent->fd.get(), base_of(dir).c_str(),
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
                         : open_dir_below(s.path, dir);
    item.parent.reset();
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
    if (::fstat(dfd.get(), &dst) != 0 || !run.visited.insert({dst.st_dev, dst.st_ino}).second) {
      continue;  // a bind mount of a directory already walked
    }
    // A pseudo filesystem (proc, sysfs, cgroup, ...) mounted inside the root
    // is not walked: its files are endless or block (issue 20, row 34).
    if (dir != s.path || start != s.path) {
      if (auto pseudo = pseudo_filesystem(dfd.get())) {
        run.pseudo_skipped.push_back(dir + " (" + *pseudo + ")");
        continue;
      }
    }
    // Watch before listing: a file created now is either listed or announced.
    if (inotify_ && !run.degraded && !run.watch_failed) {
      Status w = inotify_->add_dir(dir, dfd.get());
      if (!w.is_ok()) {
        if (w.code() == Code::kTooLarge) {
          run.watch_failed = true;
          std::lock_guard lock(root->mu);
          root->degraded = true;
          if (w.message() != root->last_error) ++root->error_count;
          root->last_error = w.message();
          spdlog::warn("root {}: {}", s.path, w.message());
        }
      }
    }
    GitignoreChain chain = rules->enter(item.chain, rel_of(s.path, dir), dfd.get());
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
        if (rules->ignored_in(chain, rel, true)) continue;
        subdirs.push_back(path);
        continue;
      }
      if (rules->ignored_in(chain, rel, false) || skip_own_file(dst, name)) continue;
      auto it = known.find(path);
      const Known* kp = it == known.end() ? nullptr : &it->second;
      consider(root, dir, name, path, est, kp, dfd.get());
      if (it != known.end()) known.erase(it);
      drain_hashes();
    }
    ::closedir(d);
    // Depth-first, in name order within a directory.
    std::shared_ptr<HeldDir> self;
    if (!subdirs.empty() && run.held < kMaxHeldDirs) {
      ++run.held;
      self = std::shared_ptr<HeldDir>(new HeldDir{std::move(dfd), &run.held});
    }
    std::sort(subdirs.rbegin(), subdirs.rend());
    for (auto& sd : subdirs) stack.push_back({std::move(sd), chain, self});
  }
  return true;
}

void Crawler::consider(const std::shared_ptr<RootState>& root, const std::string& dir,
                       const std::string& name, const std::string& path, const struct stat& st,
                       const Known* known, int dirfd) {
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
    Fd dfd =
        dirfd >= 0 ? Fd(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) : open_dir_below(root->spec.path, dir);
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
  // A deep directory is handed over open, once for all its files: opening it
  // by its path for each file costs a lookup per level.
  constexpr size_t kShareDirBelow = 256;
  if (dirfd >= 0 && dir.size() > root->spec.path.size() + kShareDirBelow) {
    if (held_dir_ != dir || !held_dir_fd_) {
      held_dir_ = dir;
      int fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
      held_dir_fd_ = fd >= 0 ? std::make_shared<Fd>(fd) : nullptr;
    }
    j.dir_fd = held_dir_fd_;
  }
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
    case HashOutcome::kOverCap:
      // It gave more than hash_max bytes whatever its st_size said: recorded
      // unread, as a file above the cap is.
      ++counters_.over_cap;
      o.size = r.size;
      o.mtime_ns = r.mtime_ns;
      o.inode = r.inode;
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
