#include "ipc/server.h"

#include <malloc.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>

#include "base/clock.h"
#include "base/tsan_fd.h"

namespace cairn::ipc {

struct Server::Connection {
  Server* server = nullptr;
  ConnId id = 0;
  UvHandle<uv_pipe_t> pipe;
  Decoder decoder;
  PeerInfo peer;
  size_t in_flight = 0;
  bool reading = false;
  bool closing = false;
  bool processing = false;  // inside process(): replies must not re-enter it
  // The peer shut down its sending side: no more requests, but the replies to
  // those already read are still written before the connection closes.
  bool eof = false;
  bool starved = false;  // whole messages wait for held_bytes_ to drop
  // Decoded size of each request in flight, by msgid, counted in held_bytes_.
  std::unordered_multimap<uint32_t, size_t> held;
  int64_t partial_since_ms = 0;  // when the buffered partial frame started; 0 = none
  int64_t close_deadline_ms = 0;
  // When queued output last moved (or was first queued); 0 = nothing queued.
  int64_t output_since_ms = 0;
  explicit Connection(const Limits& l) : decoder(l) {}
};

struct Server::WriteReq {
  uv_write_t req;
  std::string data;
  Server* server;
  ConnId conn;
};

namespace {

struct ShutdownReq {
  uv_shutdown_t req;
  Server* server;
  ConnId conn;
};

// After EOF: true when the peer only shut down its sending side, false when it
// closed the socket (Linux reports POLLHUP on a Unix socket then: both
// directions are shut), so nobody would read the replies.
bool peer_still_reads(uv_pipe_t* p) {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(p), &fd) != 0) return false;
  pollfd q{fd, POLLOUT, 0};
  if (::poll(&q, 1, 0) < 0) return false;
  return (q.revents & (POLLHUP | POLLERR)) == 0;
}

size_t write_queue(const uv_pipe_t* p) {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(p));
}

}  // namespace

Server::Server(uv_loop_t* loop, ServerOptions options) : loop_(loop), opts_(options) {
  sweep_.init([&](uv_timer_t* t) { return uv_timer_init(loop_, t); });
  sweep_.get()->data = this;
  uv_timer_start(sweep_.get(), &Server::on_sweep, 1000, 1000);
}

Server::~Server() { close_all(); }

Status Server::listen_path(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status(Code::kInvalidParams, "socket path is longer than " +
                                            std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                            " bytes: " + path);
  }
  int rc = listener_.init([&](uv_pipe_t* p) { return uv_pipe_init(loop_, p, 0); });
  if (rc == 0) {
    mode_t old = umask(077);
    rc = uv_pipe_bind(listener_.get(), path.c_str());
    umask(old);
  }
  if (rc == 0) rc = chmod(path.c_str(), 0600) == 0 ? 0 : uv_translate_sys_error(errno);
  if (rc == 0) {
    listener_.get()->data = this;
    rc = uv_listen(listener_.stream(), 128, &Server::on_connection);
  }
  if (rc != 0) {
    listener_.close();
    return Status(Code::kIoError, "cannot listen on " + path + ": " + uv_strerror(rc));
  }
  return Status::ok();
}

Status Server::listen_fd(int fd) {
  int rc = listener_.init([&](uv_pipe_t* p) { return uv_pipe_init(loop_, p, 0); });
  if (rc == 0) rc = uv_pipe_open(listener_.get(), fd);
  if (rc == 0) {
    listener_.get()->data = this;
    rc = uv_listen(listener_.stream(), 128, &Server::on_connection);
  }
  if (rc != 0) {
    listener_.close();
    return Status(Code::kIoError,
                  std::string("cannot listen on inherited socket: ") + uv_strerror(rc));
  }
  return Status::ok();
}

void Server::stop_listening() { listener_.close(); }

void Server::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0) {
    spdlog::warn("accept failed: {}", uv_strerror(status));
    return;
  }
  self->accept_one();
}

void Server::accept_one() {
  auto c = std::make_unique<Connection>(opts_.limits);
  c->server = this;
  c->id = next_id_++;
  if (c->pipe.init([&](uv_pipe_t* p) { return uv_pipe_init(loop_, p, 0); }) != 0) return;
  if (uv_accept(listener_.stream(), c->pipe.stream()) != 0) return;
  uv_os_fd_t fd;
  uv_fileno(c->pipe.handle(), &fd);
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    c->peer = {cred.pid, cred.uid};
  }
  if (opts_.check_peer_uid && c->peer.uid != geteuid()) {
    ++stats_.refused;
    spdlog::warn("refused connection from uid {} pid {}: not the owner", c->peer.uid, c->peer.pid);
    return;  // the UvHandle closes it
  }
  if (conns_.size() >= opts_.max_clients) {
    ++stats_.refused;
    spdlog::warn("refused connection from pid {}: {} clients already connected", c->peer.pid,
                 conns_.size());
    return;
  }
  c->pipe.get()->data = c.get();
  ++stats_.accepted;
  ++stats_.connections;
  spdlog::debug("connection {} from pid {}", c->id, c->peer.pid);
  Connection& ref = *c;
  conns_.emplace(c->id, std::move(c));
  update_reading(ref);
}

void Server::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  Server* self = static_cast<Connection*>(h->data)->server;
  *buf = uv_buf_init(self->read_buf_, sizeof self->read_buf_);
}

void Server::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  Server* self = c->server;
  if (nread == UV_EOF && peer_still_reads(c->pipe.get())) {
    // A half-closed peer (`nc -N`, socat) still reads: answer everything it
    // sent, then close.
    c->eof = true;
    self->update_reading(*c);
    self->process(*c);
    return;
  }
  if (nread < 0) {
    self->close_now(c->id);
    return;
  }
  if (nread == 0) return;
  if (c->decoder.buffered() == 0) c->partial_since_ms = monotonic_ms();
  c->decoder.feed(std::string_view(buf->base, static_cast<size_t>(nread)));
  self->process(*c);
}

void Server::process(Connection& c) {
  ConnId id = c.id;
  c.processing = true;
  while (!c.closing && c.in_flight < opts_.max_in_flight) {
    // Requests of all connections together hold at most max_held_bytes once
    // decoded (plus the one that crosses it). Nobody waits forever: while
    // anything is held, a reply is coming that frees it.
    if (held_bytes_ >= opts_.max_held_bytes && c.decoder.has_frame()) {
      c.starved = true;
      starved_.insert(id);
      break;
    }
    DecodeError err;
    bool failed = false;
    auto msg = c.decoder.next(err, failed);
    if (failed) {
      bool go_on = fail(c, err);
      if (!go_on || !find(id)) return;
      continue;
    }
    if (!msg) break;
    if (msg->type == MessageType::kRequest) {
      ++c.in_flight;
      c.held.emplace(msg->msgid, msg->decoded_bytes);
      held_bytes_ += msg->decoded_bytes;
      if (held_bytes_ > held_peak_) held_peak_ = held_bytes_;
      handler_->on_request(id, std::move(*msg));
    } else if (msg->type == MessageType::kNotification) {
      handler_->on_notification(id, std::move(*msg));
    }                       // responses from a client answer nothing we asked: dropped
    if (!find(id)) return;  // the handler closed it
  }
  c.processing = false;
  // The read deadline is for a message the peer has only partly sent, never
  // for whole messages held back here (in-flight cap, memory budget).
  bool partial = c.decoder.buffered() > 0 && !c.decoder.has_frame();
  c.partial_since_ms = partial ? (c.partial_since_ms ? c.partial_since_ms : monotonic_ms()) : 0;
  update_reading(c);
  finish_if_done(c);
}

void Server::finish_if_done(Connection& c) {
  // After EOF: close once every request read has its reply queued. A partial
  // message left at EOF can never complete and is dropped.
  if (c.eof && !c.closing && !c.processing && c.in_flight == 0 && !c.decoder.has_frame()) {
    close_after_flush(c);
  }
}

void Server::update_reading(Connection& c) {
  size_t queued = write_queue(c.pipe.get());
  size_t limit = c.reading ? opts_.pause_write_bytes : opts_.resume_write_bytes;
  bool want = reading_enabled_ && !c.closing && !c.eof && !c.starved &&
              c.in_flight < opts_.max_in_flight && queued < limit;
  if (want == c.reading) return;
  if (want) {
    c.reading = uv_read_start(c.pipe.stream(), &Server::on_alloc, &Server::on_read) == 0;
  } else {
    uv_read_stop(c.pipe.stream());
    c.reading = false;
  }
}

void Server::reply(ConnId conn, uint32_t msgid, const Status& error, const Json& result) {
  reply(conn, encode_reply(msgid, error, result));
}

void Server::reply(ConnId conn, std::string encoded) {
  Connection* c = find(conn);
  if (!c) return;
  if (c->in_flight > 0) --c->in_flight;
  release(*c, response_msgid(encoded));
  if (c->closing) {
    resume_starved();
    return;
  }
  write(*c, std::move(encoded));
  c = find(conn);
  if (c && !c->closing && !c->processing) {
    // Requests held back by the in-flight cap may now be decoded.
    if (c->decoder.buffered() > 0)
      process(*c);
    else
      update_reading(*c);
    if (Connection* again = find(conn)) finish_if_done(*again);
  }
  resume_starved();
}

void Server::release(Connection& c, std::optional<uint32_t> msgid) {
  auto it = msgid ? c.held.find(*msgid) : c.held.end();
  if (it == c.held.end() && !c.held.empty() && c.in_flight == 0) it = c.held.begin();
  if (it == c.held.end()) return;
  held_bytes_ -= std::min(held_bytes_, it->second);
  c.held.erase(it);
}

void Server::release_all(Connection& c) {
  for (const auto& [id, bytes] : c.held) held_bytes_ -= std::min(held_bytes_, bytes);
  c.held.clear();
}

void Server::resume_starved() {
  while (!starved_.empty() && held_bytes_ < opts_.max_held_bytes) {
    ConnId id = *starved_.begin();
    starved_.erase(starved_.begin());
    Connection* c = find(id);
    if (!c) continue;
    c->starved = false;
    if (!c->closing && !c->processing) process(*c);
  }
}

void Server::notify(ConnId conn, std::string_view method, const Json& params) {
  Connection* c = find(conn);
  if (!c || c->closing) return;
  write(*c, encode_notification(method, params));
}

void Server::send(ConnId conn, std::string encoded) {
  Connection* c = find(conn);
  if (!c || c->closing) return;
  write(*c, std::move(encoded));
}

void Server::write(Connection& c, std::string bytes) {
  // A peer that does not read: earlier output already fills the cap. One
  // large reply on a moving queue is not that (replies over the cap are
  // answered TOO_LARGE before they get here).
  size_t queued = write_queue(c.pipe.get());
  if (queued > 0 && queued + bytes.size() > opts_.max_write_bytes + opts_.max_reply_bytes) {
    spdlog::warn("connection {} (pid {}) does not read its replies: disconnected", c.id,
                 c.peer.pid);
    ++stats_.slow_readers;
    close_now(c.id);
    return;
  }
  auto* w = new WriteReq{{}, std::move(bytes), this, c.id};
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  w->req.data = w;
  int rc = uv_write(&w->req, c.pipe.stream(), &b, 1, &Server::on_write);
  if (rc != 0) {
    delete w;
    close_now(c.id);
    return;
  }
  if (c.output_since_ms == 0 && write_queue(c.pipe.get()) > 0) c.output_since_ms = monotonic_ms();
  update_reading(c);
}

void Server::on_write(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Server* self = w->server;
  ConnId id = w->conn;
  delete w;
  if (status == UV_ECANCELED) return;
  if (status < 0) {
    self->close_now(id);
    return;
  }
  if (Connection* c = self->find(id); c && !c->closing) {
    // A completed write is progress: the stall clock starts again, or stops
    // when nothing is left queued.
    c->output_since_ms = write_queue(c->pipe.get()) > 0 ? monotonic_ms() : 0;
    self->update_reading(*c);
  }
}

bool Server::fail(Connection& c, const DecodeError& err) {
  ++stats_.protocol_errors;
  spdlog::info("connection {} (pid {}): {}", c.id, c.peer.pid, err.status.to_string());
  if (err.msgid) {
    write(c, encode_response(*err.msgid, err.status, nullptr));
    if (!err.fatal) return true;
  } else {
    write(c, encode_notification("error", Json::array({error_value(err.status)})));
  }
  if (Connection* again = find(c.id)) close_after_flush(*again);
  return false;
}

void Server::close_after_flush(Connection& c) {
  if (c.closing) return;
  c.closing = true;
  uv_read_stop(c.pipe.stream());
  c.reading = false;
  c.close_deadline_ms = monotonic_ms() + 2000;
  auto* req = new ShutdownReq{{}, this, c.id};
  req->req.data = req;
  int rc = uv_shutdown(&req->req, c.pipe.stream(), [](uv_shutdown_t* r, int) {
    auto* s = static_cast<ShutdownReq*>(r->data);
    Server* self = s->server;
    ConnId id = s->conn;
    delete s;
    self->close_now(id);
  });
  if (rc != 0) {
    delete req;
    close_now(c.id);
  }
}

void Server::close_now(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  std::unique_ptr<Connection> c = std::move(it->second);
  conns_.erase(it);
  release_all(*c);
  starved_.erase(id);
  --stats_.connections;
  spdlog::debug("connection {} closed", id);
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(c->pipe.get()), &fd) != 0) fd = -1;
  c->pipe.close();  // libuv drops the socket from epoll and closes it here
  note_close_for_tsan(fd);
  handler_->on_disconnect(id);
}

void Server::on_sweep(uv_timer_t* t) {
  auto* self = static_cast<Server*>(t->data);
  int64_t now = monotonic_ms();
  std::vector<ConnId> doomed;
  for (auto& [id, c] : self->conns_) {
    if (c->closing && now > c->close_deadline_ms) doomed.push_back(id);
    if (!c->closing && c->partial_since_ms && c->decoder.buffered() > 0 &&
        !c->decoder.has_frame() && now - c->partial_since_ms > self->opts_.read_deadline_ms) {
      spdlog::info("connection {} (pid {}): request not completed within {} ms", id, c->peer.pid,
                   self->opts_.read_deadline_ms);
      doomed.push_back(id);
    } else if (!c->closing && c->output_since_ms && write_queue(c->pipe.get()) > 0 &&
               now - c->output_since_ms > self->opts_.write_deadline_ms) {
      // Backpressure (reading paused at pause_write_bytes) keeps a peer that
      // never reads under max_write_bytes; it would hold its connection and
      // output forever.
      spdlog::warn(
          "connection {} (pid {}) does not read its replies: no output taken for {} ms, "
          "disconnected",
          id, c->peer.pid, self->opts_.write_deadline_ms);
      ++self->stats_.slow_readers;
      doomed.push_back(id);
    }
  }
  for (ConnId id : doomed) self->close_now(id);
  // Memory freed by connections that closed lets waiting ones go on.
  self->resume_starved();
  // Decoding a burst of large requests leaves freed memory in malloc's arenas;
  // give it back once the burst is over.
  if (self->held_bytes_ == 0 && self->held_peak_ >= self->opts_.trim_after_bytes) {
    self->held_peak_ = 0;
    malloc_trim(0);
  }
}

std::optional<PeerInfo> Server::peer(ConnId conn) const {
  if (Connection* c = find(conn)) return c->peer;
  return std::nullopt;
}

void Server::stop_reading_all() {
  reading_enabled_ = false;
  for (auto& [id, c] : conns_) update_reading(*c);
}

void Server::close_all() {
  listener_.close();
  sweep_.close();
  std::vector<ConnId> ids;
  for (auto& [id, c] : conns_) ids.push_back(id);
  for (ConnId id : ids) close_now(id);
}

Server::Connection* Server::find(ConnId id) const {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

}  // namespace cairn::ipc
