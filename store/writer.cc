#include "store/writer.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/clock.h"
#include "base/thread_name.h"
#include "store/backup.h"

namespace cairn::store {

namespace {
constexpr size_t kMaxGroup = 512;
// A -wal past this size is checkpointed and truncated by the writer (see bound_wal).
constexpr int64_t kWalBoundBytes = 16 << 20;

// Runs one of the writer's fixed statements from the statement cache: a group
// of 50 jobs runs 100 savepoint statements, not worth parsing each time.
Status run_cached(Db& db, const char* sql) {
  CAIRN_ASSIGN_OR_RETURN(Stmt * s, db.cached(sql));
  return s->run();
}
}  // namespace

Writer::Writer(std::unique_ptr<Db> db, CommittedHook on_committed)
    : db_(std::move(db)), on_committed_(std::move(on_committed)) {
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() { stop(); }

void Writer::submit(std::string origin, WriteFn fn, WriteDone done, Durability durability) {
  {
    std::lock_guard lock(mu_);
    client_.push_back({std::move(origin), std::move(fn), std::move(done), durability, {}});
    client_.back().queued_at_ms = monotonic_ms();
  }
  ++stats_.queued;
  cv_.notify_one();
}

void Writer::submit_background(std::string origin, WriteFn fn, WriteDone done) {
  {
    std::lock_guard lock(mu_);
    background_.push_back(
        {std::move(origin), std::move(fn), std::move(done), Durability::kNormal, {}});
    background_.back().queued_at_ms = monotonic_ms();
  }
  ++stats_.queued;
  cv_.notify_one();
}

void Writer::submit_raw(RawFn fn) {
  {
    std::lock_guard lock(mu_);
    client_.push_back({{}, {}, {}, Durability::kFull, std::move(fn)});
  }
  ++stats_.queued;
  cv_.notify_one();
}

Status Writer::replaced_status() {
  return Status(Code::kConflict,
                "the database was replaced (db.restore); work read from the old file is dropped");
}

void Writer::submit_reopen(ReopenFn fn) {
  // Wrapped as a raw job so it keeps its place in the queue; the wrapper only
  // marks it, run() hands over the connection.
  {
    std::lock_guard lock(mu_);
    Job j{{}, {}, {}, Durability::kFull, [](Db&) {}};
    j.reopen = std::move(fn);
    client_.push_back(std::move(j));
  }
  ++stats_.queued;
  cv_.notify_one();
}

void Writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::string Writer::degraded() const {
  std::lock_guard lock(const_cast<std::mutex&>(mu_));
  return degraded_;
}

void Writer::set_synchronous(Durability d) {
  if (d == sync_) return;
  if (db_->exec(d == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
          .is_ok()) {
    sync_ = d;
  }
}

void Writer::run() {
  set_thread_name("cairn-writer");
  for (;;) {
    std::vector<Job> group;
    Durability durability = Durability::kFull;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !client_.empty() || !background_.empty(); });
      if (!client_.empty()) {
        // Raw jobs run alone; a run of ordinary jobs forms one group.
        if (client_.front().raw) {
          group.push_back(std::move(client_.front()));
          client_.pop_front();
        } else {
          while (!client_.empty() && !client_.front().raw && group.size() < kMaxGroup) {
            group.push_back(std::move(client_.front()));
            client_.pop_front();
          }
        }
      } else if (!background_.empty()) {
        group.push_back(std::move(background_.front()));
        background_.pop_front();
        durability = Durability::kNormal;
      } else {
        return;  // stopping and drained
      }
    }
    stats_.queued -= static_cast<int64_t>(group.size());
    if (group.front().reopen) {
      db_ = group.front().reopen(std::move(db_));
      sync_ = Durability::kFull;  // Db::open sets synchronous=FULL
      continue;
    }
    if (group.front().raw) {
      group.front().raw(*db_);
      continue;
    }
    bool any_full = false;
    for (auto& j : group) any_full |= j.durability == Durability::kFull;
    if (!any_full) durability = Durability::kNormal;
    int64_t began = monotonic_ms();
    run_group(group, durability);
    if (durability == Durability::kNormal) {
      int64_t took = monotonic_ms() - began;
      if (took > stats_.longest_background_ms) stats_.longest_background_ms = took;
      if (took > 100) spdlog::debug("background {} job took {} ms", group.front().origin, took);
    }
  }
}

void Writer::run_group(std::vector<Job>& group, Durability durability) {
  std::vector<Result<Json>> results;
  results.reserve(group.size());
  std::vector<Change> changes;
  std::string degraded = this->degraded();
  auto fail_all = [&](const Status& st) {
    for (auto& j : group) j.done(st);
  };
  if (!degraded.empty()) {
    fail_all(Status(Code::kIoError, degraded));
    return;
  }
  set_synchronous(durability);
  // Another process may hold the write lock. Each job waits for it about
  // kBusyTimeoutMs from when it was queued, not per transaction: otherwise a
  // job behind others that each waited the full timeout would wait a multiple
  // of it before hearing BUSY. A job that is already old still gets a short
  // wait, so that a lock held for a moment does not fail it.
  constexpr int64_t kMinBusyWaitMs = 100;
  int64_t oldest = group.front().queued_at_ms;
  for (const auto& j : group) oldest = std::min(oldest, j.queued_at_ms);
  int64_t left = kBusyTimeoutMs - (monotonic_ms() - oldest);
  sqlite3_busy_timeout(db_->get(), static_cast<int>(std::clamp<int64_t>(
                                       left, kMinBusyWaitMs, kBusyTimeoutMs)));
  Status begun = run_cached(*db_, "BEGIN IMMEDIATE");
  sqlite3_busy_timeout(db_->get(), kBusyTimeoutMs);
  if (!begun.is_ok()) {
    fail_all(begun);
    return;
  }
  stats_.max_group = std::max<int64_t>(stats_.max_group, static_cast<int64_t>(group.size()));
  Status lost;  // set when SQLite rolled the whole transaction back under us
  for (auto& job : group) {
    if (!lost.is_ok()) {
      results.push_back(lost);
      continue;
    }
    WriteTxn txn(*db_, job.origin, wall_ms());
    Status sp = run_cached(*db_, "SAVEPOINT job");
    Result<Json> r = sp.is_ok() ? Result<Json>(nullptr) : Result<Json>(sp);
    if (sp.is_ok()) {
      try {
        r = job.fn(txn);
      } catch (const std::exception& e) {
        r = internal_error(std::string("write failed: ") + e.what());
      }
    }
    if (!db_->in_transaction()) {
      // SQLITE_FULL, IOERR and friends can roll back everything: earlier jobs of
      // this group are gone too and must not be acknowledged.
      lost = r ? internal_error("transaction rolled back") : r.status();
      for (auto& prev : results) {
        if (prev) prev = lost;
      }
      results.push_back(lost);
      continue;
    }
    if (r) {
      (void)run_cached(*db_, "RELEASE job");
      for (auto& c : txn.changes()) changes.push_back(std::move(c));
    } else {
      (void)run_cached(*db_, "ROLLBACK TO job");
      (void)run_cached(*db_, "RELEASE job");
    }
    results.push_back(std::move(r));
  }
  stats_.jobs += static_cast<int64_t>(group.size());
  if (lost.is_ok()) {
    Status committed = run_cached(*db_, "COMMIT");
    if (!committed.is_ok()) {
      ++stats_.failed_commits;
      if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
      if (committed.code() == Code::kIoError &&
          committed.message().find("disk full") == std::string::npos) {
        std::lock_guard lock(mu_);
        degraded_ = "database is read-only after an I/O error at commit (" +
                    committed.message() + "); restart cairnd";
        spdlog::error("{}", degraded_);
      }
      for (auto& r : results) {
        if (r) r = committed;
      }
      changes.clear();
    } else {
      ++stats_.commits;
    }
  } else {
    changes.clear();
  }
  for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
  if (!changes.empty() && on_committed_) on_committed_(std::move(changes));
  bound_wal();
}

// SQLite's automatic checkpoint (PASSIVE, every 1000 pages) copies pages back
// but can start the -wal over only at a moment when no reader holds a snapshot
// in it. With readers that never pause (20 clients in the soak run) that moment
// rarely comes and the -wal grew by about 10 MiB a minute. Past kWalBoundBytes,
// after the group's replies went out, the writer waits (at most 100 ms) for the
// readers to move to the database file and truncates the -wal. If they do not,
// it tries again a second later, not after every commit. Client writes queue
// behind that wait, so it is kept short: 500 ms showed as a 500 ms write p99.
//
// While a backup copies the database it holds one snapshot throughout: the
// truncation cannot succeed then, and each try held the writer for its whole
// wait (client writes took up to ~500 ms during a 100 MB backup, row 9), so it
// waits for the copy to end.
void Writer::bound_wal() {
  if (!db_ || monotonic_ms() < next_wal_try_ms_ || snapshot_copies_running() > 0) return;
  const char* main = sqlite3_db_filename(db_->get(), "main");
  struct stat st;
  if (!main || !*main || ::stat((std::string(main) + "-wal").c_str(), &st) != 0 ||
      st.st_size < kWalBoundBytes) {
    return;
  }
  sqlite3_busy_timeout(db_->get(), 100);
  int rc = sqlite3_wal_checkpoint_v2(db_->get(), "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                                     nullptr);
  sqlite3_busy_timeout(db_->get(), kBusyTimeoutMs);
  if (rc == SQLITE_OK) {
    ++stats_.wal_truncates;
  } else {
    next_wal_try_ms_ = monotonic_ms() + 1000;
    spdlog::debug("checkpoint of a {} byte -wal: {}", st.st_size, sqlite3_errstr(rc));
  }
}

}  // namespace cairn::store
