// Writer: the one thread that owns the only read-write SQLite connection.
//
// Every mutation is a job on its queue. Jobs waiting together share one
// transaction (group commit): BEGIN IMMEDIATE, each job in its own SAVEPOINT (a
// failing job is rolled back alone), one COMMIT. A job's completion runs only
// after that COMMIT returned, so a reply built from it acknowledges a durable
// write. A COMMIT that fails fails every job of the group; after an I/O error the
// outcome is unknown and callers are told to retry with the same id.
//
// Durability by data class: a group carrying client jobs commits with
// synchronous=FULL; background jobs (file rows, chunks, index: data that can be
// derived again) commit alone with NORMAL, and only when no client job waits, so
// a re-index never makes a client's write wait behind it for long.
//
// submit*() may be called from any thread. Completions and the on_committed hook
// run on the writer thread: they must hand work to other threads, not do it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/change.h"
#include "store/db.h"
#include "store/write_txn.h"

namespace cairn::store {

enum class Durability { kFull, kNormal };

using WriteFn = std::function<Result<Json>(WriteTxn&)>;
using WriteDone = std::function<void(Result<Json>)>;
// Runs on the writer's connection outside any transaction (backup, checkpoint,
// migration): for work that manages its own transactions.
using RawFn = std::function<void(Db&)>;
// Runs on the writer thread outside any transaction and is handed the writer's
// connection itself; returns the connection the writer goes on with (the same
// one, or one opened on another file). For restore, which must close the
// connection before it renames a new database file into place.
using ReopenFn = std::function<std::unique_ptr<Db>(std::unique_ptr<Db>)>;

struct WriterStats {
  std::atomic<int64_t> jobs{0};
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> failed_commits{0};
  std::atomic<int64_t> queued{0};
  std::atomic<int64_t> max_group{0};
  std::atomic<int64_t> wal_truncates{0};  // checkpoints forced by a large -wal
  // Longest transaction of background jobs (index batches, file rows): a client
  // write queued behind one waits up to this long.
  std::atomic<int64_t> longest_background_ms{0};
};

class Writer {
 public:
  using CommittedHook = std::function<void(std::vector<Change>)>;

  Writer(std::unique_ptr<Db> db, CommittedHook on_committed);
  ~Writer();  // stops after running what is queued
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(std::string origin, WriteFn fn, WriteDone done,
              Durability durability = Durability::kFull);
  void submit_background(std::string origin, WriteFn fn, WriteDone done);
  void submit_raw(RawFn fn);
  // Queued like a raw job (alone, in order with client writes). `fn` must return
  // an open connection: the writer has none while it runs and none after a null.
  void submit_reopen(ReopenFn fn);
  // Runs every job already queued, then stops the thread. Idempotent.
  void stop();

  // Counts the times the database file was replaced under the writer
  // (db.restore). A component that read from the old file captures it when it
  // opens its connection and checks it in its write jobs (replaced_status()
  // when it moved), so nothing derived from the old file lands in the new one.
  // Any thread; mark_replaced() from a ReopenFn on the writer thread only.
  int64_t generation() const { return generation_.load(); }
  void mark_replaced() { ++generation_; }
  static Status replaced_status();

  const WriterStats& stats() const { return stats_; }
  // Set after a COMMIT failed with an I/O error: the file's state is uncertain,
  // so every later write is refused until a restart. Empty while healthy.
  std::string degraded() const;

 private:
  struct Job {
    std::string origin;
    WriteFn fn;
    WriteDone done;
    Durability durability = Durability::kFull;
    RawFn raw;
    ReopenFn reopen;
    int64_t queued_at_ms = 0;  // monotonic; bounds how long the job waits for a lock
  };

  void run();
  void run_group(std::vector<Job>& group, Durability durability);
  void set_synchronous(Durability d);
  void bound_wal();

  std::unique_ptr<Db> db_;
  CommittedHook on_committed_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> client_;      // guarded by mu_
  std::deque<Job> background_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::string degraded_;        // guarded by mu_
  Durability sync_ = Durability::kFull;  // writer thread only
  int64_t next_wal_try_ms_ = 0;          // writer thread only
  WriterStats stats_;
  std::atomic<int64_t> generation_{0};
  std::thread thread_;
};

}  // namespace cairn::store
