#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace cairn {

void set_background_priority() {
  // On Linux a nice value belongs to one thread, named by its thread id. The
  // main thread's (id = process id) is the base: a background thread started
  // by another one inherited its already lowered value.
  errno = 0;
  int base = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::getpid()));
  if (errno != 0) return;
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), base + kBackgroundNice);
}

}  // namespace cairn
