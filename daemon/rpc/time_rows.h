// Time and focus session rows as time.* and focus.* return them: the SELECTs,
// row -> Json (worked time computed at `now` for a running session), and the
// active-session lookups. Free functions over a Db, on the thread owning it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "daemon/rpc/time_math.h"
#include "store/db.h"

namespace cairn::timerows {

// Columns: id, task_id, started_at, ended_at, paused_at, paused_ms, breaks, note,
// task title, list id. Table alias s, tasks joined as t.
extern const char* const kSessionSelect;
Result<Json> session_json(const store::Stmt& s, int64_t now);
Result<timemath::Session> session_times(const store::Stmt& s);
Result<std::optional<Json>> active_session(store::Db& db, int64_t now);

// Columns: id, task_id, planned_minutes, started_at, completed_at, actual_minutes,
// distractions, notes, score, task title. Table alias f.
extern const char* const kFocusSelect;
Json focus_json(const store::Stmt& s, int64_t now);
Result<std::optional<Json>> active_focus(store::Db& db, int64_t now);
Result<std::optional<Json>> load_focus(store::Db& db, int64_t id, int64_t now);

// 0-100: the share of the planned time kept, less 10 points per distraction.
int64_t focus_score(double actual_minutes, int64_t planned_minutes, int64_t distractions);

}  // namespace cairn::timerows
