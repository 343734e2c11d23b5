// Drives one fuzz input through a running cairnd over its Unix socket: the path
// every client request takes (Server -> Decoder -> Dispatcher -> Registry ->
// handler on the loop, a reader or the writer -> SQLite -> reply).
//
// The input is a byte stream of msgpack-RPC frames. It is first decoded with
// the daemon's own ipc::Decoder to find the frame boundaries:
//   - requests for methods that would leave the sandbox (stop the daemon, read
//     or write files at paths the input chooses, watch directories) are not
//     sent, nor is anything after them -- see denied_method();
//   - a trailing incomplete frame is not sent (the frame target covers split
//     and truncated frames; here it would only wait for the read deadline);
//   - everything else, including frames the decoder rejects, is sent as is.
// Then a daemon.ping is sent and every answer is read (one per request and per
// rejected request with a msgid, plus the ping) until the daemon has answered
// all of them or closed the connection. Finally the daemon must answer a
// daemon.ping on a fresh connection; if it does not, the driver aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::fuzz {

// Methods the driver never sends, and why (see dispatch_driver.cc).
bool denied_method(std::string_view method);

struct DriveResult {
  size_t sent_bytes = 0;
  size_t requests = 0;     // requests sent
  size_t answers = 0;      // responses read (without the closing ping)
  bool closed = false;     // the daemon closed the connection
  bool timed_out = false;  // not every answer came within the deadline
};

// Aborts when the daemon stops answering daemon.ping on a fresh connection.
// `structured`: the input came from structured_requests(), whose path
// parameters name only the sandbox's files, so only structured_denied()
// methods are held back.
DriveResult drive_dispatch(const std::string& socket_path, const uint8_t* data, size_t size,
                           int answer_timeout_ms = 2000, bool structured = false);

// Connects and pings until the daemon answers or `timeout_ms` passes.
bool ping(const std::string& socket_path, int timeout_ms);

// Asks the daemon to stop (daemon.shutdown) and waits until it closes the
// connection or `timeout_ms` passes. False when it could not be asked.
bool shutdown(const std::string& socket_path, int timeout_ms);

}  // namespace cairn::fuzz
