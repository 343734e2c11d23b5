#include "watchers/crawler.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "base/clock.h"
#include "base/fd.h"
#include "base/open_below.h"
#include "base/thread_name.h"
#include "base/thread_priority.h"
#include "watchers/path_util.h"

namespace cairn::watchers {

Crawler::Crawler(CrawlerOptions options, store::Writer& writer, Inotify* inotify,
                 WatchCounters& counters, Recheck recheck, WriteFailed write_failed)
    : options_(std::move(options)),
      writer_(writer),
      inotify_(inotify),
      counters_(counters),
      recheck_(std::move(recheck)),
      write_failed_(std::move(write_failed)) {}

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

void Crawler::add_root(std::shared_ptr<RootState> root) { push({Kind::kAdd, std::move(root), {}}); }

void Crawler::retire_root(std::shared_ptr<RootState> root) {
  root->retired = true;
  push({Kind::kRetire, std::move(root), {}});
}

void Crawler::scan(std::shared_ptr<RootState> root, std::string path) {
  ++root->scans_queued;
  push({Kind::kScan, std::move(root), {std::move(path)}});
}

// A check reads each path as it is when it runs, so paths for a root that
// already has a check waiting join that one. Under an event storm (a directory
// swapped for a link thousands of times a second, row 25) the watcher hands
// over a check every settle period; when a check took longer than that, the
// queue grew without bound and a file saved meanwhile waited behind all of it.
void Crawler::check(std::shared_ptr<RootState> root, std::vector<std::string> paths) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (auto& t : tasks_) {
      if (t.kind != Kind::kCheck || t.root != root) continue;
      t.paths.insert(t.paths.end(), std::make_move_iterator(paths.begin()),
                     std::make_move_iterator(paths.end()));
      // Sorted, so a directory's deletion comes before what was below it.
      std::sort(t.paths.begin(), t.paths.end());
      t.paths.erase(std::unique(t.paths.begin(), t.paths.end()), t.paths.end());
      ++counters_.checks_merged;
      return;
    }
  }
  push({Kind::kCheck, std::move(root), std::move(paths)});
}

void Crawler::run() {
  set_background_priority();  // before the name: a named thread is reniced
  set_thread_name("cairn-crawl");
  if (Status st = open_db(); !st.is_ok()) {
    spdlog::error("watcher cannot open the database: {}", st.message());
    return;
  }
  int threads = options_.hash_threads;
  if (threads <= 0) threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  pool_ =
      std::make_unique<HashPool>(threads, options_.text_cap, 512, options_.hash_max, &stopping_);
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
  held_dir_fd_.reset();
  pool_.reset();  // cancels reads in progress
  db_.reset();
}

Status Crawler::open_db() {
  // The generation first: a restore between the two makes them differ, and the
  // next job reopens again (never the other way round).
  int64_t generation = writer_.generation();
  auto db = store::Db::open(options_.db_path, store::OpenMode::kReadOnly);
  if (!db) return db.status();
  db_ = std::move(*db);
  db_generation_ = generation;
  return Status::ok();
}

void Crawler::follow_replaced_database() {
  if (writer_.generation() == db_generation_) return;
  finish_hashes();
  batch_.clear();  // observations compared with the old file's rows
  batch_roots_.clear();
  roots_.clear();
  rules_.clear();
  db_.reset();
  if (Status st = open_db(); !st.is_ok()) {
    spdlog::error("watcher cannot open the restored database: {}", st.message());
    return;
  }
  spdlog::info("watcher: following the restored database");
}

void Crawler::run_task(Task& t) {
  follow_replaced_database();
  if (!db_) return;
  if (t.root && t.root->generation != db_generation_) {
    if (t.kind == Kind::kScan) --t.root->scans_queued;
    return;
  }
  switch (t.kind) {
    case Kind::kAdd:
      do_add(t.root);
      break;
    case Kind::kRetire:
      do_retire(t.root);
      break;
    case Kind::kScan:
      run_scan(t);
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

Crawler::Known Crawler::Known::from_row(const store::Stmt& q, int first) {
  Known k;
  k.size = q.int64(first);
  k.mtime_ns = q.int64(first + 1);
  k.inode = q.int64(first + 2);
  k.type = q.text(first + 3);
  k.status_ok = q.text(first + 4) == "ok";
  k.ok = k.status_ok && q.int64(first + 5) != 0;
  return k;
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
    out.emplace(q->text(0), Known::from_row(*q, 1));
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
  if (row) out = Known::from_row(*q, 0);
  q->reset();
  return out;
}

void Crawler::do_scan(const std::shared_ptr<RootState>& root, const std::string& path) {
  ScanRun run;
  begin_scan(root, path, run);
  if (run.loaded) walk(root, run, INT64_MAX);
  finish_scan(root, run);
}

void Crawler::run_scan(Task& t) {
  if (!t.scan) {
    t.scan = std::make_shared<ScanRun>();
    begin_scan(t.root, t.paths.at(0), *t.scan);
  }
  while (t.scan->loaded && !walk(t.root, *t.scan, monotonic_ms() + kScanSliceMs)) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (tasks_.empty()) continue;
    }
    // Another job waits (another root's scan, a check): this scan's slice is
    // over. What it observed goes out first, so observations of a path still
    // reach the writer in the order they were made; then it waits its turn.
    // One root's scan, however long, never starves another.
    finish_hashes();
    flush();
    held_dir_.clear();
    held_dir_fd_.reset();
    std::lock_guard lock(mu_);
    if (!stopping_) tasks_.push_back(std::move(t));
    return;
  }
  finish_scan(t.root, *t.scan);
}

void Crawler::begin_scan(const std::shared_ptr<RootState>& root, const std::string& path,
                         ScanRun& run) {
  const RootSpec& s = root->spec;
  run.path = path;
  run.full = path == s.path;
  run.started = monotonic_ms();
  run.failures_before = root->write_failures.load();
  ++counters_.scans;
  if (run.full) {
    root->seen = 0;
    root->to_hash = 0;
    root->hashed = 0;
    root->bytes_to_hash = 0;
    root->bytes_hashed = 0;
    root->walked = false;
  }
  if (cancelled(root)) return;
  auto known = load_known(s.id, path);
  if (!known) {
    run.error = "cannot read the file rows: " + known.status().message();
    return;
  }
  run.known = std::move(*known);
  run.loaded = true;
}

void Crawler::finish_scan(const std::shared_ptr<RootState>& root, ScanRun& run) {
  const RootSpec& s = root->spec;
  const std::string& path = run.path;
  const bool full = run.full;
  const int64_t started = run.started;
  const int64_t failures_before = run.failures_before;
  std::string error = run.error;
  {
    if (run.loaded) {
      const KnownMap* known = &run.known;
      auto& unreadable = run.unreadable;
      auto& pseudo = run.pseudo_skipped;
      const bool watch_failed = run.watch_failed;
      finish_hashes();
      if (!cancelled(root)) {
        // What was known and not seen is gone, except below a directory that
        // could not be read this time.
        for (const auto& [p, k] : *known) {
          bool hidden = false;
          for (const auto& u : unreadable) {
            if (p.compare(0, u.path.size() + 1, u.path + "/") == 0) hidden = true;
          }
          if (hidden) continue;
          // Only this row: a path known as a file or link that is now a
          // directory was just walked, and what was found below it stays.
          Observation o;
          o.op = Observation::Op::kGone;
          o.only_path = true;
          o.root_id = s.id;
          o.path = p;
          emit(std::move(o));
        }
      }
      if (!pseudo.empty()) {
        error = "pseudo filesystem not tracked: " + pseudo.front();
        if (pseudo.size() > 1) error += " (and " + std::to_string(pseudo.size() - 1) + " more)";
        spdlog::warn("root {}: {}", s.path, error);
      }
      if (!unreadable.empty()) {
        error = "unreadable directory " + unreadable.front().path + ": " + unreadable.front().why;
        if (unreadable.size() > 1)
          error += " (and " + std::to_string(unreadable.size() - 1) + " more)";
        spdlog::warn("root {}: {}", s.path, error);
      }
      std::lock_guard lock(root->mu);
      if (!full && !root->missing) {
        // A subtree's scan says what it found about that subtree only.
        const std::string mine = "unreadable directory " + path;
        const std::string& last = root->last_error;
        if (!error.empty()) {
          if (error != last) ++root->error_count;
          root->last_error = error;
        } else if (last.compare(0, mine.size(), mine) == 0 && last.size() > mine.size() &&
                   (last[mine.size()] == ':' || last[mine.size()] == '/')) {
          root->last_error.clear();
        }
      }
      if (root->missing) error = root->last_error;
      if (!watch_failed && full) root->degraded = false;
      if (root->degraded && error.empty()) error = root->last_error;
    }
  }
  root->walked = true;
  held_dir_.clear();
  held_dir_fd_.reset();
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
      // A root whose rows are stale keeps saying why until this scan's writes
      // have all committed (the completion below); the roots row gets what
      // the scan found.
      const bool stale = root->write_failures.load() > 0 && error.empty();
      if (!error.empty() && error != root->last_error) ++root->error_count;
      if (!stale) root->last_error = error;
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
        [id = s.id, at, took, error, error_count, w = &writer_,
         generation = db_generation_](store::WriteTxn& txn) -> Result<Json> {
          if (w->generation() != generation) return store::Writer::replaced_status();
          CAIRN_ASSIGN_OR_RETURN(
              store::Stmt * up,
              txn.db().cached("UPDATE roots SET last_scan_at = ?2, last_scan_ms = ?3, last_error "
                              "= ?4, error_count = ?5 WHERE id = ?1"));
          std::optional<std::string> e;
          if (!error.empty()) e = error;
          CAIRN_RETURN_IF_ERROR(up->bind_all(id, at, took, e, error_count).run());
          return Json();
        },
        [this, r, failures_before](Result<Json> res) {
          if (!res) {
            write_failed(r, res.status());
          } else if (r->write_failures.load() > 0 && r->write_failures.load() == failures_before) {
            // Every batch of this scan committed (the writer runs jobs in
            // order, and this one came last): the rows match the disk again.
            r->write_failures = 0;
            std::lock_guard lock(r->mu);
            if (r->last_error.compare(0, kWriteFailedPrefix.size(), kWriteFailedPrefix) == 0) {
              r->last_error.clear();
            }
          }
          --r->scans_queued;
          std::lock_guard lock(jobs_mu_);
          --jobs_in_flight_;
          jobs_cv_.notify_all();
        });
  } else {
    --root->scans_queued;
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
  Fd parent = open_dir_below(s.path, parent_of(path));
  if (!parent.valid() ||
      ::fstatat(parent.get(), base_of(path).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    int err = errno;
    // A directory above it that cannot be read says nothing about the file.
    if (err == EACCES || err == EPERM) return;
    // Out of descriptors (the parent is opened to look at it): look again
    // later, as for a hash that met EMFILE.
    if (err == EMFILE || err == ENFILE || err == ENOMEM) {
      if (!stopping_ && recheck_) recheck_(root, path);
      return;
    }
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
  // An event on a file whose stat did not move (a chmod): read it again if the
  // daemon may no longer read it, so its row says so instead of staying ok.
  if (kp && kp->ok && S_ISREG(st.st_mode) &&
      ::faccessat(parent.get(), base_of(path).c_str(), R_OK, AT_EACCESS) != 0) {
    kp = nullptr;
  }
  consider(root, parent_of(path), base_of(path), path, st, kp);
}

void Crawler::emit(Observation o) {
  batch_roots_[o.root_id];
  batch_.push_back(std::move(o));
  if (batch_.size() >= kBatchRows) flush();
}

void Crawler::write_failed(const std::shared_ptr<RootState>& root, const Status& st) {
  ++root->write_failures;
  root->set_error(std::string(kWriteFailedPrefix) + st.message() +
                  "; the root is rescanned until its rows are written");
  if (write_failed_ && !root->retired) write_failed_(root);
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
      [batch = std::move(batch_), outcome, w = &writer_,
       generation = db_generation_](store::WriteTxn& txn) -> Result<Json> {
        if (w->generation() != generation) return store::Writer::replaced_status();
        CAIRN_ASSIGN_OR_RETURN(*outcome, apply_batch(txn, batch));
        return Json();
      },
      [this, outcome, roots = std::move(roots), generation = db_generation_](Result<Json> r) {
        if (r) {
          for (const auto& [id, delta] : outcome->deltas) {
            auto it = roots.find(id);
            if (it == roots.end()) continue;
            it->second->totals.files += delta.first;
            it->second->totals.bytes += delta.second;
          }
        } else if (writer_.generation() != generation) {
          spdlog::debug("watcher: {}", r.status().message());
        } else {
          spdlog::error("watcher: writing file rows failed: {}", r.status().message());
          for (const auto& [id, root] : roots) write_failed(root, r.status());
        }
        std::lock_guard lock(jobs_mu_);
        --jobs_in_flight_;
        jobs_cv_.notify_all();
      });
  batch_.clear();
}

}  // namespace cairn::watchers
