// ApprovalWaits: the agents blocked in approvals.wait, and the expiry timer.
//
// No thread ever blocks on a wait. A waiter is an entry in a loop-thread map
// holding the call's Reply and a monotonic timeout timer. It is answered from a
// fresh read of the approval when:
//   - the read made right after it registered finds it already decided;
//   - a committed change of that approval is observed (Services::change_observers:
//     the decision's own changelog entry, so nothing is missed between the
//     first read and the decision);
//   - its timeout fires (answered with timed_out: true);
//   - the daemon shuts down (BUSY: wait again after the restart);
//   - db.restore replaced the database: every waiter is read again from the
//     restored file (answered if decided or missing there, else waits on, its
//     deadline taken from the restored row);
//   - its connection closes (the answer is dropped; the waiter is gone).
// Expiry: a periodic timer (approval_expiry_interval_ms) asks a reader whether
// any pending approval is past its deadline and, only then, submits the write
// job that expires them (recorded, so waiters and subscribers hear it). A waiter
// whose approval has a deadline also arms a timer for that moment, so it is
// answered promptly whatever the interval.
//
// Owned by the approvals method family (shared_ptr captured by its handlers);
// loop thread only, except that its jobs run on readers and the writer and post
// their results back through the LoopPoster.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/uv_handle.h"
#include "daemon/registry.h"
#include "daemon/services.h"

namespace cairn {

class ApprovalWaits : public std::enable_shared_from_this<ApprovalWaits> {
 public:
  explicit ApprovalWaits(Services& s) : s_(s) {}

  // Hooks the change observer, the shutdown handler and the expiry timer.
  void start();
  // Registers a waiter for approval `id` on connection `conn`; `reply` is
  // called exactly once (also when the connection closes first).
  void wait(ipc::ConnId conn, const std::string& id, int64_t timeout_ms, Reply reply);
  // Submits the expiry pass now (no-op while one is running; it reruns after).
  void expire_now();

  size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter {
    ApprovalWaits* owner = nullptr;
    uint64_t key = 0;
    ipc::ConnId conn = 0;
    std::string id;
    Reply reply;
    UvHandle<uv_timer_t> timeout;
    UvHandle<uv_timer_t> deadline;  // the approval's expires_at, once known
  };

  void check(uint64_t key, bool timed_out);
  void on_read(uint64_t key, bool timed_out, Result<std::optional<Json>> row);
  void answer(uint64_t key, Result<Json> result);
  void on_changes(const std::vector<store::Change>& changes);
  void on_disconnect(ipc::ConnId conn);
  void on_restore();
  void arm_deadline(Waiter& w, const Json& row);
  void periodic_check();
  void shutdown();

  Services& s_;
  std::map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  uint64_t next_key_ = 1;
  UvHandle<uv_timer_t> expiry_timer_;
  bool expiring_ = false;      // an expiry job is queued or running
  bool expire_again_ = false;  // asked for while one was running
  bool stopping_ = false;
};

}  // namespace cairn
