// sessions.*: conversation sessions. Topic "sessions". Deleting a session
// deletes its messages (ON DELETE CASCADE) and records a "delete" on topic
// "messages" for each one, so the full-text index and subscribers learn which
// message ids went away.
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/memory_fields.h"
#include "daemon/rpc/message_rows.h"
#include "daemon/rpc/register.h"

namespace cairn {

using namespace memory;

namespace {

constexpr const char* kSessionColumns =
    "id, workspace_path, settings, started_at, ended_at, message_count, updated_at";

Json session_row(const store::Stmt& s) {
  return Json{{"id", s.text(0)},
              {"workspace_path", s.value(1)},
              {"settings", json_column(s, 2)},
              {"started_at", time_column(s, 3)},
              {"ended_at", time_column(s, 4)},
              {"message_count", s.int64(5)},
              {"updated_at", time_column(s, 6)}};
}

Result<std::optional<Json>> find_session(store::Db& db, const std::string& id) {
  static const std::string& sql =
      *new std::string(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json out = session_row(*s);
  s->reset();
  return std::optional<Json>(std::move(out));
}

}  // namespace

void register_sessions(Registry& r, Services& s) {
  s.hub.add_topic("sessions");

  r.add_write(
      "sessions.create",
      {"Creates a conversation session.",
       {"sessions"},
       {memory::id_param("id", "client-chosen id (a retry returns the existing session)"),
        memory::text_param("workspace_path", 4096, "the workspace it belongs to"),
        memory::json_param("settings", memory::JsonShape::kObject, memory::kMaxJsonFieldBytes,
                           "settings object"),
        param::time("started_at", "when it started (default now)").past(),
        param::time("ended_at", "when it ended").past()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        bool id_given = p.has("id");
        std::string id = new_or_given_id(p, "id");
        auto workspace = opt_text(p, "workspace_path", 4096);
        auto settings = opt_json(p, "settings", JsonShape::kObject, kMaxJsonFieldBytes);
        auto started = p.opt_past_time("started_at");
        auto ended = p.opt_past_time("ended_at");
        CAIRN_RETURN_IF_ERROR(p.finish());
        std::string settings_text = settings.value_or("{}");
        if (id_given) {
          CAIRN_ASSIGN_OR_RETURN(auto existing, find_session(txn.db(), id));
          if (existing) {
            bool same = (*existing)["workspace_path"] == (workspace ? Json(*workspace) : Json()) &&
                        (*existing)["settings"] == Json::parse(settings_text) &&
                        (!started || (*existing)["started_at"] == format_iso8601(*started)) &&
                        (!ended || (*existing)["ended_at"] == format_iso8601(*ended));
            if (!same) return conflict("id: session " + id + " exists with different content");
            return *existing;
          }
        }
        int64_t started_at = started.value_or(txn.now_ms());
        if (ended && *ended < started_at) return invalid_params("ended_at is before started_at");
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * ins,
            txn.db().cached("INSERT INTO sessions(id, workspace_path, settings, started_at, "
                            "ended_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
        CAIRN_RETURN_IF_ERROR(
            ins->bind_all(id, workspace, settings_text, started_at, ended, txn.now_ms()).run());
        CAIRN_ASSIGN_OR_RETURN(auto row, find_session(txn.db(), id));
        CAIRN_RETURN_IF_ERROR(txn.record("sessions", "insert", id, nullptr, *row).status());
        return *row;
      });

  r.add_read("sessions.get",
             {"Reads a session.", {}, {memory::id_param("id", "the session").required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               std::string id = existing_id(p, "id");
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(auto row, find_session(db, id));
               if (!row) return not_found("no session " + id);
               return *row;
             });

  r.add_read("sessions.list",
             {"Lists sessions newest first.",
              {},
              {memory::text_param("workspace_path", 4096, "only this workspace"),
               param::integer("limit", 1, 10000, "most rows (default 100)"),
               param::integer("offset", 0, int64_t{1} << 40, "rows to skip")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               auto workspace = opt_text(p, "workspace_path", 4096);
               int64_t limit = p.opt_int("limit", 1, 10000).value_or(100);
               int64_t offset = p.opt_int("offset", 0, int64_t{1} << 40).value_or(0);
               CAIRN_RETURN_IF_ERROR(p.finish());
               static const std::string& sql =
                   *new std::string(std::string("SELECT ") + kSessionColumns +
                                    " FROM sessions WHERE ?1 IS NULL OR workspace_path = ?1 "
                                    "ORDER BY started_at DESC, id LIMIT ?2 OFFSET ?3");
               CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
               q->bind_all(workspace, limit, offset);
               Json items = Json::array();
               for (;;) {
                 CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
                 if (!row) break;
                 items.push_back(session_row(*q));
               }
               return Json{{"sessions", std::move(items)}};
             });

  r.add_write(
      "sessions.update",
      {"Changes a session.",
       {"sessions"},
       {memory::id_param("id", "the session").required(),
        memory::text_param("workspace_path", 4096, "the workspace"),
        memory::json_param("settings", memory::JsonShape::kObject, memory::kMaxJsonFieldBytes,
                           "settings object"),
        param::time("ended_at", "when it ended").past()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string id = existing_id(p, "id");
        auto workspace = opt_text(p, "workspace_path", 4096);
        auto settings = opt_json(p, "settings", JsonShape::kObject, kMaxJsonFieldBytes);
        auto ended = p.opt_past_time("ended_at");
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto old, find_session(txn.db(), id));
        if (!old) return not_found("no session " + id);
        if (ended && format_iso8601(*ended) < (*old)["started_at"].get<std::string>()) {
          return invalid_params("ended_at is before started_at");
        }
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * up,
            txn.db().cached("UPDATE sessions SET workspace_path = coalesce(?2, workspace_path), "
                            "settings = coalesce(?3, settings), ended_at = coalesce(?4, ended_at), "
                            "updated_at = ?5 WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(up->bind_all(id, workspace, settings, ended, txn.now_ms()).run());
        CAIRN_ASSIGN_OR_RETURN(auto row, find_session(txn.db(), id));
        CAIRN_RETURN_IF_ERROR(txn.record("sessions", "update", id, *old, *row).status());
        return *row;
      });

  r.add_write(
      "sessions.delete",
      {"Deletes a session and its messages.",
       {"sessions", "messages"},
       {memory::id_param("id", "the session").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string id = existing_id(p, "id");
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto old, find_session(txn.db(), id));
        if (!old) return not_found("no session " + id);
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * ids,
                               txn.db().cached("SELECT id FROM messages WHERE session_id = ?1"));
        ids->bind_all(id);
        int64_t messages = 0;
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, ids->step());
          if (!row) break;
          CAIRN_RETURN_IF_ERROR(txn.record("messages", "delete", ids->text(0), nullptr, nullptr,
                                           {{"session_id", id}, {"cascade", true}})
                                    .status());
          ++messages;
        }
        ids->reset();
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                               txn.db().cached("DELETE FROM sessions WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
        CAIRN_RETURN_IF_ERROR(
            txn.record("sessions", "delete", id, *old, nullptr, {{"messages_deleted", messages}})
                .status());
        return Json{{"deleted", true}, {"id", id}, {"messages_deleted", messages}};
      });
}

}  // namespace cairn
