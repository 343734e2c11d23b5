#include "fuzz/dispatch_driver.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz/structured_input.h"
#include "ipc/codec.h"

namespace cairn::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kPingId = 0xfffffff0u;

int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Writes everything, reading (and keeping) answers while the socket is full so
// a peer that answers as it reads cannot deadlock us. False when the peer closed.
bool write_all(int fd, std::string_view bytes, ipc::Decoder& answers, Clock::time_point deadline) {
  while (!bytes.empty()) {
    pollfd p{fd, POLLOUT | POLLIN, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) return false;
    if (p.revents & POLLIN) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) return false;
      if (n > 0) answers.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
    if (p.revents & (POLLERR | POLLHUP)) return false;
    if (p.revents & POLLOUT) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
      if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  return true;
}

// Replies may be as large as the daemon sends (8 MiB) and decode to more than
// a request may.
ipc::Limits answer_limits() {
  ipc::Limits l;
  l.max_frame_bytes = 64u << 20;
  l.max_string_bytes = 64u << 20;
  l.max_elements = 1u << 24;
  l.max_depth = 128;
  l.max_values = 1u << 26;
  l.max_decoded_bytes = size_t{1} << 34;
  return l;
}

// Counts responses already decoded; false when the answer stream is broken.
bool count_answers(ipc::Decoder& answers, size_t& count, bool& got_ping) {
  for (;;) {
    ipc::DecodeError err;
    bool failed = false;
    auto m = answers.next(err, failed);
    if (failed) return false;
    if (!m) return true;
    if (m->type != ipc::MessageType::kResponse) continue;  // event notifications
    if (m->msgid == kPingId && m->error.is_null()) got_ping = true;
    ++count;
  }
}

}  // namespace

bool denied_method(std::string_view m) {
  // daemon.shutdown stops the daemon under test. db.backup, db.export,
  // db.import and db.restore read or write files at paths the input chooses.
  // files.track watches and hashes any directory the input names (up to /).
  // approvals.wait may legitimately wait for minutes.
  return m == "daemon.shutdown" || m == "db.backup" || m == "db.export" || m == "db.import" ||
         m == "db.restore" || m == "files.track" || m == "approvals.wait";
}

bool ping(const std::string& socket_path, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    int fd = connect_to(socket_path);
    if (fd < 0) {
      ::usleep(10000);
      continue;
    }
    ipc::Decoder answers;
    bool ok = write_all(fd, ipc::encode_request(kPingId, "daemon.ping", Json::array()), answers,
                        deadline);
    size_t count = 0;
    bool got_ping = false;
    while (ok && !got_ping && count_answers(answers, count, got_ping)) {
      if (got_ping) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, ms_left(deadline)) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      answers.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
    ::close(fd);
    if (got_ping) return true;
  }
  return false;
}

bool shutdown(const std::string& socket_path, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = connect_to(socket_path);
  if (fd < 0) return false;
  ipc::Decoder answers;
  bool ok =
      write_all(fd, ipc::encode_request(1, "daemon.shutdown", Json::array()), answers, deadline);
  while (ok) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) break;
    char buf[4096];
    if (::recv(fd, buf, sizeof(buf), 0) <= 0) break;  // closed: the daemon is stopping
  }
  ::close(fd);
  return ok;
}

DriveResult drive_dispatch(const std::string& socket_path, const uint8_t* data, size_t size,
                           int answer_timeout_ms, bool structured) {
  DriveResult r;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // Where the frames end, as the daemon's decoder sees them.
  size_t expected = 0;
  {
    ipc::Decoder d;
    d.feed(input);
    for (;;) {
      size_t before = size - d.buffered();
      ipc::DecodeError err;
      bool failed = false;
      auto m = d.next(err, failed);
      if (failed) {
        if (err.msgid) ++expected;
        if (err.fatal) {
          r.sent_bytes = size;  // the daemon answers, then closes
          break;
        }
        r.sent_bytes = size - d.buffered();
        continue;
      }
      if (!m) break;  // an incomplete tail is not sent
      if (m->type == ipc::MessageType::kRequest || m->type == ipc::MessageType::kNotification) {
        if (structured ? structured_denied(m->method) : denied_method(m->method)) {
          r.sent_bytes = before;
          break;
        }
      }
      if (m->type == ipc::MessageType::kRequest) {
        ++expected;
        ++r.requests;
      }
      r.sent_bytes = size - d.buffered();
    }
  }

  int fd = connect_to(socket_path);
  if (fd < 0) {
    std::fprintf(stderr, "dispatch driver: cannot connect to %s\n", socket_path.c_str());
    std::abort();
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(answer_timeout_ms);
  ipc::Decoder answers(answer_limits());
  std::string out(input.substr(0, r.sent_bytes));
  out += ipc::encode_request(kPingId, "daemon.ping", Json::array());
  bool open = write_all(fd, out, answers, deadline);
  bool got_ping = false;
  size_t count = 0;
  for (;;) {
    if (!count_answers(answers, count, got_ping)) {
      std::fprintf(stderr, "dispatch driver: the daemon sent bytes that are not msgpack-RPC\n");
      std::abort();
    }
    if (got_ping && count >= expected + 1) break;
    if (!open) {
      r.closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) {
      r.timed_out = true;
      break;
    }
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      open = false;  // count what arrived, then stop
      continue;
    }
    answers.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  ::close(fd);
  r.answers = count > 0 && got_ping ? count - 1 : count;

  if (!ping(socket_path, 10000)) {
    std::fprintf(stderr, "dispatch driver: the daemon stopped answering daemon.ping\n");
    std::abort();
  }
  return r;
}

}  // namespace cairn::fuzz
