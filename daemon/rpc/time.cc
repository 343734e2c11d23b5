// time.*: time sessions on tasks. One session runs at a time (a unique index in
// schema 0004 backs the rule): time.start stops the running one at the same
// moment and says so in its reply. A pause is a break [paused_at, resumed_at)
// kept in the session's breaks, so worked time is the session minus its breaks
// and a report can clip sessions to any range (time_math.h). Every method that
// records a moment takes `at` (ISO 8601 or Unix ms) for imports and tests.
// Changes go to topic "time" (kinds insert/update, entity "time_session").
#include <algorithm>
#include <map>

#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/rpc/task_rows.h"
#include "daemon/rpc/time_rows.h"

namespace cairn {

namespace {

constexpr size_t kMaxNote = 64 * 1024;
constexpr int64_t kMaxSessions = 10000;

// The running session's raw columns.
struct Running {
  int64_t id = 0;
  int64_t task_id = 0;
  int64_t started = 0;
  std::optional<int64_t> paused_at;
  std::vector<timemath::Interval> breaks;
  int64_t paused_ms = 0;
};

Result<std::optional<Running>> running(store::Db& db) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q,
                         db.cached("SELECT id, task_id, started_at, paused_at, breaks, paused_ms "
                                   "FROM time_sessions WHERE ended_at IS NULL"));
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  if (!row) return std::optional<Running>();
  Running r{q->int64(0), q->int64(1), q->int64(2), q->opt_int64(3), {}, q->int64(5)};
  auto breaks = timemath::parse_breaks(q->text(4));
  q->reset();
  if (!breaks) return breaks.status();
  r.breaks = std::move(*breaks);
  return std::optional<Running>(std::move(r));
}

Result<Json> load_session(store::Db& db, int64_t id, int64_t now) {
  static const std::string& sql =
      *new std::string(std::string(timerows::kSessionSelect) + " WHERE s.id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  if (!row) return not_found("no time session #" + std::to_string(id));
  auto j = timerows::session_json(*q, now);
  q->reset();
  return j;
}

// The latest moment already recorded in a running session: a new event must
// not come before it.
int64_t last_moment(const Running& r) {
  int64_t m = r.started;
  for (const auto& b : r.breaks) m = std::max(m, b.end);
  if (r.paused_at) m = std::max(m, *r.paused_at);
  return m;
}

Status not_before(const Running& r, int64_t at) {
  if (at < last_moment(r)) {
    return invalid_params("at must not be before " + format_iso8601(last_moment(r)) +
                          ", the last moment recorded in time session #" + std::to_string(r.id));
  }
  return Status::ok();
}

// Ends `r` at `at` (closing a pause under way) and records the change.
Result<Json> stop_running(store::WriteTxn& txn, const Running& r, int64_t at,
                          const std::optional<std::string>& note) {
  store::Db& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(Json before, load_session(db, r.id, at));
  std::vector<timemath::Interval> breaks = r.breaks;
  int64_t paused_ms = r.paused_ms;
  if (r.paused_at) {
    breaks.push_back({*r.paused_at, at});
    paused_ms += at - *r.paused_at;
  }
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      db.cached("UPDATE time_sessions SET ended_at = ?2, paused_at = NULL, breaks = ?3, "
                "paused_ms = ?4, note = coalesce(?5, note), updated_at = ?6 WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(
      up->bind_all(r.id, at, timemath::breaks_json(breaks).dump(), paused_ms, note, txn.now_ms())
          .run());
  CAIRN_ASSIGN_OR_RETURN(Json after, load_session(db, r.id, at));
  CAIRN_RETURN_IF_ERROR(txn.record("time", "update", std::to_string(r.id), before, after,
                                   {{"entity", "time_session"}, {"change", "stop"}})
                            .status());
  return after;
}

Result<Running> require_running(store::Db& db) {
  CAIRN_ASSIGN_OR_RETURN(auto r, running(db));
  if (!r) return not_found("no time session is running");
  return *r;
}

Result<Json> start(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  int64_t task_id = a.integer("task_id");
  auto at_opt = a.opt_time("at");
  auto note = a.opt_str("note");
  store::Db& db = txn.db();
  int64_t at = at_opt.value_or(txn.now_ms());
  CAIRN_RETURN_IF_ERROR(tasks::require_task(db, task_id, "task_id"));
  CAIRN_ASSIGN_OR_RETURN(auto r, running(db));
  Json out = Json::object();
  std::string message;
  if (r) {
    // Without `at`, a session recorded with moments after now (stored before
    // future times were refused) still stops, at its last moment.
    int64_t stop_at = at_opt ? at : std::max(at, last_moment(*r));
    CAIRN_RETURN_IF_ERROR(not_before(*r, stop_at));
    CAIRN_ASSIGN_OR_RETURN(Json stopped, stop_running(txn, *r, stop_at, std::nullopt));
    message = "stopped the running session on " + tasks::task_label(db, r->task_id) + " after " +
              std::to_string(stopped["duration_ms"].get<int64_t>() / 60000) + " min; ";
    out["stopped"] = stopped;
  }
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * ins,
                         db.cached("INSERT INTO time_sessions(task_id, started_at, note, "
                                   "created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?4)"));
  CAIRN_RETURN_IF_ERROR(ins->bind_all(task_id, at, note, txn.now_ms()).run());
  int64_t id = db.last_insert_rowid();
  CAIRN_ASSIGN_OR_RETURN(Json session, load_session(db, id, at));
  CAIRN_RETURN_IF_ERROR(txn.record("time", "insert", std::to_string(id), nullptr, session,
                                   {{"entity", "time_session"}})
                            .status());
  out["session"] = session;
  out["message"] = message + "started on " + tasks::task_label(db, task_id);
  return out;
}

Result<Json> pause_or_resume(store::WriteTxn& txn, const Json& params, bool pause) {
  Args a(params);
  auto at_opt = a.opt_time("at");
  store::Db& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(Running r, require_running(db));
  int64_t at = at_opt.value_or(std::max(txn.now_ms(), last_moment(r)));
  CAIRN_RETURN_IF_ERROR(not_before(r, at));
  if (pause && r.paused_at) {
    return conflict("time session #" + std::to_string(r.id) + " is already paused since " +
                    format_iso8601(*r.paused_at));
  }
  if (!pause && !r.paused_at)
    return conflict("time session #" + std::to_string(r.id) + " is not paused");
  CAIRN_ASSIGN_OR_RETURN(Json before, load_session(db, r.id, at));
  if (pause) {
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * up,
        db.cached("UPDATE time_sessions SET paused_at = ?2, updated_at = ?3 WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(up->bind_all(r.id, at, txn.now_ms()).run());
  } else {
    r.breaks.push_back({*r.paused_at, at});
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * up,
        db.cached("UPDATE time_sessions SET paused_at = NULL, breaks = ?2, paused_ms = ?3, "
                  "updated_at = ?4 WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(up->bind_all(r.id, timemath::breaks_json(r.breaks).dump(),
                                       r.paused_ms + (at - *r.paused_at), txn.now_ms())
                              .run());
  }
  CAIRN_ASSIGN_OR_RETURN(Json after, load_session(db, r.id, at));
  CAIRN_RETURN_IF_ERROR(
      txn.record("time", "update", std::to_string(r.id), before, after,
                 {{"entity", "time_session"}, {"change", pause ? "pause" : "resume"}})
          .status());
  return Json{{"session", after}};
}

Result<Json> stop(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto note = a.opt_str("note");
  auto at_opt = a.opt_time("at");
  CAIRN_ASSIGN_OR_RETURN(Running r, require_running(txn.db()));
  // Without `at` any stored session stops, even one whose start lies after now.
  int64_t at = at_opt.value_or(std::max(txn.now_ms(), last_moment(r)));
  CAIRN_RETURN_IF_ERROR(not_before(r, at));
  CAIRN_ASSIGN_OR_RETURN(Json session, stop_running(txn, r, at, note));
  return Json{{"session", session}};
}

Result<Json> active(store::Db& db, const Json& /*params*/) {
  int64_t now = wall_ms();
  CAIRN_ASSIGN_OR_RETURN(auto session, timerows::active_session(db, now));
  CAIRN_ASSIGN_OR_RETURN(auto focus, timerows::active_focus(db, now));
  Json out{{"session", nullptr}, {"focus", focus ? *focus : Json(nullptr)}};
  if (session) {
    (*session)["elapsed_ms"] = (*session)["duration_ms"];
    out["session"] = *session;
  }
  return out;
}

// Sessions that overlap [from, to), newest first.
Result<Json> sessions(store::Db& db, const Json& params) {
  Args a(params);
  auto task_id = a.opt_int("task_id");
  auto from = a.opt_time("from");
  auto to = a.opt_time("to");
  int64_t limit = a.opt_int("limit").value_or(1000);
  if (from && to && *to < *from) return invalid_params("to must not be before from");
  static const std::string& sql = *new std::string(
      std::string(timerows::kSessionSelect) +
      " WHERE (?1 IS NULL OR s.task_id = ?1) AND (?2 IS NULL OR s.started_at < ?2) AND "
      "(?3 IS NULL OR s.ended_at IS NULL OR s.ended_at > ?3) "
      "ORDER BY s.started_at DESC, s.id DESC LIMIT ?4");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(task_id, to, from, limit);
  int64_t now = wall_ms();
  Json items = Json::array();
  int64_t total = 0;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(Json s, timerows::session_json(*q, now));
    total += s["duration_ms"].get<int64_t>();
    items.push_back(std::move(s));
  }
  return Json{{"sessions", std::move(items)}, {"total_ms", total}};
}

struct Bucket {
  Json key;
  std::string label;
  int64_t ms = 0;
  int64_t sessions = 0;
};

Result<Json> report(store::Db& db, const Json& params) {
  Args a(params);
  int64_t from = a.time("from");
  int64_t to = a.time("to");
  std::string by = a.opt_str("by").value_or("day");
  // Days split at the client's midnight: its UTC offset, in minutes east.
  int64_t tz = a.opt_int("tz_offset_minutes").value_or(0) * 60000;
  if (to <= from) return invalid_params("to must be after from");
  // The work grows with the range (one bucket per day), so the range is bounded.
  if (to - from > timemath::kMaxReportDays * timemath::kDayMs) {
    return invalid_params("from..to may span at most " + std::to_string(timemath::kMaxReportDays) +
                          " days; ask for a shorter range");
  }
  static const std::string& sql =
      *new std::string(std::string(timerows::kSessionSelect) +
                       " WHERE s.started_at < ?2 AND (s.ended_at IS NULL OR s.ended_at > ?1) "
                       "ORDER BY s.started_at, s.id");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(from, to);
  int64_t now = wall_ms();
  std::map<std::string, Bucket> buckets;          // ordered by key text
  timemath::DayBuckets days(from + tz, to + tz);  // in local time when tz is given
  int64_t total = 0, count = 0;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(auto times, timerows::session_times(*q));
    auto worked = timemath::worked(times, now);
    int64_t in_range = timemath::clipped_ms(worked, from, to);
    if (in_range == 0) continue;
    total += in_range;
    ++count;
    if (by == "day") {
      for (auto& piece : worked) {
        piece.start += tz;
        piece.end += tz;
      }
      days.add_session(worked);
      continue;
    }
    int64_t key = by == "task" ? q->int64(1) : q->int64(9);
    char sort_key[32];
    std::snprintf(sort_key, sizeof sort_key, "%020lld", static_cast<long long>(key));
    Bucket& b = buckets[sort_key];
    b.key = key;
    b.ms += in_range;
    ++b.sessions;
    if (by == "task") b.label = q->text(8);
  }
  q->reset();
  for (const auto& d : days.days()) {
    Bucket& b = buckets[timemath::utc_day(d.start)];
    b.key = timemath::utc_day(d.start);
    b.label = b.key.get<std::string>();
    b.ms = d.ms;
    b.sessions = d.sessions;
  }
  Json rows = Json::array();
  for (auto& [k, b] : buckets) {
    if (by == "list") {
      CAIRN_ASSIGN_OR_RETURN(store::Stmt * l,
                             db.cached("SELECT name FROM task_lists WHERE id = ?1"));
      l->bind_all(b.key.get<int64_t>());
      CAIRN_ASSIGN_OR_RETURN(bool found, l->step());
      b.label = found ? l->text(0) : "";
      l->reset();
    }
    rows.push_back({{"key", b.key},
                    {"label", b.label},
                    {"ms", b.ms},
                    {"minutes", b.ms / 60000},
                    {"sessions", b.sessions}});
  }
  if (by != "day") {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Json& a, const Json& b) { return a["ms"] > b["ms"]; });
  }
  return Json{{"from", format_iso8601(from)},
              {"to", format_iso8601(to)},
              {"by", by},
              {"rows", rows},
              {"total_ms", total},
              {"total_minutes", total / 60000},
              {"sessions", count}};
}

template <typename Fn>
WriteHandler writes(Fn fn) {
  return [fn](store::WriteTxn& txn, const Json& params) {
    auto r = fn(txn, params);
    tasks::reset_statements(txn.db());
    return r;
  };
}

}  // namespace

void register_time(Registry& r, Services& s) {
  s.hub.add_topic("time");
  r.add_write("time.start",
              {"Starts timing a task (stopping the one running).",
               {"time"},
               {tasks::task_id_param("task_id", "the task").required(),
                param::time("at", "when it started (default now)").past(),
                param::str("note", kMaxNote, "a note")}},
              writes(start));
  r.add_write("time.pause",
              {"Pauses the running time session.",
               {"time"},
               {param::time("at", "when (default now)").past()}},
              writes([](store::WriteTxn& txn, const Json& params) {
                return pause_or_resume(txn, params, true);
              }));
  r.add_write("time.resume",
              {"Resumes the paused time session.",
               {"time"},
               {param::time("at", "when (default now)").past()}},
              writes([](store::WriteTxn& txn, const Json& params) {
                return pause_or_resume(txn, params, false);
              }));
  r.add_write(
      "time.stop",
      {"Stops the running time session.",
       {"time"},
       {param::str("note", kMaxNote, "a note"), param::time("at", "when (default now)").past()}},
      writes(stop));
  r.add_read("time.active", {"Reads the running time session and focus session.", {}, {}},
             tasks::fresh_read(active));
  r.add_read("time.sessions",
             {"Lists time sessions overlapping [from, to), newest first.",
              {},
              {tasks::task_id_param("task_id", "only this task"),
               param::time("from", "start of the range"), param::time("to", "end of the range"),
               param::integer("limit", 1, kMaxSessions, "most rows (default 1000)")}},
             tasks::fresh_read(sessions));
  r.add_read("time.report",
             {"Sums worked time in [from, to) by day, task or list.",
              {},
              {param::time("from", "start of the range").required(),
               param::time("to", "end of the range").required(),
               param::enumeration("by", {"day", "task", "list"}, "grouping (default day)"),
               param::integer("tz_offset_minutes", -14 * 60, 14 * 60,
                              "the client's UTC offset, east: days split at its midnight "
                              "(default 0, UTC days)")}},
             tasks::fresh_read(report));
}

}  // namespace cairn
