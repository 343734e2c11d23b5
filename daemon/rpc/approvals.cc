// approvals.*: an agent asks a person before acting. A request raises a
// notification; a decision happens once (approve or reject); pending approvals
// past expires_at turn `expired` on a timer; approvals.wait lets an agent wait
// for the outcome without holding any thread (ApprovalWaits). Topic "approvals".
#include "daemon/params.h"
#include "daemon/retention.h"
#include "daemon/rpc/approval_rows.h"
#include "daemon/rpc/approval_waits.h"
#include "daemon/rpc/columns.h"
#include "daemon/rpc/notifications.h"
#include "daemon/rpc/register.h"

namespace cairn {

namespace {

const std::vector<std::string> kApprovalStatuses = {"pending", "approved", "rejected", "expired"};
constexpr size_t kMaxDetailsBytes = 1u << 20;
constexpr int64_t kMaxWaitMs = 24LL * 3600 * 1000;

Result<Json> request(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto id_arg = a.opt_str("id");
  auto action_type = a.str("action_type");
  auto details = a.opt_any("details");
  auto requested_by = a.opt_str("requested_by");
  auto expires_at = a.opt_time("expires_at");
  auto task_id = a.opt_str("task_id");
  if (action_type.empty()) return invalid_params("action_type must not be empty");
  CAIRN_ASSIGN_OR_RETURN(std::string id, columns::id_or_new(id_arg));
  CAIRN_ASSIGN_OR_RETURN(auto details_text, columns::json_text(details, "details"));
  if (details_text && details_text->size() > kMaxDetailsBytes) {
    return invalid_params("details is larger than 1 MiB as JSON");
  }
  Json wanted{{"action_type", action_type},
              {"details", details ? *details : Json()},
              {"requested_by", requested_by ? Json(*requested_by) : Json()},
              {"task_id", task_id ? Json(*task_id) : Json()},
              {"expires_at", expires_at ? Json(format_iso8601(*expires_at)) : Json()}};
  CAIRN_ASSIGN_OR_RETURN(auto existing, find_approval(txn.db(), id));
  if (existing) {
    CAIRN_RETURN_IF_ERROR(columns::same_content(
        *existing, wanted, {"action_type", "details", "requested_by", "task_id", "expires_at"},
        "approval " + id));
    return *existing;
  }
  int64_t created = txn.now_ms();
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      txn.db().cached("INSERT INTO approvals(id, action_type, details, requested_by, task_id, "
                      "status, expires_at, created_at) VALUES(?1, ?2, ?3, ?4, ?5, 'pending', ?6, "
                      "?7)"));
  CAIRN_RETURN_IF_ERROR(
      ins->bind_all(id, action_type, details_text, requested_by, task_id, expires_at, created)
          .run());
  CAIRN_ASSIGN_OR_RETURN(auto row, find_approval(txn.db(), id));
  CAIRN_RETURN_IF_ERROR(
      txn.record("approvals", "insert", id, nullptr, *row, approval_event_fields(*row)).status());

  // The person who decides hears of it through the inbox.
  NewNotification n;
  n.id = approval_notification_id(id);
  n.title = "Approval requested: " + action_type;
  n.message = (requested_by ? *requested_by : std::string("an agent")) + " asks to " + action_type +
              (task_id ? " (task " + *task_id + ")" : std::string()) +
              ". Decide with: cairn approve yes|no " + id;
  n.type = "approval";
  n.priority = "high";
  n.data = Json{{"approval_id", id},
                {"action_type", action_type},
                {"task_id", task_id ? Json(*task_id) : Json()}};
  n.at = created;
  CAIRN_RETURN_IF_ERROR(insert_notification(txn, n).status());
  return *row;
}

Result<Json> decide(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto id = a.str("id");
  auto decision = a.str("decision");
  auto note = a.opt_str("note");
  // The daemon's clock, never the caller's: a decision cannot be back-dated
  // to before a deadline that has passed.
  int64_t now = txn.now_ms();
  CAIRN_ASSIGN_OR_RETURN(auto old, find_approval(txn.db(), id));
  if (!old) return not_found("no approval " + id);
  std::string status = (*old)["status"];
  if (status != "pending") {
    return conflict("approval " + id + " is already " + status + "; a decision happens once");
  }
  const Json& expires = (*old)["expires_at"];
  if (expires.is_string()) {
    auto deadline = parse_iso8601(expires.get<std::string>());
    if (deadline && *deadline <= now) {
      return conflict("approval " + id + " expired at " + expires.get<std::string>());
    }
  }
  std::string next = decision == "approve" ? "approved" : "rejected";
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      txn.db().cached("UPDATE approvals SET status = ?2, decided_at = ?3, decision_note = ?4 "
                      "WHERE id = ?1 AND status = 'pending'"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(id, next, now, note).run());
  CAIRN_ASSIGN_OR_RETURN(auto row, find_approval(txn.db(), id));
  CAIRN_RETURN_IF_ERROR(
      txn.record("approvals", "update", id, *old, *row, approval_event_fields(*row)).status());
  CAIRN_RETURN_IF_ERROR(settle_request_notification(txn, id));
  return *row;
}

Result<Json> list(store::Db& db, const Json& params) {
  Args a(params);
  auto status = a.opt_str("status");
  auto task_id = a.opt_str("task_id");
  int64_t limit = a.opt_int("limit").value_or(100);
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * q,
      db.cached("SELECT id FROM approvals WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR "
                "task_id = ?2) ORDER BY created_at DESC, id LIMIT ?3"));
  q->bind_all(status, task_id, limit);
  std::vector<std::string> ids;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    ids.push_back(q->text(0));
  }
  Json items = Json::array();
  for (const auto& id : ids) {
    CAIRN_ASSIGN_OR_RETURN(auto row, find_approval(db, id));
    if (row) items.push_back(std::move(*row));
  }
  return Json{{"approvals", std::move(items)}};
}

// Retention: approvals that expired more than the configured days ago are
// deleted (approved and rejected ones are kept: they are the audit trail).
Result<int64_t> purge_expired(store::WriteTxn& txn, const Services& s) {
  if (s.config.expired_approvals_retention_days <= 0) return int64_t{0};
  int64_t cutoff = txn.now_ms() - int64_t{s.config.expired_approvals_retention_days} * 86400000;
  CAIRN_ASSIGN_OR_RETURN(store::Stmt q,
                         txn.db().prepare("SELECT id FROM approvals WHERE status = 'expired' "
                                          "AND decided_at < ?1 LIMIT 10000"));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> ids, q.bind_all(cutoff).column_texts());
  for (const auto& id : ids) {
    CAIRN_ASSIGN_OR_RETURN(auto old, find_approval(txn.db(), id));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                           txn.db().cached("DELETE FROM approvals WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
    Json extra = approval_event_fields(*old);
    extra["retention"] = true;
    CAIRN_RETURN_IF_ERROR(txn.record("approvals", "delete", id, *old, nullptr, extra).status());
  }
  return static_cast<int64_t>(ids.size());
}

}  // namespace

void register_approvals(Registry& r, Services& s) {
  s.hub.add_topic("approvals");
  add_retention_step({"expired_approvals", purge_expired});
  auto waits = std::make_shared<ApprovalWaits>(s);
  waits->start();

  r.add_write(
      "approvals.request",
      {"Asks a person to approve an action; raises a high-priority notification.",
       {"approvals", "notifications"},
       {param::str("id", 128, "client-chosen id (a retry returns the existing approval)"),
        param::str("action_type", 256, "what is to be done, 1 to 256 bytes").required(),
        param::any("details", Json::object(), "any JSON describing the action, up to 1 MiB"),
        param::str("requested_by", 256, "who asks"),
        param::time("expires_at", "when the request expires unanswered"),
        param::str("task_id", 128, "the task it concerns")}},
      request);
  r.add_write("approvals.decide",
              {"Approves or rejects a pending approval (once).",
               {"approvals", "notifications"},
               {param::str("id", 128, "the approval").required(),
                param::enumeration("decision", {"approve", "reject"}, "the decision").required(),
                param::str("note", 65536, "a note kept with the decision")}},
              decide);
  r.add_read("approvals.list",
             {"Lists approvals, newest first.",
              {},
              {param::enumeration("status", kApprovalStatuses, "only this status"),
               param::str("task_id", 128, "only for this task"),
               param::integer("limit", 1, 1000, "most rows (default 100)")}},
             list);

  r.add_async("approvals.wait",
              {"Waits until an approval is decided or expires, or the timeout passes.",
               {},
               {param::str("id", 128, "the approval").required(),
                param::integer("timeout_ms", 0, kMaxWaitMs, "how long to wait, in ms").required()}},
              [waits](CallContext& ctx, const Json& params, Reply reply) {
                Args a(params);
                auto id = a.str("id");
                int64_t timeout_ms = a.integer("timeout_ms");
                waits->wait(ctx.conn, id, timeout_ms, std::move(reply));
              });

  s.status_sections.push_back([waits](Json& out) {
    out["approvals"] = Json{{"waiting", waits->waiting()}};
  });

  // Tests and diagnosis: run the expiry pass now as if the clock read `at`
  // (the explicit clock for expiry tests). Only with --debug-methods.
  if (s.config.debug_methods) {
    r.add_write("debug.expire_approvals",
                {"Runs the approval expiry pass as if the clock read `at` (debug).",
                 {"approvals", "notifications"},
                 {param::time("at", "the clock to expire against (default now)")}},
                [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
                  Args a(params);
                  auto at = a.opt_time("at");
                  CAIRN_ASSIGN_OR_RETURN(auto ids, expire_pending(txn, at.value_or(txn.now_ms())));
                  return Json{{"expired", ids}};
                });
  }
}

}  // namespace cairn
