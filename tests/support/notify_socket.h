// NotifySocket: a datagram socket standing in for systemd's NOTIFY_SOCKET, so
// tests can see READY=1, WATCHDOG=1 and STOPPING=1 without a service manager.
// One test thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {

struct Notice {
  int64_t at_ms = 0;  // monotonic, when it was received
  std::string text;   // e.g. "WATCHDOG=1"
};

class NotifySocket {
 public:
  NotifySocket();
  // What to put in NOTIFY_SOCKET.
  std::string path() const { return dir_ / "notify"; }
  // Every datagram received within `ms`; stops after one containing `until`.
  std::vector<Notice> receive(int ms, const std::string& until = "");
  // The texts of `notices`, one a line.
  static std::string joined(const std::vector<Notice>& notices);

 private:
  TempDir dir_;
  Fd fd_;
};

}  // namespace cairn::testing
