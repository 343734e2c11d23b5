#include "daemon/rpc/approval_waits.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "daemon/rpc/approval_rows.h"

namespace cairn {

void ApprovalWaits::start() {
  std::weak_ptr<ApprovalWaits> weak = weak_from_this();
  s_.change_observers.push_back([weak](const std::vector<store::Change>& changes) {
    if (auto self = weak.lock()) self->on_changes(changes);
  });
  s_.disconnect_observers.push_back([weak](ipc::ConnId conn) {
    if (auto self = weak.lock()) self->on_disconnect(conn);
  });
  s_.on_shutdown.push_back([weak] {
    if (auto self = weak.lock()) self->shutdown();
  });
  s_.restore_observers.push_back([weak] {
    if (auto self = weak.lock()) self->on_restore();
  });
  int every = s_.config.approval_expiry_interval_ms;
  if (every <= 0) return;
  expiry_timer_.init([&](uv_timer_t* t) { return uv_timer_init(s_.loop, t); });
  expiry_timer_.get()->data = this;
  // Never the reason the loop keeps running (a daemon that fails to start
  // after registering its methods must still exit).
  uv_unref(expiry_timer_.handle());
  uv_timer_start(
      expiry_timer_.get(),
      [](uv_timer_t* t) { static_cast<ApprovalWaits*>(t->data)->periodic_check(); },
      static_cast<uint64_t>(every), static_cast<uint64_t>(every));
}

void ApprovalWaits::wait(ipc::ConnId conn, const std::string& id, int64_t timeout_ms,
                         Reply reply) {
  if (stopping_) {
    reply(Status(Code::kBusy, "the daemon is shutting down; wait again after it restarts"));
    return;
  }
  uint64_t key = next_key_++;
  auto w = std::make_unique<Waiter>();
  w->owner = this;
  w->key = key;
  w->conn = conn;
  w->id = id;
  w->reply = std::move(reply);
  w->timeout.init([&](uv_timer_t* t) { return uv_timer_init(s_.loop, t); });
  w->timeout.get()->data = w.get();
  uv_timer_start(
      w->timeout.get(),
      [](uv_timer_t* t) {
        auto* waiter = static_cast<Waiter*>(t->data);
        waiter->owner->check(waiter->key, true);
      },
      static_cast<uint64_t>(timeout_ms), 0);
  waiters_.emplace(key, std::move(w));
  // Registered before this read: a decision committed after the read's snapshot
  // is seen by on_changes.
  check(key, false);
}

void ApprovalWaits::check(uint64_t key, bool timed_out) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  std::weak_ptr<ApprovalWaits> weak = weak_from_this();
  LoopPoster* poster = &s_.poster;
  s_.readers.submit([weak, poster, key, timed_out, id = it->second->id](store::Db& db) {
    auto row = find_approval(db, id);
    poster->post([weak, key, timed_out, row = std::move(row)]() mutable {
      if (auto self = weak.lock()) self->on_read(key, timed_out, std::move(row));
    });
  });
}

void ApprovalWaits::on_read(uint64_t key, bool timed_out, Result<std::optional<Json>> row) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  if (!row) return answer(key, row.status());
  if (!*row) return answer(key, not_found("no approval " + it->second->id));
  Json approval = std::move(**row);
  bool pending = approval["status"] == "pending";
  if (!pending || timed_out) {
    approval["timed_out"] = pending;
    return answer(key, approval);
  }
  arm_deadline(*it->second, approval);
}

void ApprovalWaits::arm_deadline(Waiter& w, const Json& row) {
  if (w.deadline || !row["expires_at"].is_string()) return;
  auto at = parse_iso8601(row["expires_at"].get<std::string>());
  if (!at) return;
  // A wall-clock deadline turned into a delay once: a later clock jump only
  // moves this prompt check; the periodic pass still expires it.
  int64_t delay = std::max<int64_t>(0, *at - wall_ms());
  w.deadline.init([&](uv_timer_t* t) { return uv_timer_init(s_.loop, t); });
  w.deadline.get()->data = this;
  uv_timer_start(
      w.deadline.get(), [](uv_timer_t* t) { static_cast<ApprovalWaits*>(t->data)->expire_now(); },
      static_cast<uint64_t>(delay), 0);
}

void ApprovalWaits::answer(uint64_t key, Result<Json> result) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  std::unique_ptr<Waiter> w = std::move(it->second);
  waiters_.erase(it);
  w->reply(std::move(result));
  // ~Waiter closes its timers; their callbacks never run after uv_close.
}

void ApprovalWaits::on_changes(const std::vector<store::Change>& changes) {
  if (waiters_.empty()) return;
  for (const auto& c : changes) {
    if (c.topic != "approvals") continue;
    std::vector<uint64_t> keys;
    for (const auto& [key, w] : waiters_) {
      if (w->id == c.entity_id) keys.push_back(key);
    }
    for (uint64_t key : keys) check(key, false);
  }
}

void ApprovalWaits::on_disconnect(ipc::ConnId conn) {
  std::vector<uint64_t> keys;
  for (const auto& [key, w] : waiters_) {
    if (w->conn == conn) keys.push_back(key);
  }
  // The reply goes nowhere; answering frees the waiter and its timers and
  // ends the call for the daemon's in-flight count.
  for (uint64_t key : keys) answer(key, Status(Code::kBusy, "the connection closed"));
}

void ApprovalWaits::on_restore() {
  std::vector<uint64_t> keys;
  for (auto& [key, w] : waiters_) {
    w->deadline.close();  // the restored row says when it expires
    keys.push_back(key);
  }
  for (uint64_t key : keys) check(key, false);
}

void ApprovalWaits::expire_now() {
  if (stopping_) return;
  if (expiring_) {
    expire_again_ = true;
    return;
  }
  expiring_ = true;
  std::weak_ptr<ApprovalWaits> weak = weak_from_this();
  LoopPoster* poster = &s_.poster;
  s_.writer.submit(
      "cairnd:expiry",
      [](store::WriteTxn& txn) -> Result<Json> {
        CAIRN_ASSIGN_OR_RETURN(auto ids, expire_pending(txn, txn.now_ms()));
        return Json(ids);
      },
      [weak, poster](Result<Json> r) {
        if (!r) spdlog::warn("approval expiry failed: {}", r.status().to_string());
        poster->post([weak] {
          auto self = weak.lock();
          if (!self) return;
          self->expiring_ = false;
          if (self->expire_again_) {
            self->expire_again_ = false;
            self->expire_now();
          }
        });
      });
}

void ApprovalWaits::periodic_check() {
  if (stopping_ || expiring_) return;
  // A read first: most ticks find nothing, and then the writer is not bothered.
  std::weak_ptr<ApprovalWaits> weak = weak_from_this();
  LoopPoster* poster = &s_.poster;
  s_.readers.submit([weak, poster](store::Db& db) {
    auto due = [&]() -> Result<int64_t> {
      CAIRN_ASSIGN_OR_RETURN(store::Stmt * q,
                             db.cached("SELECT EXISTS(SELECT 1 FROM approvals WHERE status = "
                                       "'pending' AND expires_at IS NOT NULL AND expires_at <= "
                                       "?1)"));
      q->bind_all(wall_ms());
      CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
      int64_t n = row ? q->int64(0) : 0;
      q->reset();  // never leave a reader's snapshot pinned
      return n;
    }();
    if (!due || *due == 0) return;
    poster->post([weak] {
      if (auto self = weak.lock()) self->expire_now();
    });
  });
}

void ApprovalWaits::shutdown() {
  stopping_ = true;
  expiry_timer_.close();
  std::vector<uint64_t> keys;
  for (const auto& [key, w] : waiters_) keys.push_back(key);
  for (uint64_t key : keys) {
    answer(key, Status(Code::kBusy, "the daemon is shutting down; wait again after it restarts"));
  }
}

}  // namespace cairn
