#include "store/reader_pool.h"

#include <string>

#include "base/thread_name.h"

namespace cairn::store {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, int threads) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  for (int i = 0; i < threads; ++i) {
    CAIRN_ASSIGN_OR_RETURN(auto db, Db::open(path, OpenMode::kReadOnly));
    pool->dbs_.push_back(std::move(db));
  }
  for (int i = 0; i < threads; ++i) {
    Db& db = *pool->dbs_[static_cast<size_t>(i)];
    pool->threads_.emplace_back([p = pool.get(), &db, i] { p->run(db, i); });
  }
  return pool;
}

ReaderPool::~ReaderPool() { stop(); }

void ReaderPool::submit(ReadFn fn) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(fn));
  }
  ++queued_;
  cv_.notify_one();
}

void ReaderPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ReaderPool::run(Db& db, int index) {
  std::string name = "cairn-read-" + std::to_string(index);
  set_thread_name(name.c_str());
  for (;;) {
    ReadFn fn;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    --queued_;
    fn(db);
  }
}

}  // namespace cairn::store
