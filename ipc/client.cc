#include "ipc/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"

namespace cairn::ipc {

namespace {

Limits client_limits() {
  Limits l;
  l.max_frame_bytes = 1u << 30;  // replies such as an export can be large
  l.max_string_bytes = 1u << 30;
  l.max_elements = 1u << 26;
  l.max_depth = 64;
  l.max_values = 1u << 30;
  l.max_decoded_bytes = size_t{1} << 40;  // bounded by the frame and values above
  return l;
}

}  // namespace

Client::Client(Fd fd) : fd_(std::move(fd)), decoder_(client_limits()) {}

Result<Client> Client::connect(const std::string& path, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return Status(Code::kInvalidParams, "socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status(Code::kIoError, std::string("socket: ") + strerror(errno));
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Status(Code::kIoError, "cannot connect to " + path + ": " + strerror(errno));
  }
  return Client(std::move(fd));
}

Status Client::send_raw(std::string_view bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_.get(), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Code::kIoError, std::string("send: ") + strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return Status::ok();
}

Result<Message> Client::read_message(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    DecodeError err;
    bool failed = false;
    auto msg = decoder_.next(err, failed);
    if (failed) return err.status;
    if (msg) return std::move(*msg);
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return Status(Code::kIoError, "timed out waiting for the daemon");
    pollfd p{fd_.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(Code::kIoError, "the daemon closed the connection");
    decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Result<uint32_t> Client::send(std::string_view method, const Json& args) {
  uint32_t id = next_id_++;
  Json params = args.is_null() ? Json::array() : Json::array({args});
  CAIRN_RETURN_IF_ERROR(send_raw(encode_request(id, method, params)));
  return id;
}

Result<Json> Client::wait(uint32_t msgid, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    int64_t left = deadline - monotonic_ms();
    CAIRN_ASSIGN_OR_RETURN(Message m, read_message(static_cast<int>(left > 0 ? left : 0)));
    if (m.type == MessageType::kNotification) {
      if (m.method == "error" && m.params.is_array() && !m.params.empty()) {
        Status st = status_from_error_value(m.params[0]);
        notifications_.push_back({std::move(m.method), std::move(m.params)});
        return st;
      }
      notifications_.push_back({std::move(m.method), std::move(m.params)});
      continue;
    }
    if (m.type != MessageType::kResponse || m.msgid != msgid) continue;
    if (!m.error.is_null()) return status_from_error_value(m.error);
    return std::move(m.result);
  }
}

Result<Json> Client::call(std::string_view method, const Json& args, int timeout_ms) {
  CAIRN_ASSIGN_OR_RETURN(uint32_t id, send(method, args));
  return wait(id, timeout_ms);
}

Result<Notification> Client::next_notification(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (notifications_.empty()) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return Status(Code::kIoError, "no notification arrived");
    CAIRN_ASSIGN_OR_RETURN(Message m, read_message(static_cast<int>(left)));
    if (m.type == MessageType::kNotification) {
      notifications_.push_back({std::move(m.method), std::move(m.params)});
    }
  }
  Notification n = std::move(notifications_.front());
  notifications_.pop_front();
  return n;
}

}  // namespace cairn::ipc
