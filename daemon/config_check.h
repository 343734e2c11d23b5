// validate_config: refuses, before anything starts, settings with which cairnd
// cannot work (no reader threads, no clients, a database at "/cairn.db", a
// timer of 0 that would spin, ...). Each numeric setting has a sane range; each
// path must be absolute. The message names the setting, its value and the
// range. Startup thread only.
#pragma once

#include "base/status.h"
#include "daemon/config.h"

namespace cairn {

Status validate_config(const Config& config);

}  // namespace cairn
