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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.h"
#include "watchers/hasher.h"

namespace cairn::watchers {

struct HashJob {
  int64_t root_id = 0;
  std::string path;  // absolute
  std::string root;  // the root's path: `dir` is opened below it
  std::string dir;
  std::string name;
  int attempts = 0;
  // `dir`, already open below the root (deep directories: no path walk per file).
  std::shared_ptr<Fd> dir_fd;
  // What the crawl's lstat saw: used for an unreadable file's row.
  int64_t size = 0, mtime_ns = 0, inode = 0;
};

struct HashDone {
  HashJob job;
  HashResult result;
};

class HashPool {
 public:
  // `max_bytes`: what one file may give before it is left unread (kOverCap);
  // 0: no cap. `stop` (may be null): the owner's stop flag; once set, reads in
  // progress end at their next chunk (kTransient) and nothing waits on them.
  HashPool(int threads, int64_t text_cap, size_t max_outstanding = 512, int64_t max_bytes = 0,
           const std::atomic<bool>* stop = nullptr);
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
  const int64_t max_bytes_;
  const std::atomic<bool>* stop_;
  std::atomic<bool> cancel_{false};  // set by the destructor, or mirrors *stop_
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
