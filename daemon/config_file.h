// Reads the optional TOML config file into a Config. Keys mirror the flags:
//   socket = "...", data_dir = "...", log_level = "debug", max_clients = 64,
//   reader_threads = 2, slow_request_ms = 100, changelog_retention_days = 90
// A missing file is fine; a malformed one or an unknown key is an error that
// names the line.
#pragma once

#include <string>

#include "base/status.h"
#include "daemon/config.h"

namespace cairn {

Status apply_config_file(const std::string& path, bool must_exist, Config& config);

}  // namespace cairn
