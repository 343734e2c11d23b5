// Server: the msgpack-RPC listener and its connections on the libuv loop.
//
// Jobs: accept connections (refusing other users by SO_PEERCRED and anything
// past max_clients), decode requests under Limits, hand them to a
// ServerHandler, and write replies and notifications. Ordering: replies and
// notifications to one connection leave in the order reply()/notify() was called.
// Backpressure: a connection stops being read while it has max_in_flight
// unanswered requests or its write queue is above pause_write_bytes, and is
// read again below resume_write_bytes; a peer that lets the queue pass
// max_write_bytes, or whose queued output does not move for write_deadline_ms
// (a peer that never reads, held under the cap by the pause above), is
// disconnected. A protocol violation gets a last error, then
// the connection is shut down. A frame left half-sent for read_deadline_ms is
// dropped with its connection; whole frames the server holds back do not count.
// Memory: decoded requests in flight on all connections hold at most
// max_held_bytes (plus the message that crosses it); a connection waiting for
// that budget is not read.
// A peer that shuts down its sending side (EOF) still gets the replies to
// every request it sent; the connection closes once they are written.
//
// Loop thread only, including construction and destruction. The loop must run
// until every handle has closed before the Server is destroyed.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "base/json.h"
#include "base/status.h"
#include "base/uv_handle.h"
#include "ipc/codec.h"
#include "ipc/limits.h"

namespace cairn::ipc {

using ConnId = uint64_t;

struct PeerInfo {
  pid_t pid = 0;
  uid_t uid = 0;
};

class ServerHandler {
 public:
  virtual ~ServerHandler() = default;
  virtual void on_request(ConnId conn, Message&& request) = 0;
  virtual void on_notification(ConnId conn, Message&& notification) = 0;
  virtual void on_disconnect(ConnId conn) = 0;
};

struct ServerOptions {
  Limits limits;
  size_t max_clients = 256;
  size_t max_in_flight = 64;
  size_t pause_write_bytes = 1u << 20;
  size_t resume_write_bytes = 64u << 10;
  size_t max_write_bytes = 8u << 20;
  // One reply may take at most this many bytes; the caller answers TOO_LARGE
  // instead (see encode_capped_reply). The queue may hold max_write_bytes of
  // earlier output plus one such reply before the peer counts as not reading.
  size_t max_reply_bytes = 8u << 20;
  // Decoded requests in flight on all connections together (Message::
  // decoded_bytes): past it, connections with a request in flight are not
  // decoded further until replies free memory.
  size_t max_held_bytes = 32u << 20;
  // After a burst whose requests held this much, freed memory is returned to
  // the system (malloc_trim) once nothing is held.
  size_t trim_after_bytes = 16u << 20;
  int read_deadline_ms = 10000;
  int write_deadline_ms = 10000;
  bool check_peer_uid = true;
};

// Counters any thread may read.
struct ServerStats {
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> refused{0};  // over max_clients or another user
  std::atomic<int64_t> protocol_errors{0};
  std::atomic<int64_t> slow_readers{0};  // cut off for not reading their replies
};

class Server {
 public:
  Server(uv_loop_t* loop, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Who gets the requests; set before listening.
  void set_handler(ServerHandler* handler) { handler_ = handler; }
  // Binds a fresh socket at `path` (mode 0600, created under umask 077). The
  // caller has made sure nothing is at `path`.
  Status listen_path(const std::string& path);
  // Listens on an inherited, already bound socket (systemd socket activation).
  Status listen_fd(int fd);
  void stop_listening();

  void reply(ConnId conn, uint32_t msgid, const Status& error, const Json& result);
  // A reply already encoded (encode_reply), e.g. on the thread that ran the
  // method, so the loop thread only writes it.
  void reply(ConnId conn, std::string encoded);
  void notify(ConnId conn, std::string_view method, const Json& params);
  // A notification already encoded (encode_notification).
  void send(ConnId conn, std::string encoded);
  std::optional<PeerInfo> peer(ConnId conn) const;
  // Stops reading every connection (shutdown drains what is in flight).
  void stop_reading_all();
  void close_all();

  const ServerStats& stats() const { return stats_; }
  // Decoded size of the requests in flight on every connection.
  size_t held_bytes() const { return held_bytes_; }
  size_t max_reply_bytes() const { return opts_.max_reply_bytes; }

 private:
  struct Connection;
  struct WriteReq;

  static void on_connection(uv_stream_t* listener, int status);
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_sweep(uv_timer_t* t);

  void accept_one();
  void process(Connection& c);
  void update_reading(Connection& c);
  void finish_if_done(Connection& c);
  void release(Connection& c, std::optional<uint32_t> msgid);
  void release_all(Connection& c);
  void resume_starved();
  void write(Connection& c, std::string bytes);
  // Answers a bad message; false when the connection must close.
  bool fail(Connection& c, const DecodeError& err);
  void close_after_flush(Connection& c);
  void close_now(ConnId id);
  Connection* find(ConnId id) const;

  uv_loop_t* loop_;
  ServerOptions opts_;
  ServerHandler* handler_ = nullptr;
  UvHandle<uv_pipe_t> listener_;
  UvHandle<uv_timer_t> sweep_;
  std::unordered_map<ConnId, std::unique_ptr<Connection>> conns_;
  ConnId next_id_ = 1;
  bool reading_enabled_ = true;
  size_t held_bytes_ = 0;     // decoded size of every request in flight
  size_t held_peak_ = 0;      // largest held_bytes_ since the last trim
  std::set<ConnId> starved_;  // waiting for held_bytes_ to drop
  char read_buf_[64 * 1024];
  ServerStats stats_;
};

}  // namespace cairn::ipc
