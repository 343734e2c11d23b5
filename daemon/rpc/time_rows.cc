#include "daemon/rpc/time_rows.h"

#include <algorithm>
#include <cmath>

#include "base/clock.h"

namespace cairn::timerows {

const char* const kSessionSelect =
    "SELECT s.id, s.task_id, s.started_at, s.ended_at, s.paused_at, s.paused_ms, s.breaks, "
    "s.note, t.title, t.list_id FROM time_sessions s JOIN tasks t ON t.id = s.task_id";

namespace {
Json opt_time(const store::Stmt& s, int col) {
  return s.is_null(col) ? Json(nullptr) : Json(format_iso8601(s.int64(col)));
}
}  // namespace

Result<timemath::Session> session_times(const store::Stmt& s) {
  timemath::Session t{s.int64(2), s.opt_int64(3), s.opt_int64(4), {}};
  CAIRN_ASSIGN_OR_RETURN(t.breaks, timemath::parse_breaks(s.text(6)));
  return t;
}

Result<Json> session_json(const store::Stmt& s, int64_t now) {
  CAIRN_ASSIGN_OR_RETURN(auto times, session_times(s));
  Json breaks = Json::array();
  for (const auto& b : times.breaks) {
    breaks.push_back({{"start", format_iso8601(b.start)}, {"end", format_iso8601(b.end)}});
  }
  int64_t paused_ms = s.int64(5);
  if (times.paused_at && !times.ended) paused_ms += std::max<int64_t>(0, now - *times.paused_at);
  return Json{{"id", s.int64(0)},
              {"task_id", s.int64(1)},
              {"task_title", s.text(8)},
              {"list_id", s.int64(9)},
              {"started_at", format_iso8601(times.started)},
              {"ended_at", opt_time(s, 3)},
              {"paused_at", opt_time(s, 4)},
              {"paused_ms", paused_ms},
              {"breaks", breaks},
              {"note", s.is_null(7) ? Json(nullptr) : Json(s.text(7))},
              {"running", !times.ended.has_value()},
              {"paused", times.paused_at.has_value() && !times.ended},
              {"duration_ms", timemath::total_ms(timemath::worked(times, now))}};
}

Result<std::optional<Json>> active_session(store::Db& db, int64_t now) {
  static const std::string& sql =
      *new std::string(std::string(kSessionSelect) + " WHERE s.ended_at IS NULL");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  if (!row) return std::optional<Json>();
  auto j = session_json(*q, now);
  q->reset();
  if (!j) return j.status();
  return std::optional<Json>(std::move(*j));
}

const char* const kFocusSelect =
    "SELECT f.id, f.task_id, f.planned_minutes, f.started_at, f.completed_at, f.actual_minutes, "
    "f.distractions, f.notes, f.score, t.title FROM focus_sessions f JOIN tasks t ON "
    "t.id = f.task_id";

Json focus_json(const store::Stmt& s, int64_t now) {
  int64_t started = s.int64(3);
  bool running = s.is_null(4);
  Json actual = s.is_null(5) ? Json(nullptr) : Json(s.real(5));
  Json out{{"id", s.int64(0)},
           {"task_id", s.int64(1)},
           {"task_title", s.text(9)},
           {"planned_minutes", s.int64(2)},
           {"started_at", format_iso8601(started)},
           {"ends_at", format_iso8601(started + s.int64(2) * 60000)},
           {"completed_at", opt_time(s, 4)},
           {"actual_minutes", actual},
           {"distractions", s.int64(6)},
           {"notes", s.is_null(7) ? Json(nullptr) : Json(s.text(7))},
           {"score", s.is_null(8) ? Json(nullptr) : Json(s.int64(8))},
           {"running", running}};
  if (running) out["elapsed_ms"] = std::max<int64_t>(0, now - started);
  return out;
}

Result<std::optional<Json>> active_focus(store::Db& db, int64_t now) {
  static const std::string& sql =
      *new std::string(std::string(kFocusSelect) + " WHERE f.completed_at IS NULL");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  if (!row) return std::optional<Json>();
  Json j = focus_json(*q, now);
  q->reset();
  return std::optional<Json>(std::move(j));
}

Result<std::optional<Json>> load_focus(store::Db& db, int64_t id, int64_t now) {
  static const std::string& sql = *new std::string(std::string(kFocusSelect) + " WHERE f.id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
  if (!row) return std::optional<Json>();
  Json j = focus_json(*q, now);
  q->reset();
  return std::optional<Json>(std::move(j));
}

int64_t focus_score(double actual_minutes, int64_t planned_minutes, int64_t distractions) {
  double kept = planned_minutes > 0 ? std::min(1.0, actual_minutes / planned_minutes) : 0.0;
  int64_t score = std::llround(kept * 100.0) - 10 * distractions;
  return std::clamp<int64_t>(score, 0, 100);
}

}  // namespace cairn::timerows
