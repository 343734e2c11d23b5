// ReaderPool: threads that each own one read-only connection (WAL lets them read
// beside the writer). A job gets the connection of whichever thread runs it.
// submit() from any thread; jobs run in FIFO order across the pool.
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

 private:
  ReaderPool() = default;
  void run(Db& db, int index);

  std::vector<std::unique_ptr<Db>> dbs_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReadFn> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::atomic<int64_t> queued_{0};
};

}  // namespace cairn::store
