// focus.*: focus sessions ("25 minutes on this task"). One runs at a time; it is
// completed with the number of distractions, and scored 0-100 from the share
// of the planned time kept less 10 points per distraction (time_rows.h). A
// focus session does not start a time session: time tracking stays explicit.
// Changes go to topic "time" (kinds insert/update, entity "focus_session").
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/rpc/task_rows.h"
#include "daemon/rpc/time_rows.h"

namespace cairn {

namespace {


Result<Json> start(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  int64_t task_id = a.integer("task_id");
  int64_t planned = a.integer("planned_minutes");
  auto at_opt = a.opt_time("at");
  store::Db& db = txn.db();
  int64_t at = at_opt.value_or(txn.now_ms());
  CAIRN_RETURN_IF_ERROR(tasks::require_task(db, task_id, "task_id"));
  CAIRN_ASSIGN_OR_RETURN(auto running, timerows::active_focus(db, at));
  if (running) {
    return conflict("focus session #" + std::to_string((*running)["id"].get<int64_t>()) + " on " +
                    tasks::task_label(db, (*running)["task_id"].get<int64_t>()) +
                    " is still running: complete it first");
  }
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * ins,
                         db.cached("INSERT INTO focus_sessions(task_id, planned_minutes, "
                                   "started_at, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, "
                                   "?4)"));
  CAIRN_RETURN_IF_ERROR(ins->bind_all(task_id, planned, at, txn.now_ms()).run());
  int64_t id = db.last_insert_rowid();
  CAIRN_ASSIGN_OR_RETURN(auto session, timerows::load_focus(db, id, at));
  CAIRN_RETURN_IF_ERROR(
      txn.record("time", "insert", std::to_string(id), nullptr, *session, {{"entity", "focus_session"}})
          .status());
  return *session;
}

Result<Json> complete(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  int64_t id = a.integer("id");
  int64_t distractions = a.opt_int("distractions").value_or(0);
  auto notes = a.opt_str("notes");
  auto at_opt = a.opt_time("at");
  store::Db& db = txn.db();
  int64_t at = at_opt.value_or(txn.now_ms());
  CAIRN_ASSIGN_OR_RETURN(auto before, timerows::load_focus(db, id, at));
  if (!before) return not_found("no focus session #" + std::to_string(id) + " (id)");
  if (!(*before)["running"].get<bool>()) {
    return conflict("focus session #" + std::to_string(id) + " was already completed at " +
                    (*before)["completed_at"].get<std::string>());
  }
  int64_t started = parse_iso8601((*before)["started_at"].get<std::string>()).value_or(at);
  // Without `at`, a session stored with a start after now still completes.
  if (!at_opt) at = std::max(at, started);
  if (at < started) {
    return invalid_params("at must not be before the session's start " +
                          (*before)["started_at"].get<std::string>());
  }
  double actual = static_cast<double>(at - started) / 60000.0;
  int64_t planned = (*before)["planned_minutes"].get<int64_t>();
  int64_t score = timerows::focus_score(actual, planned, distractions);
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      db.cached("UPDATE focus_sessions SET completed_at = ?2, actual_minutes = ?3, "
                "distractions = ?4, notes = ?5, score = ?6, updated_at = ?7 WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(
      up->bind_all(id, at, actual, distractions, notes, score, txn.now_ms()).run());
  CAIRN_ASSIGN_OR_RETURN(auto after, timerows::load_focus(db, id, at));
  CAIRN_RETURN_IF_ERROR(txn.record("time", "update", std::to_string(id), *before, *after,
                                   {{"entity", "focus_session"}, {"change", "complete"}})
                            .status());
  return *after;
}

Result<Json> active(store::Db& db, const Json& /*params*/) {
  CAIRN_ASSIGN_OR_RETURN(auto focus, timerows::active_focus(db, wall_ms()));
  return Json{{"focus", focus ? *focus : Json(nullptr)}};
}

Result<Json> list(store::Db& db, const Json& params) {
  Args a(params);
  auto task_id = a.opt_int("task_id");
  int64_t limit = a.opt_int("limit").value_or(100);
  static const std::string& sql =
      *new std::string(std::string(timerows::kFocusSelect) +
                       " WHERE (?1 IS NULL OR f.task_id = ?1) "
                       "ORDER BY f.started_at DESC, f.id DESC LIMIT ?2");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(task_id, limit);
  int64_t now = wall_ms();
  Json items = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    items.push_back(timerows::focus_json(*q, now));
  }
  return Json{{"sessions", std::move(items)}};
}

}  // namespace

void register_focus(Registry& r, Services& s) {
  s.hub.add_topic("time");
  r.add_write("focus.start",
              {"Starts a focus session on a task.",
               {"time"},
               {tasks::task_id_param("task_id", "the task").required(),
                param::integer("planned_minutes", 1, 1440, "planned length, 1 to 1440").required(),
                param::time("at", "when (default now)").past()}},
              [](store::WriteTxn& txn, const Json& params) {
                auto res = start(txn, params);
                tasks::reset_statements(txn.db());
                return res;
              });
  r.add_write("focus.complete",
              {"Completes a focus session and scores it.",
               {"time"},
               {tasks::task_id_param("id", "the focus session").required(),
                param::integer("distractions", 0, 10000, "distractions counted"),
                param::str("notes", 65536, "notes"), param::time("at", "when (default now)").past()}},
              [](store::WriteTxn& txn, const Json& params) {
                auto res = complete(txn, params);
                tasks::reset_statements(txn.db());
                return res;
              });
  r.add_read("focus.active", {"Reads the running focus session.", {}, {}},
             tasks::fresh_read(active));
  r.add_read("focus.list",
             {"Lists focus sessions newest first.",
              {},
              {tasks::task_id_param("task_id", "only this task"),
               param::integer("limit", 1, 10000, "most rows (default 100)")}},
             tasks::fresh_read(list));
}

}  // namespace cairn
