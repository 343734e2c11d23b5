// notifications.*: messages for a person (raised by approvals and by clients),
// pushed to subscribers of topic "notifications" as they are created or marked.
#include "daemon/rpc/notifications.h"

#include "daemon/params.h"
#include "daemon/retention.h"
#include "daemon/rpc/columns.h"
#include "daemon/rpc/register.h"

namespace cairn {

namespace {

const std::vector<std::string> kNotificationStatuses = {"unread", "read", "archived"};
const std::vector<std::string> kPriorities = {"low", "normal", "high", "urgent"};
constexpr size_t kMaxDataBytes = 1u << 20;

Json notification_row(const store::Stmt& s) {
  return Json{{"id", s.text(0)},
              {"title", s.text(1)},
              {"message", s.text(2)},
              {"type", s.text(3)},
              {"priority", s.text(4)},
              {"status", s.text(5)},
              {"data", columns::json(s, 6)},
              {"created_at", columns::time(s, 7)},
              {"read_at", columns::time(s, 8)}};
}

Result<std::optional<Json>> find_notification(store::Db& db, const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("SELECT id, title, message, type, priority, status, data, "
                                   "created_at, read_at FROM notifications WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json out = notification_row(*s);
  s->reset();  // a statement left on a row would pin this connection's snapshot
  return std::optional<Json>(std::move(out));
}

// What subscribers get with each event: enough to show the notification
// without another call.
Json notification_event_fields(const Json& row) {
  return Json{{"title", row["title"]},       {"message", row["message"]}, {"type", row["type"]},
              {"priority", row["priority"]}, {"status", row["status"]},   {"data", row["data"]}};
}

// Retention: read and archived notifications older than the configured days
// (counted from when they were read) are deleted, each delete recorded.
Result<int64_t> purge_old(store::WriteTxn& txn, const Services& s) {
  if (s.config.notifications_retention_days <= 0) return int64_t{0};
  int64_t cutoff = txn.now_ms() - int64_t{s.config.notifications_retention_days} * 86400000;
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt q,
      txn.db().prepare("SELECT id FROM notifications WHERE status IN ('read', 'archived') AND "
                       "coalesce(read_at, created_at) < ?1 LIMIT 10000"));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> ids, q.bind_all(cutoff).column_texts());
  for (const auto& id : ids) {
    CAIRN_ASSIGN_OR_RETURN(auto old, find_notification(txn.db(), id));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                           txn.db().cached("DELETE FROM notifications WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
    CAIRN_RETURN_IF_ERROR(txn.record("notifications", "delete", id, *old, nullptr,
                                     {{"status", (*old)["status"]}, {"retention", true}})
                              .status());
  }
  return static_cast<int64_t>(ids.size());
}

}  // namespace

Result<Json> insert_notification(store::WriteTxn& txn, const NewNotification& n) {
  CAIRN_ASSIGN_OR_RETURN(std::string id, columns::id_or_new(n.id));
  if (n.title.empty()) return invalid_params("title must not be empty");
  std::optional<std::string> data_text;
  if (!n.data.is_null()) {
    CAIRN_ASSIGN_OR_RETURN(std::string t, to_json_text(n.data, "data"));
    if (t.size() > kMaxDataBytes) return invalid_params("data is larger than 1 MiB as JSON");
    data_text = std::move(t);
  }
  int64_t at = n.at.value_or(txn.now_ms());
  Json wanted{{"title", n.title},
              {"message", n.message},
              {"type", n.type},
              {"priority", n.priority},
              {"data", n.data}};
  CAIRN_ASSIGN_OR_RETURN(auto existing, find_notification(txn.db(), id));
  if (existing) {
    CAIRN_RETURN_IF_ERROR(columns::same_content(
        *existing, wanted, {"title", "message", "type", "priority", "data"}, "notification " + id));
    return *existing;
  }
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      txn.db().cached("INSERT INTO notifications(id, title, message, type, priority, status, "
                      "data, created_at) VALUES(?1, ?2, ?3, ?4, ?5, 'unread', ?6, ?7)"));
  CAIRN_RETURN_IF_ERROR(
      ins->bind_all(id, n.title, n.message, n.type, n.priority, data_text, at).run());
  CAIRN_ASSIGN_OR_RETURN(auto row, find_notification(txn.db(), id));
  CAIRN_RETURN_IF_ERROR(
      txn.record("notifications", "insert", id, nullptr, *row, notification_event_fields(*row)).status());
  return *row;
}

Result<std::optional<Json>> mark_notification(store::WriteTxn& txn, const std::string& id,
                                              const std::string& status) {
  CAIRN_ASSIGN_OR_RETURN(auto old, find_notification(txn.db(), id));
  if (!old) return std::optional<Json>();
  if ((*old)["status"] == status) return old;  // marking twice changes nothing
  // read_at is when it was first seen; unread again forgets it.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      txn.db().cached("UPDATE notifications SET status = ?2, read_at = CASE WHEN ?2 = "
                      "'unread' THEN NULL ELSE coalesce(read_at, ?3) END WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(id, status, txn.now_ms()).run());
  CAIRN_ASSIGN_OR_RETURN(auto now, find_notification(txn.db(), id));
  CAIRN_RETURN_IF_ERROR(
      txn.record("notifications", "update", id, *old, *now, notification_event_fields(*now)).status());
  return now;
}

void register_notifications(Registry& r, Services& s) {
  s.hub.add_topic("notifications");
  add_retention_step({"notifications", purge_old});

  r.add_write(
      "notifications.create",
      {"Creates a notification.",
       {"notifications"},
       {param::str("id", 128, "client-chosen id"),
        param::str("title", 1024, "the title, 1 to 1024 bytes").required(),
        param::str("message", 65536, "the body"), param::str("type", 64, "a type (default info)"),
        param::enumeration("priority", kPriorities, "low, normal (default), high or urgent"),
        param::any("data", Json::object(), "any JSON, up to 1 MiB")}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        NewNotification n;
        n.id = a.opt_str("id");
        n.title = a.str("title");
        n.message = a.opt_str("message").value_or("");
        n.type = a.opt_str("type").value_or("info");
        n.priority = a.opt_str("priority").value_or("normal");
        n.data = a.any("data");
        if (n.type.empty()) return invalid_params("type must not be empty");
        return insert_notification(txn, n);
      });

  r.add_read(
      "notifications.list",
      {"Lists notifications newest first, with the unread count.",
       {},
       {param::enumeration("status", kNotificationStatuses, "only this status"),
        param::str("type", 64, "only this type"),
        param::integer("limit", 1, 1000, "most rows (default 100)")}},
      [](store::Db& db, const Json& params) -> Result<Json> {
        Args a(params);
        auto status = a.opt_str("status");
        auto type = a.opt_str("type");
        int64_t limit = a.opt_int("limit").value_or(100);
        // "status = ?1" only when given: an "?1 IS NULL OR" form cannot use
        // notifications_by_status and sorted every row.
        constexpr const char* kAnyStatus =
            "SELECT id, title, message, type, priority, status, data, created_at, read_at FROM "
            "notifications WHERE ?1 IS NULL AND (?2 IS NULL OR type = ?2) ORDER BY created_at "
            "DESC, "
            "id LIMIT ?3";
        constexpr const char* kOneStatus =
            "SELECT id, title, message, type, priority, status, data, created_at, read_at FROM "
            "notifications WHERE status = ?1 AND (?2 IS NULL OR type = ?2) ORDER BY created_at "
            "DESC, "
            "id LIMIT ?3";
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(status ? kOneStatus : kAnyStatus));
        q->bind_all(status, type, limit);
        Json items = Json::array();
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
          if (!row) break;
          items.push_back(notification_row(*q));
        }
        CAIRN_ASSIGN_OR_RETURN(int64_t unread, db.query_int("SELECT count(*) FROM notifications "
                                                            "WHERE status = 'unread'"));
        return Json{{"notifications", std::move(items)}, {"unread", unread}};
      });

  r.add_write("notifications.mark",
              {"Marks a notification unread, read or archived.",
               {"notifications"},
               {param::str("id", 128, "the notification").required(),
                param::enumeration("status", kNotificationStatuses, "the new status").required()}},
              [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
                Args a(params);
                auto id = a.str("id");
                auto status = a.str("status");
                CAIRN_ASSIGN_OR_RETURN(auto row, mark_notification(txn, id, status));
                if (!row) return not_found("no notification " + id);
                return *row;
              });
}

}  // namespace cairn
