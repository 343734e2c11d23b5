// Small probes the protocol, systemd and reliability tests share: what a
// process costs (RSS, CPU ticks from /proc), whether a peer closed a socket,
// raw bytes for hand-made frames, a file's text, and a bounded poll. Header
// only; any thread.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"

namespace cairn::testing {

inline std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// A "Vm...:" line of /proc/PID/status in KiB (VmRSS, VmHWM = peak RSS), -1
// when it cannot be read.
inline int64_t status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

inline int64_t rss_kib(pid_t pid) { return status_kib(pid, "VmRSS"); }

// utime + stime of `pid` in clock ticks (sysconf(_SC_CLK_TCK) per second), -1
// when it cannot be read.
inline int64_t cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces: fields are counted after its ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() < 13) return -1;
  return std::stoll(f[11]) + std::stoll(f[12]);  // fields 14 and 15 of stat(5)
}

// Open descriptors of `pid`, -1 when they cannot be listed.
inline int open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  int n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return -1;
    ++n;
  }
  return n;
}

// True when the peer closed the connection within `ms` (whatever it sent
// before is read and dropped).
inline bool closed_within(int fd, int ms) {
  int64_t deadline = monotonic_ms() + ms;
  char buf[4096];
  while (monotonic_ms() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }
  return false;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `pred` every 20 ms for up to `ms`; its last answer.
inline bool wait_until(const std::function<bool()>& pred, int ms = 5000) {
  int64_t end = monotonic_ms() + ms;
  while (monotonic_ms() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// The p-th percentile (0..100) of `v` (sorted in place); 0 when empty.
inline int64_t percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace cairn::testing
