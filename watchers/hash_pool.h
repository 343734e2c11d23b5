// HashPool: worker threads that hash files (one per core, at least two), fed
// by the crawler. At most `max_outstanding` jobs are in the pool at once
// (queued, running, or finished and not yet collected), which bounds memory on
// a tree of a million files.
//
// submit() and collect() are for the crawler thread only (one producer and
// consumer); the pool's threads are internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "watchers/hasher.h"

namespace cairn::watchers {

struct HashJob {
  int64_t root_id = 0;
  std::string path;  // absolute
  std::string root;  // the root's path: `dir` is opened below it
  std::string dir;
  std::string name;
  int attempts = 0;
  // What the crawl's lstat saw: used for an unreadable file's row.
  int64_t size = 0, mtime_ns = 0, inode = 0;
};

struct HashDone {
  HashJob job;
  HashResult result;
};

class HashPool {
 public:
  HashPool(int threads, int64_t text_cap, size_t max_outstanding = 512);
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  bool full() const;
  void submit(HashJob job);
  // Finished jobs; with `wait`, blocks until at least one is ready (returns
  // empty only when nothing is outstanding).
  std::vector<HashDone> collect(bool wait);
  size_t outstanding() const;

 private:
  void run();

  const int64_t text_cap_;
  std::atomic<bool> cancel_{false};  // set by the destructor
  const size_t max_outstanding_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<HashJob> queue_;   // guarded by mu_
  std::vector<HashDone> done_;  // guarded by mu_
  size_t outstanding_ = 0;      // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace cairn::watchers
