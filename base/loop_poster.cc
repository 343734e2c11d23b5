#include "base/loop_poster.h"

namespace cairn {

LoopPoster::LoopPoster(uv_loop_t* loop) {
  async_.init([&](uv_async_t* a) { return uv_async_init(loop, a, &LoopPoster::on_async); });
  async_.get()->data = this;
}

LoopPoster::~LoopPoster() { close(); }

void LoopPoster::post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  queue_.push_back(std::move(fn));
  uv_async_send(async_.get());
}

void LoopPoster::on_async(uv_async_t* a) { static_cast<LoopPoster*>(a->data)->drain(); }

void LoopPoster::drain() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(queue_);
  }
  for (auto& fn : batch) fn();
}

void LoopPoster::close() {
  drain();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    queue_.clear();
  }
  async_.close();
}

}  // namespace cairn
