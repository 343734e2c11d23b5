// DbOps: runs the long database operations (backup, restore, export, import,
// check, compact) one at a time, each on a thread of its own, so that neither
// the loop nor the readers wait for them. A second operation while one runs is
// CONFLICT: restore needs every other connection closed, and two copies of a
// large file at once only make both slower.
//
// Progress and the outcome are published on topic "db" (kind "progress", then
// "done" or "failed", id = the operation's name); they are not changelog rows.
//
// cancel() (db.cancel) asks the running operation to give up: copies stop at
// their next step, long statements are interrupted; a restore past its copy
// (the swap itself) and an import already in the writer finish as they are.
//
// start(), cancel(), status() and shutdown() on the loop thread. An Op is handed to the
// operation's thread; its methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/json.h"
#include "base/status.h"
#include "daemon/registry.h"
#include "daemon/services.h"
#include "store/db.h"

namespace cairn {

class DbOps;

class Op {
 public:
  const std::string& name() const { return name_; }
  // Publishes progress at most every 250 ms (and always the last step).
  void progress(int64_t done, int64_t total, const char* unit);
  // True once the daemon is stopping or db.cancel asked: the operation should
  // give up (and answer cancelled_status()).
  bool cancelled() const;
  Status cancelled_status() const;
  // Makes long SQLite statements on `db` stop (SQLITE_INTERRUPT) once cancelled.
  void watch(store::Db& db);
  // Ends the operation: replies, publishes the outcome, frees the slot. Exactly
  // once, from any thread.
  void finish(Result<Json> result);

 private:
  friend class DbOps;
  Op(DbOps& ops, std::string name, Reply reply)
      : ops_(ops), name_(std::move(name)), reply_(std::move(reply)) {}

  DbOps& ops_;
  std::string name_;
  Reply reply_;
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  int64_t last_progress_ms_ = 0;  // guarded by mu_
};

class DbOps {
 public:
  explicit DbOps(Services& s) : s_(s) {}
  ~DbOps() { shutdown(); }

  // Runs `work` on a new thread; `work` must call op.finish() (perhaps later,
  // from another thread). Replies CONFLICT at once when an operation runs.
  void start(std::string name, std::function<void(std::shared_ptr<Op>)> work, Reply reply);
  // Asks the running operation to stop; returns its name ("" when none runs).
  std::string cancel();
  // {running: name or null, last: {operation, at, ok, ...}}
  Json status() const;
  // Asks the running operation to stop and waits for its thread.
  void shutdown();

  Services& services() { return s_; }

 private:
  friend class Op;
  void publish(const std::string& op, const std::string& kind, Json extra);  // loop thread

  Services& s_;
  std::string running_;  // loop thread
  Json last_;            // loop thread
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancel_{false};  // db.cancel of the running operation
  std::thread thread_;
};

}  // namespace cairn
