// Starting cairnd on demand: under an flock (so two CLIs racing start one
// daemon), fork, setsid, exec cairnd detached with its output to the log, then
// wait until the socket answers.
#pragma once

#include <string>

#include "base/status.h"

namespace cairn::cli {

// Starts cairnd for `socket` unless one answers already; waits up to `wait_ms`.
Status spawn_daemon(const std::string& socket, int wait_ms);
// The cairnd binary: beside this executable, else from $PATH.
std::string cairnd_path();

}  // namespace cairn::cli
