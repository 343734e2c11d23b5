#include "store/reader_pool.h"

#include <string>

#include "base/thread_name.h"

namespace cairn::store {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, int threads) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  pool->path_ = path;
  for (int i = 0; i < threads; ++i) {
    CAIRN_ASSIGN_OR_RETURN(auto db, Db::open(path, OpenMode::kReadOnly));
    pool->dbs_.push_back(std::move(db));
  }
  for (int i = 0; i < threads; ++i) {
    pool->threads_.emplace_back([p = pool.get(), i] { p->run(i); });
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
    paused_ = false;  // a stopped pool never resumes; let the readers drain and exit
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ReaderPool::pause() {
  std::unique_lock lock(mu_);
  paused_ = true;
  idle_cv_.wait(lock, [&] { return busy_ == 0; });
  // No reader runs a job and none will take one while paused_: the slots are ours.
  for (auto& db : dbs_) db.reset();
}

Status ReaderPool::resume() {
  std::vector<std::unique_ptr<Db>> fresh;
  for (size_t i = 0; i < threads_.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(auto db, Db::open(path_, OpenMode::kReadOnly));
    fresh.push_back(std::move(db));
  }
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < fresh.size(); ++i) dbs_[i] = std::move(fresh[i]);
    paused_ = false;
  }
  cv_.notify_all();
  return Status::ok();
}

void ReaderPool::run(int index) {
  std::string name = "cairn-read-" + std::to_string(index);
  set_thread_name(name.c_str());
  for (;;) {
    ReadFn fn;
    Db* db = nullptr;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return (stopping_ && !paused_) || (!paused_ && !queue_.empty()); });
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
      db = dbs_[static_cast<size_t>(index)].get();
      ++busy_;
    }
    --queued_;
    if (db) {
      fn(*db);
      db->reset_statements();  // never carry a snapshot into the next job
    }
    {
      std::lock_guard lock(mu_);
      --busy_;
    }
    idle_cv_.notify_all();
  }
}

}  // namespace cairn::store
