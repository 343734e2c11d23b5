// Small helpers shared by the benchmark programs: latency percentiles, running
// a baseline tool and reading its output, and a fixed-width report line.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"

namespace cairn::bench {

// Percentile `p` (0..100) of latencies in microseconds; sorts `us`.
inline double percentile_us(std::vector<int64_t>& us, double p) {
  if (us.empty()) return 0;
  std::sort(us.begin(), us.end());
  size_t i = static_cast<size_t>(p / 100.0 * (us.size() - 1) + 0.5);
  return static_cast<double>(us[std::min(i, us.size() - 1)]);
}

// Runs a shell command line and returns what it printed (stdout and stderr).
inline std::string shell(const std::string& command_line) {
  return testing::run_command({"sh", "-c", command_line}, {}, 600000).output;
}

inline void line(const char* what, double value, const char* unit) {
  std::printf("  %-46s %12.1f %s\n", what, value, unit);
}

}  // namespace cairn::bench
