// Telling ThreadSanitizer about descriptors closed where it cannot see.
//
// TSan tracks each descriptor number through the calls it intercepts. GCC 12's
// libtsan intercepts open, accept4 and close, but not openat or openat2, and
// libuv closes its sockets with a raw close syscall. So when a client socket
// closed by libuv had its number reused by an openat below a root and closed by
// an Fd, TSan saw that close race with the loop's earlier epoll_ctl on the
// socket (the TSan soak run). Server tells TSan of each socket it closes, right
// after libuv did (uv_close removes it from epoll and closes it at once); TSan
// then forgets the number's history. No-op in other builds.
#pragma once

#ifdef CAIRN_WITH_TSAN
extern "C" void __sanitizer_syscall_pre_impl_close(long fd);
#endif

namespace cairn {

inline void note_close_for_tsan([[maybe_unused]] int fd) {
#ifdef CAIRN_WITH_TSAN
  if (fd >= 0) __sanitizer_syscall_pre_impl_close(fd);
#endif
}

}  // namespace cairn
