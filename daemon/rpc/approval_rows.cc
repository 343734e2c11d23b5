#include "daemon/rpc/approval_rows.h"

#include "daemon/rpc/columns.h"
#include "daemon/rpc/notifications.h"

namespace cairn {

namespace {

// At most this many approvals expire per pass; the next pass takes the rest.
constexpr int64_t kExpireBatch = 1000;

}  // namespace

Result<std::optional<Json>> find_approval(store::Db& db, const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("SELECT id, action_type, details, requested_by, task_id, status, decided_at, "
                "decision_note, expires_at, created_at FROM approvals WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  // Reset before returning: a statement left on a row keeps a reader's snapshot
  // open, and that connection's later reads would not see newer commits.
  struct ResetAfter {
    store::Stmt* s;
    ~ResetAfter() { s->reset(); }
  } reset_after{s};
  return std::optional<Json>(Json{{"id", s->text(0)},
                                  {"action_type", s->text(1)},
                                  {"details", columns::json(*s, 2)},
                                  {"requested_by", columns::text(*s, 3)},
                                  {"task_id", columns::text(*s, 4)},
                                  {"status", s->text(5)},
                                  {"decided_at", columns::time(*s, 6)},
                                  {"decision_note", columns::text(*s, 7)},
                                  {"expires_at", columns::time(*s, 8)},
                                  {"created_at", columns::time(*s, 9)}});
}

Json approval_event_fields(const Json& row) {
  return Json{{"status", row["status"]},
              {"action_type", row["action_type"]},
              {"task_id", row["task_id"]},
              {"requested_by", row["requested_by"]}};
}

Status settle_request_notification(store::WriteTxn& txn, const std::string& approval_id) {
  std::string id = approval_notification_id(approval_id);
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q,
                         txn.db().cached("SELECT status FROM notifications WHERE id = ?1"));
  q->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  bool settle = row && q->text(0) == "unread";
  q->reset();
  if (!settle) return Status::ok();
  return mark_notification(txn, id, "read").status();
}

Result<std::vector<std::string>> expire_pending(store::WriteTxn& txn, int64_t now_ms) {
  auto& db = txn.db();
  std::vector<std::string> ids;
  {
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * q,
        db.cached("SELECT id FROM approvals WHERE status = 'pending' AND expires_at IS NOT NULL "
                  "AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2"));
    q->bind_all(now_ms, kExpireBatch);
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
      if (!row) break;
      ids.push_back(q->text(0));
    }
    q->reset();
  }
  for (const auto& id : ids) {
    CAIRN_ASSIGN_OR_RETURN(auto old, find_approval(db, id));
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * up,
        db.cached("UPDATE approvals SET status = 'expired', decided_at = ?2 WHERE id = ?1 AND "
                  "status = 'pending'"));
    CAIRN_RETURN_IF_ERROR(up->bind_all(id, now_ms).run());
    CAIRN_ASSIGN_OR_RETURN(auto now, find_approval(db, id));
    CAIRN_RETURN_IF_ERROR(
        txn.record("approvals", "update", id, *old, *now, approval_event_fields(*now)).status());
    CAIRN_RETURN_IF_ERROR(settle_request_notification(txn, id));
  }
  return ids;
}

}  // namespace cairn
