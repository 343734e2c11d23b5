// Client: a blocking msgpack-RPC client over a Unix socket, for the CLI, the
// tests and the benchmarks. Plain POSIX sockets with poll() deadlines, no libuv.
// Notifications that arrive while waiting for a reply are kept for
// next_notification(). One thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/json.h"
#include "base/status.h"
#include "ipc/codec.h"

namespace cairn::ipc {

struct Notification {
  std::string method;
  Json params;
};

class Client {
 public:
  // IO_ERROR when nothing listens at `path`; the message says why.
  static Result<Client> connect(const std::string& path, int timeout_ms = 2000);

  Client(Client&&) = default;
  Client& operator=(Client&&) = default;

  // Sends `method` with `args` (a map, or null for none) as params [args] and
  // waits for its reply. A reply error becomes its Status; a timeout or a closed
  // connection is IO_ERROR.
  Result<Json> call(std::string_view method, const Json& args = nullptr, int timeout_ms = 30000);
  // Sends a request without waiting; returns its msgid.
  Result<uint32_t> send(std::string_view method, const Json& args);
  // Waits for the reply to `msgid`.
  Result<Json> wait(uint32_t msgid, int timeout_ms);
  Result<Notification> next_notification(int timeout_ms);
  // Writes raw bytes (protocol tests).
  Status send_raw(std::string_view bytes);
  // Reads one message of any kind (protocol tests); IO_ERROR on timeout or EOF.
  Result<Message> read_message(int timeout_ms);
  int fd() const { return fd_.get(); }

 private:
  explicit Client(Fd fd);

  Fd fd_;
  Decoder decoder_;
  uint32_t next_id_ = 1;
  std::deque<Notification> notifications_;
};

}  // namespace cairn::ipc
