// UvHandle<T>: the one owner of a heap-allocated libuv handle. The handle's memory
// is freed in its close callback, as libuv requires, so the owner may go away
// before the loop has run that callback. Loop thread only.
#pragma once

#include <uv.h>

#include <utility>

namespace cairn {

template <typename T>
class UvHandle {
 public:
  UvHandle() = default;
  // Allocates the handle; `init` runs uv_*_init on it and returns its result.
  template <typename Init>
  int init(Init&& fn) {
    close();
    h_ = new T{};
    int rc = fn(h_);
    if (rc != 0) {
      delete h_;
      h_ = nullptr;
    }
    return rc;
  }
  UvHandle(UvHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  UvHandle& operator=(UvHandle&& o) noexcept {
    if (this != &o) {
      close();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  ~UvHandle() { close(); }

  T* get() const { return h_; }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(h_); }
  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(h_); }
  explicit operator bool() const { return h_ != nullptr; }

  void close() {
    if (!h_) return;
    auto* h = reinterpret_cast<uv_handle_t*>(std::exchange(h_, nullptr));
    if (!uv_is_closing(h)) {
      uv_close(h, [](uv_handle_t* x) { delete reinterpret_cast<T*>(x); });
    }
  }

 private:
  T* h_ = nullptr;
};

}  // namespace cairn
