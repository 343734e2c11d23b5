#include "watchers/hash_pool.h"

#include "base/thread_name.h"
#include "base/thread_priority.h"

namespace cairn::watchers {

HashPool::HashPool(int threads, int64_t text_cap, size_t max_outstanding, int64_t max_bytes,
                   const std::atomic<bool>* stop)
    : text_cap_(text_cap), max_bytes_(max_bytes), stop_(stop), max_outstanding_(max_outstanding) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { run(); });
}

HashPool::~HashPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool HashPool::full() const {
  std::lock_guard lock(mu_);
  return outstanding_ >= max_outstanding_;
}

size_t HashPool::outstanding() const {
  std::lock_guard lock(mu_);
  return outstanding_;
}

void HashPool::submit(HashJob job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
    ++outstanding_;
  }
  work_cv_.notify_one();
}

std::vector<HashDone> HashPool::collect(bool wait) {
  std::unique_lock lock(mu_);
  if (wait) done_cv_.wait(lock, [&] { return !done_.empty() || outstanding_ == 0; });
  std::vector<HashDone> out;
  out.swap(done_);
  outstanding_ -= out.size();
  return out;
}

void HashPool::run() {
  set_background_priority();  // before the name: a named thread is reniced
  set_thread_name("cairn-hash");
  for (;;) {
    HashJob job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    HashResult r = hash_file(job.dir, job.name, text_cap_, stop_ ? stop_ : &cancel_, job.root,
                             job.dir_fd ? job.dir_fd->get() : -1, max_bytes_);
    {
      std::lock_guard lock(mu_);
      done_.push_back({std::move(job), std::move(r)});
    }
    done_cv_.notify_one();
  }
}

}  // namespace cairn::watchers
