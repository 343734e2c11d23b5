#include "daemon/dispatcher.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "ipc/codec.h"

namespace cairn {

namespace {

const Json kNoResult;

template <typename Fn>
Result<Json> guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const Json::exception& e) {
    return invalid_params(e.what());
  } catch (const std::exception& e) {
    return internal_error(e.what());
  }
}

// guarded(), with the handler's time added to its method's cost.
template <typename Fn>
Result<Json> timed(MethodCost* cost, Fn&& fn) {
  int64_t t0 = monotonic_ns();
  Result<Json> r = guarded(std::forward<Fn>(fn));
  cost->add((monotonic_ns() - t0) / 1000);
  return r;
}

// The encoded reply, or TOO_LARGE to the same msgid when it would pass what
// one reply may take: the connection stays, and the caller learns to ask for
// less. A peer that does not read is another matter (the server's queue cap).
// `st` becomes the status actually sent.
std::string capped(std::string bytes, uint32_t msgid, const std::string& method, size_t max_bytes,
                   Status& st) {
  if (bytes.size() <= max_bytes) return bytes;
  st = Status(Code::kTooLarge,
              "the reply to " + method + " would be " + std::to_string(bytes.size()) +
                  " bytes, over the " + std::to_string(max_bytes) +
                  " a reply may take: ask for fewer items (a smaller limit or page_size) and "
                  "page through the rest (the cursor, next_offset or "
                  "logs_next_offset it returns)");
  return ipc::encode_response(msgid, st, nullptr);
}

}  // namespace

void Dispatcher::on_request(ipc::ConnId conn, ipc::Message&& req) {
  int64_t start = monotonic_ns();
  const Method* m = registry_.find(req.method);
  uint32_t msgid = req.msgid;
  std::string name = req.method;
  if (!m) {
    std::string shown = name.size() > 80 ? name.substr(0, 80) + "..." : name;
    finish(conn, msgid, name, start, Status(Code::kMethodNotFound, "no method named " + shown));
    return;
  }
  ++services_.requests.in_flight;
  CallContext ctx;
  ctx.conn = conn;
  if (auto peer = services_.server.peer(conn)) ctx.origin = "pid:" + std::to_string(peer->pid);
  auto params = std::make_shared<Json>(std::move(req.params));
  LoopPoster& poster = services_.poster;
  // Runs on the reader or writer thread: the reply is encoded (and the result
  // freed) there, so the loop thread only writes bytes.
  size_t max_reply = services_.server.max_reply_bytes();
  auto reply_later = [this, conn, msgid, name, start, &poster, max_reply](Result<Json> r) {
    Status st = r.status();
    std::string bytes =
        capped(ipc::encode_reply(msgid, st, r ? *r : kNoResult), msgid, name, max_reply, st);
    poster.post([this, conn, name, start, st = std::move(st), bytes = std::move(bytes)]() mutable {
      finish_encoded(conn, name, start, st, std::move(bytes));
    });
  };
  MethodCost* cost = m->cost.get();
  if (auto* h = std::get_if<LoopHandler>(&m->handler)) {
    finish(conn, msgid, name, start, timed(cost, [&] { return (*h)(ctx, *params); }));
  } else if (auto* h = std::get_if<ReadHandler>(&m->handler)) {
    services_.readers.submit([h, params, reply_later, cost](store::Db& db) {
      reply_later(timed(cost, [&] { return (*h)(db, *params); }));
    });
  } else if (auto* h = std::get_if<WriteHandler>(&m->handler)) {
    services_.writer.submit(
        ctx.origin,
        [h, params, cost](store::WriteTxn& txn) {
          return timed(cost, [&] { return (*h)(txn, *params); });
        },
        reply_later, m->durability);
  } else if (auto* h = std::get_if<AsyncHandler>(&m->handler)) {
    auto done = std::make_shared<bool>(false);
    Reply reply = [this, conn, msgid, name, start, done](Result<Json> r) {
      if (*done) return;
      *done = true;
      finish(conn, msgid, name, start, r);
    };
    try {
      (*h)(ctx, *params, reply);
    } catch (const std::exception& e) {
      reply(internal_error(e.what()));
    }
  }
}

void Dispatcher::finish(ipc::ConnId conn, uint32_t msgid, const std::string& method,
                        int64_t start_ns, const Result<Json>& result) {
  // Both branches are lvalues, so the reply is encoded from the result in place:
  // `result ? *result : Json()` deep-copied every reply on the loop thread.
  Status st = result.status();
  std::string bytes = capped(ipc::encode_reply(msgid, st, result ? *result : kNoResult), msgid,
                             method, services_.server.max_reply_bytes(), st);
  finish_encoded(conn, method, start_ns, st, std::move(bytes));
}

void Dispatcher::finish_encoded(ipc::ConnId conn, const std::string& method, int64_t start_ns,
                                const Status& st, std::string encoded) {
  const Method* m = registry_.find(method);
  if (m) --services_.requests.in_flight;
  ++services_.requests.served;
  double ms = static_cast<double>(monotonic_ns() - start_ns) / 1e6;
  if (!st.is_ok()) ++services_.requests.errors;
  // Async methods finish later by design (approvals.wait): never "slow".
  bool waits = m && std::holds_alternative<AsyncHandler>(m->handler);
  if (!waits && ms > services_.config.slow_request_ms) {
    ++services_.requests.slow;
    spdlog::warn("slow request {} took {:.1f} ms{}", method, ms,
                 st.is_ok() ? "" : " (" + st.to_string() + ")");
  } else {
    spdlog::debug("{} {:.3f} ms{}", method, ms, st.is_ok() ? "" : " " + st.to_string());
  }
  services_.server.reply(conn, std::move(encoded));
}

void Dispatcher::on_notification(ipc::ConnId, ipc::Message&& n) {
  spdlog::debug("ignored notification {}", n.method);
}

void Dispatcher::on_disconnect(ipc::ConnId conn) {
  services_.hub.drop(conn);
  for (const auto& observe : services_.disconnect_observers) observe(conn);
}

}  // namespace cairn
