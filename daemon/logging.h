// Sets up spdlog for cairnd: stderr, a log file, and journald when started by
// systemd with its stream (JOURNAL_STREAM). Startup thread, before other threads.
#pragma once

#include <string>

#include "base/status.h"

namespace cairn {

Status init_logging(const std::string& level, const std::string& log_file);

}  // namespace cairn
