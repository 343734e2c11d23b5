// Worker: keeps the search index fresh, on its own thread. It reads with its own
// read-only connection and writes through the one Writer, in bounded batches on
// the background queue (behind client writes), waiting for each batch to commit
// before reading the next, so it never floods the writer.
//
// A pass visits every available source: drops documents the source no longer
// lists, chunks and writes every dirty one (generation or chunker version
// differs), then records the kind's counts in index_meta. Passes run when woken
// (a change on one of the sources' topics, debounced so a burst of saves makes
// one pass), at startup, and every `interval_s` (which also merges FTS5
// segments a step). index.rebuild marks documents dirty and wakes the worker;
// queries keep answering from the old chunks while it works.
//
// After db.restore (the writer's generation moved) batches read from the old
// file are refused by their own generation check, and the next pass reopens
// the connection on the new file first; the restore wakes the worker.
//
// Owned by the search RPC family; wake()/status() from any thread; stop() from
// the loop thread at shutdown, before the writer stops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/json.h"
#include "indexer/index_source.h"
#include "store/change.h"
#include "store/writer.h"

namespace cairn::indexer {

struct WorkerOptions {
  std::string db_path;
  int interval_s = 300;
  int debounce_ms = 100;
  // One batch is one writer transaction, and a client write that arrives
  // meanwhile waits for it: batches of 4 MiB held client writes up to 300 ms
  // in the soak run (writer.longest_background_ms shows the longest).
  int batch_docs = 64;                   // documents per write batch
  int64_t batch_bytes = 512 << 10;       // text per write batch
};

class Worker {
 public:
  Worker(WorkerOptions options, store::Writer& writer, Sources sources);
  ~Worker();

  void start();
  void stop();
  // Asks for a pass soon (debounced). Any thread.
  void wake();
  // True when one of `changes` may make a document dirty (its topic is a
  // source's, or it is an index.rebuild).
  bool concerns(const std::vector<store::Change>& changes) const;
  // Kinds of the sources, in order.
  std::vector<std::string> kinds() const;
  // The sources, for index.status (their SQL is usable from any connection).
  const Sources& sources() const { return sources_; }
  // {running, passes, last_pass_ms, last_pass_at, last_error, interval_s}.
  Json status() const;
  // Passes finished so far, and whether one is under way (any thread).
  int64_t passes() const { return passes_; }
  bool running() const { return running_; }

 private:
  void run();
  void pass(store::Db& db, bool periodic);
  // Indexes everything dirty in one source; false when stopping or on error.
  bool index_source(store::Db& db, IndexSource& src);
  // Submits one batch to the writer and waits for its commit.
  Status write_batch(std::shared_ptr<store::WriteFn> fn);
  void set_error(const std::string& e);

  WorkerOptions options_;
  store::Writer& writer_;
  Sources sources_;
  std::set<std::string> topics_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = true;     // guarded by mu_; the first pass runs at start
  bool stopping_ = false; // guarded by mu_
  std::atomic<bool> running_{false};
  std::atomic<int64_t> passes_{0};
  std::atomic<int64_t> last_pass_ms_{-1};
  std::atomic<int64_t> last_pass_at_{0};
  std::string last_error_;  // guarded by mu_
  // The writer generation of the worker's connection (worker thread only).
  int64_t db_generation_ = 0;
};

}  // namespace cairn::indexer
