#include "tests/support/notify_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdio>

#include "base/clock.h"

namespace cairn::testing {

NotifySocket::NotifySocket() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path().c_str());
  EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{0, 10000};  // recv wakes every 10 ms to check the deadline
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

std::vector<Notice> NotifySocket::receive(int ms, const std::string& until) {
  std::vector<Notice> out;
  int64_t deadline = monotonic_ms() + ms;
  char buf[512];
  while (monotonic_ms() < deadline) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n <= 0) continue;
    out.push_back({monotonic_ms(), std::string(buf, static_cast<size_t>(n))});
    if (!until.empty() && out.back().text.find(until) != std::string::npos) break;
  }
  return out;
}

std::string NotifySocket::joined(const std::vector<Notice>& notices) {
  std::string all;
  for (const auto& n : notices) all += n.text + "\n";
  return all;
}

}  // namespace cairn::testing
