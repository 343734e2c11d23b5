#include "watchers/crawler.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/clock.h"
#include "base/fd.h"
#include "base/thread_name.h"

namespace cairn::watchers {

namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// `path` relative to `root` ("" for the root itself).
std::string rel_of(const std::string& root, const std::string& path) {
  if (path.size() <= root.size()) return {};
  return path.substr(root.size() + 1);
}

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

Crawler::Crawler(CrawlerOptions options, store::Writer& writer, Inotify* inotify,
                 WatchCounters& counters, Recheck recheck)
    : options_(std::move(options)),
      writer_(writer),
      inotify_(inotify),
      counters_(counters),
      recheck_(std::move(recheck)) {}

Crawler::~Crawler() { stop(); }

Status Crawler::start() {
  struct stat st {};
  std::string dir = parent_of(options_.db_path);
  if (::stat(dir.c_str(), &st) == 0) {
    own_dev_ = st.st_dev;
    own_ino_ = st.st_ino;
  }
  own_name_ = base_of(options_.db_path);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Crawler::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  thread_.join();
  // The writer may still run our jobs; wait for their completions so nothing
  // refers to this object afterwards.
  std::unique_lock lock(jobs_mu_);
  jobs_cv_.wait(lock, [&] { return jobs_in_flight_ == 0; });
}

void Crawler::push(Task t) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(t));
  }
  cv_.notify_one();
}

void Crawler::add_root(std::shared_ptr<RootState> root) {
  push({Kind::kAdd, std::move(root), {}});
}

void Crawler::retire_root(std::shared_ptr<RootState> root) {
  root->retired = true;
  push({Kind::kRetire, std::move(root), {}});
}

void Crawler::scan(std::shared_ptr<RootState> root, std::string path) {
  ++root->scans_queued;
  push({Kind::kScan, std::move(root), {std::move(path)}});
}

void Crawler::check(std::shared_ptr<RootState> root, std::vector<std::string> paths) {
  push({Kind::kCheck, std::move(root), std::move(paths)});
}

void Crawler::run() {
  set_thread_name("cairn-crawl");
  auto db = store::Db::open(options_.db_path, store::OpenMode::kReadOnly);
  if (!db) {
    spdlog::error("watcher cannot open the database: {}", db.status().message());
    return;
  }
  db_ = std::move(*db);
  int threads = options_.hash_threads;
  if (threads <= 0) threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  pool_ = std::make_unique<HashPool>(threads, options_.text_cap);
  for (;;) {
    Task t;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (stopping_) break;
      t = std::move(tasks_.front());
      tasks_.pop_front();
    }
    run_task(t);
  }
  pool_.reset();  // cancels reads in progress
  db_.reset();
}

void Crawler::run_task(Task& t) {
  switch (t.kind) {
    case Kind::kAdd:
      do_add(t.root);
      break;
    case Kind::kRetire:
      do_retire(t.root);
      break;
    case Kind::kScan:
      do_scan(t.root, t.paths.at(0));
      break;
    case Kind::kCheck:
      for (const auto& p : t.paths) {
        if (cancelled(t.root)) break;
        do_check(t.root, p);
      }
      finish_hashes();
      flush();
      break;
  }
}

bool Crawler::cancelled(const std::shared_ptr<RootState>& root) const {
  return stopping_.load() || root->retired.load();
}

RootRules* Crawler::rules_of(int64_t root_id) {
  auto it = rules_.find(root_id);
  return it == rules_.end() ? nullptr : it->second.get();
}

void Crawler::do_add(const std::shared_ptr<RootState>& root) {
  const RootSpec& s = root->spec;
  roots_[s.id] = root;
  rules_[s.id] = std::make_unique<RootRules>(s.path, s.include, s.exclude, s.gitignore);
  // Totals from what the database already holds (a restart, a re-track).
  auto q = db_->prepare(
      "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE root_id = ?1 AND status != "
      "'deleted'");
  if (q) {
    q->bind_all(s.id);
    if (auto row = q->step(); row && *row) {
      root->totals.files = q->int64(0);
      root->totals.bytes = q->int64(1);
    }
  }
}

void Crawler::do_retire(const std::shared_ptr<RootState>& root) {
  const RootSpec& s = root->spec;
  if (inotify_) inotify_->remove_under(s.path);
  rules_.erase(s.id);
  roots_.erase(s.id);
  // Every live row of the root becomes a deletion (the indexer drops them).
  Observation o;
  o.op = Observation::Op::kGone;
  o.root_id = s.id;
  o.path = s.path;
  emit(std::move(o));
  flush();
}

bool Crawler::skip_own_file(const struct stat& dir_st, const std::string& name) const {
  if (dir_st.st_dev != own_dev_ || dir_st.st_ino != own_ino_) return false;
  if (name.compare(0, own_name_.size(), own_name_) != 0) return false;
  std::string rest = name.substr(own_name_.size());
  return rest.empty() || rest == "-wal" || rest == "-shm" || rest == "-journal";
}

Result<Crawler::KnownMap> Crawler::load_known(int64_t root_id, const std::string& under) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * q,
      db_->cached("SELECT path, size, mtime_ns, inode, type, status, sha256 IS NOT NULL FROM "
                  "files WHERE root_id = ?1 AND status != 'deleted' AND (path = ?2 OR (path > "
                  "?2 || '/' AND path < ?2 || '0'))"));
  q->bind_all(root_id, under);
  KnownMap out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    Known k;
    k.size = q->int64(1);
    k.mtime_ns = q->int64(2);
    k.inode = q->int64(3);
    k.type = q->text(4);
    k.ok = q->text(5) == "ok" && q->int64(6) != 0;
    out.emplace(q->text(0), std::move(k));
  }
  q->reset();
  return out;
}

Result<std::optional<Crawler::Known>> Crawler::load_one(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q,
                         db_->cached("SELECT size, mtime_ns, inode, type, status, sha256 IS NOT "
                                     "NULL FROM files WHERE path = ?1 AND status != 'deleted'"));
  q->bind_all(path);
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  std::optional<Known> out;
  if (row) {
    Known k;
    k.size = q->int64(0);
    k.mtime_ns = q->int64(1);
    k.inode = q->int64(2);
    k.type = q->text(3);
    k.ok = q->text(4) == "ok" && q->int64(5) != 0;
    out = k;
  }
  q->reset();
  return out;
}

void Crawler::do_scan(const std::shared_ptr<RootState>& root, const std::string& path) {
  const RootSpec& s = root->spec;
  const bool full = path == s.path;
  int64_t started = monotonic_ms();
  ++counters_.scans;
  if (full) {
    root->seen = 0;
    root->to_hash = 0;
    root->hashed = 0;
    root->bytes_to_hash = 0;
    root->bytes_hashed = 0;
    root->walked = false;
  }
  std::string error;
  if (!cancelled(root)) {
    auto known = load_known(s.id, path);
    if (!known) {
      error = "cannot read the file rows: " + known.status().message();
    } else {
      std::vector<std::string> unreadable;
      bool watch_failed = false;
      walk(root, path, *known, unreadable, watch_failed);
      finish_hashes();
      if (!cancelled(root)) {
        // What was known and not seen is gone, except below a directory that
        // could not be read this time.
        for (const auto& [p, k] : *known) {
          bool hidden = false;
          for (const auto& u : unreadable) {
            if (p.compare(0, u.size() + 1, u + "/") == 0) hidden = true;
          }
          if (hidden) continue;
          Observation o;
          o.op = Observation::Op::kGone;
          o.root_id = s.id;
          o.path = p;
          emit(std::move(o));
        }
      }
      if (!unreadable.empty()) error = "unreadable directory " + unreadable.front();
      std::lock_guard lock(root->mu);
      if (root->missing) error = root->last_error;
      if (!watch_failed && full) root->degraded = false;
      if (root->degraded && error.empty()) error = root->last_error;
    }
  }
  root->walked = true;
  flush();
  if (full) {
    int64_t took = monotonic_ms() - started;
    int64_t at = wall_ms();
    int64_t error_count = 0;
    {
      std::lock_guard lock(root->mu);
      root->scanned_once = true;
      root->last_scan_at_ms = at;
      root->last_scan_ms = took;
      if (!error.empty() && error != root->last_error) ++root->error_count;
      root->last_error = error;
      error_count = root->error_count;
    }
    // Scan bookkeeping on the roots row: derived state a rescan rebuilds, like
    // the file rows' stat columns, so it is not recorded in the changelog.
    {
      std::lock_guard lock(jobs_mu_);
      ++jobs_in_flight_;
    }
    auto r = root;
    writer_.submit_background(
        "watcher",
        [id = s.id, at, took, error, error_count](store::WriteTxn& txn) -> Result<Json> {
          CAIRN_ASSIGN_OR_RETURN(
              store::Stmt * up,
              txn.db().cached("UPDATE roots SET last_scan_at = ?2, last_scan_ms = ?3, last_error "
                              "= ?4, error_count = ?5 WHERE id = ?1"));
          std::optional<std::string> e;
          if (!error.empty()) e = error;
          CAIRN_RETURN_IF_ERROR(up->bind_all(id, at, took, e, error_count).run());
          return Json();
        },
        [this, r](Result<Json>) {
          --r->scans_queued;
          std::lock_guard lock(jobs_mu_);
          --jobs_in_flight_;
          jobs_cv_.notify_all();
        });
  } else {
    --root->scans_queued;
  }
}

void Crawler::walk(const std::shared_ptr<RootState>& root, const std::string& start,
                   KnownMap& known, std::vector<std::string>& unreadable, bool& watch_failed) {
  const RootSpec& s = root->spec;
  RootRules* rules = rules_of(s.id);
  if (!rules) return;
  struct stat st {};
  if (::lstat(start.c_str(), &st) != 0) {
    int err = errno;
    if (start == s.path) {
      std::lock_guard lock(root->mu);
      root->missing = true;
      std::string e = errno_text(("root " + s.path).c_str(), err);
      if (e != root->last_error) ++root->error_count;
      root->last_error = e;
    } else if (err != ENOENT && err != ENOTDIR) {
      unreadable.push_back(start);
    }
    return;  // everything known below it is gone
  }
  if (start == s.path) {
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
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd.valid()) {
      if (errno != ENOENT) unreadable.push_back(dir);
      continue;
    }
    struct stat dst {};
    if (::fstat(dfd.get(), &dst) != 0 || !visited.insert({dst.st_dev, dst.st_ino}).second) {
      continue;  // a bind mount of a directory already walked
    }
    // Watch before listing: a file created now is either listed or announced.
    if (inotify_ && !degraded && !watch_failed) {
      Status w = inotify_->add_dir(dir);
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
      unreadable.push_back(dir);
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
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
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
  if (known && known->ok && known->type == "file" && known->size == o.size &&
      known->mtime_ns == o.mtime_ns && known->inode == o.inode) {
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
    case HashOutcome::kTransient:
      if (!stopping_ && recheck_) recheck_(root, d.job.path);
      return;
  }
}

void Crawler::do_check(const std::shared_ptr<RootState>& root, const std::string& path) {
  const RootSpec& s = root->spec;
  ++counters_.checks;
  if (path == s.path) {
    ++root->scans_queued;
    do_scan(root, path);
    return;
  }
  RootRules* rules = rules_of(s.id);
  if (!rules) return;
  std::string rel = rel_of(s.path, path);
  if (base_of(path) == ".gitignore") {
    // New rules below this directory: walk it again (ignored files become
    // deletions, re-included ones appear).
    rules->forget_gitignore(rel_of(s.path, parent_of(path)));
    ++root->scans_queued;
    do_scan(root, parent_of(path));
    return;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (inotify_) inotify_->remove_under(path);
    Observation o;
    o.op = Observation::Op::kGone;
    o.root_id = s.id;
    o.path = path;
    emit(std::move(o));
    return;
  }
  bool is_dir = S_ISDIR(st.st_mode);
  if (rules->ignored_path(rel, is_dir)) return;
  if (is_dir) {
    // A new or moved-in directory: watch and list it.
    ++root->scans_queued;
    do_scan(root, path);
    return;
  }
  auto k = load_one(path);
  const Known* kp = k && *k ? &**k : nullptr;
  consider(root, parent_of(path), base_of(path), path, st, kp);
}

void Crawler::emit(Observation o) {
  batch_roots_[o.root_id];
  batch_.push_back(std::move(o));
  if (batch_.size() >= kBatchRows) flush();
}

void Crawler::wait_jobs() {
  std::unique_lock lock(jobs_mu_);
  jobs_cv_.wait(lock, [&] { return jobs_in_flight_ < kMaxJobsInFlight; });
}

void Crawler::flush() {
  if (batch_.empty()) return;
  wait_jobs();
  std::map<int64_t, std::shared_ptr<RootState>> roots;
  for (auto& [id, _] : batch_roots_) {
    auto it = roots_.find(id);
    if (it != roots_.end()) roots[id] = it->second;
  }
  batch_roots_.clear();
  {
    std::lock_guard lock(jobs_mu_);
    ++jobs_in_flight_;
  }
  ++counters_.batches;
  auto outcome = std::make_shared<BatchOutcome>();
  writer_.submit_background(
      "watcher",
      [batch = std::move(batch_), outcome](store::WriteTxn& txn) -> Result<Json> {
        CAIRN_ASSIGN_OR_RETURN(*outcome, apply_batch(txn, batch));
        return Json();
      },
      [this, outcome, roots = std::move(roots)](Result<Json> r) {
        if (r) {
          for (const auto& [id, delta] : outcome->deltas) {
            auto it = roots.find(id);
            if (it == roots.end()) continue;
            it->second->totals.files += delta.first;
            it->second->totals.bytes += delta.second;
          }
        } else {
          spdlog::error("watcher: writing file rows failed: {}", r.status().message());
        }
        std::lock_guard lock(jobs_mu_);
        --jobs_in_flight_;
        jobs_cv_.notify_all();
      });
  batch_.clear();
}

}  // namespace cairn::watchers
