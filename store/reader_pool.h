// ReaderPool: threads that each own one read-only connection (WAL lets them read
// beside the writer). A job gets the connection of whichever thread runs it.
// submit() from any thread; jobs run in FIFO order across the pool.
// pause() and resume() (restore) close every connection and open them again on
// the same path, which by then may name another file; jobs submitted meanwhile
// wait in the queue. Call them from one thread at a time, never from a reader.
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

#include "base/status.h"
#include "store/db.h"

namespace cairn::store {

using ReadFn = std::function<void(Db&)>;

class ReaderPool {
 public:
  // Opens `threads` read-only connections to `path` (the writer has created it).
  static Result<std::unique_ptr<ReaderPool>> open(const std::string& path, int threads);
  ~ReaderPool();  // stops after running what is queued
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  void submit(ReadFn fn);
  void stop();
  int64_t queued() const { return queued_; }
  // Waits until every reader has finished its current job, then closes all the
  // connections. Queued jobs stay queued.
  void pause();
  // Opens the connections again and lets the readers go on. On failure the pool
  // stays paused and the error says why.
  Status resume();

 private:
  ReaderPool() = default;
  void run(int index);

  std::string path_;
  std::vector<std::unique_ptr<Db>> dbs_;  // a reader's own slot; null while paused
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReadFn> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  bool paused_ = false;       // guarded by mu_
  int busy_ = 0;              // readers running a job; guarded by mu_
  std::condition_variable idle_cv_;
  std::atomic<int64_t> queued_{0};
};

}  // namespace cairn::store
