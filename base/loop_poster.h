// LoopPoster: the only way work crosses into the loop thread. Any thread may
// post(); the functions run on the loop thread in the order they were posted.
// uv_async_send coalesces wake-ups, so the callback drains the whole queue.
//
// Created and closed on the loop thread; post() is thread-safe and is a no-op
// once close() has run.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <mutex>

#include "base/uv_handle.h"

namespace cairn {

class LoopPoster {
 public:
  explicit LoopPoster(uv_loop_t* loop);
  ~LoopPoster();
  LoopPoster(const LoopPoster&) = delete;
  LoopPoster& operator=(const LoopPoster&) = delete;

  void post(std::function<void()> fn);
  // Runs what is queued, then stops accepting work and closes the handle.
  void close();

 private:
  static void on_async(uv_async_t* a);
  void drain();

  UvHandle<uv_async_t> async_;
  std::mutex mu_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool closed_ = false;                      // guarded by mu_
};

}  // namespace cairn
