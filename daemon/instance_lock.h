// One daemon per data directory and per socket path.
//
// lock_data_dir() takes an flock on <data_dir>/cairnd.lock: a second cairnd on
// the same database exits with a message naming the first one's pid; the kernel
// releases the lock when a daemon dies, even by kill -9.
// claim_socket_path() takes an flock beside the socket (so two daemons starting
// at once cannot both unlink it), then decides what is at the path: nothing
// (fine), a live socket (refused), a stale socket (removed), anything else
// (refused, left untouched). It also makes the socket's directory 0700.
// Startup thread only.
#pragma once

#include <string>

#include "base/fd.h"
#include "base/status.h"

namespace cairn {

Result<Fd> lock_data_dir(const std::string& data_dir);
Result<Fd> claim_socket_path(const std::string& socket_path);

}  // namespace cairn
