#include "daemon/db_ops.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "base/thread_name.h"

namespace cairn {

void Op::progress(int64_t done, int64_t total, const char* unit) {
  int64_t now = monotonic_ms();
  {
    std::lock_guard lock(mu_);
    if (done < total && now - last_progress_ms_ < 250) return;
    last_progress_ms_ = now;
  }
  DbOps* ops = &ops_;
  ops_.s_.poster.post([ops, name = name_, done, total, u = std::string(unit)] {
    ops->publish(name, "progress", Json{{"done", done}, {"total", total}, {"unit", u}});
  });
}

bool Op::cancelled() const { return ops_.stopping_.load() || ops_.cancel_.load(); }

Status Op::cancelled_status() const {
  if (ops_.stopping_.load()) return Status(Code::kBusy, "cairnd is stopping");
  return Status(Code::kBusy, "db." + name_ + " was cancelled (db.cancel)");
}

void Op::watch(store::Db& db) {
  sqlite3_progress_handler(
      db.get(), 10000, [](void* p) { return static_cast<Op*>(p)->cancelled() ? 1 : 0; }, this);
}

void Op::finish(Result<Json> result) {
  if (finished_.exchange(true)) return;
  DbOps* ops = &ops_;
  ops_.s_.poster.post([ops, name = name_, reply = std::move(reply_), r = std::move(result)] {
    ops->running_.clear();
    Json outcome{{"operation", name}, {"at", format_iso8601(wall_ms())}, {"ok", static_cast<bool>(r)}};
    if (r) {
      ops->publish(name, "done", Json{{"result", *r}});
    } else {
      outcome["error"] = r.status().to_string();
      spdlog::warn("db.{} failed: {}", name, r.status().to_string());
      ops->publish(name, "failed", Json{{"error", r.status().to_string()}});
    }
    ops->last_ = outcome;
    reply(r);
  });
}

void DbOps::start(std::string name, std::function<void(std::shared_ptr<Op>)> work, Reply reply) {
  if (stopping_) {
    reply(Status(Code::kBusy, "cairnd is stopping"));
    return;
  }
  if (!running_.empty()) {
    reply(Status(Code::kConflict, "another database operation (" + running_ +
                                      ") is running; try again when it has finished"));
    return;
  }
  // The previous operation's thread has returned from its work (it may have
  // handed its finish to the writer): joining is immediate.
  if (thread_.joinable()) thread_.join();
  running_ = name;
  cancel_ = false;
  publish(name, "started", Json::object());
  std::shared_ptr<Op> op(new Op(*this, name, std::move(reply)));
  thread_ = std::thread([op, w = std::move(work)] {
    set_thread_name("cairn-dbop");
    try {
      w(op);
    } catch (const std::exception& e) {
      op->finish(internal_error(std::string("db.") + op->name() + " failed: " + e.what()));
    }
  });
}

std::string DbOps::cancel() {
  if (running_.empty()) return "";
  cancel_ = true;
  return running_;
}

Json DbOps::status() const {
  return Json{{"running", running_.empty() ? Json() : Json(running_)}, {"last", last_}};
}

void DbOps::shutdown() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void DbOps::publish(const std::string& op, const std::string& kind, Json extra) {
  store::Change c;
  c.at_ms = wall_ms();
  c.topic = "db";
  c.kind = kind;
  c.entity_id = op;
  extra["operation"] = op;
  c.extra = std::move(extra);
  s_.hub.publish({c});
}

}  // namespace cairn
