// Task rows as the tasks.* and time.* methods see them: the status vocabulary,
// the one SELECT that reads a task with its dependencies and subtask progress,
// the row -> Json conversion, and id checks that name the parameter. Ids are
// integers (#12 in editors); lists are also found by name. Free functions over
// a Db; they run on whichever thread owns that Db (a reader or the writer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "daemon/params.h"
#include "daemon/registry.h"
#include "store/db.h"

namespace cairn::tasks {

// Ids stay within ±2^53 so Neovim and JavaScript read them intact.
inline constexpr int64_t kMaxId = (int64_t{1} << 53) - 1;

// The one status vocabulary, in workflow order.
const std::vector<std::string>& statuses();
// Open statuses: the task still wants work (backlog through blocked).
bool is_open(const std::string& status);
// Statuses in which a task can be picked up (open and not blocked by hand).
const std::vector<std::string>& ready_statuses();
// "'backlog', 'todo', ..." for SQL IN lists built from constants.
std::string sql_list(const std::vector<std::string>& values);

// Tasks never due sort after every due date (year 9999).
inline constexpr int64_t kNoDue = 253402300799999;

// SELECT columns of a task row; the table is aliased t. Columns 0..kTaskColumns-1
// are read by task_json(); `extra` columns follow.
std::string task_select(const std::string& extra_columns = "");
inline constexpr int kTaskColumns = 19;
Json task_json(const store::Stmt& s);

// Loads one task by id (nullopt when absent).
Result<std::optional<Json>> load_task(store::Db& db, int64_t id);
// NOT_FOUND naming `field` when the task does not exist.
Status require_task(store::Db& db, int64_t id, const std::string& field);
// The task with its subtasks, dependencies, dependents and time spent (tasks.get).
Result<Json> task_detail(store::Db& db, int64_t id, int64_t now_ms);

// Tags: an array of distinct non-empty strings, as compact JSON.
Result<std::string> tags_text(const Json& tags, const std::string& field);

// A list given as its integer id or its name. `field` names the parameter.
Result<int64_t> resolve_list(store::Db& db, const Json& ref, const std::string& field);
// Reads an optional list reference (integer id or name) for resolve_list().
std::optional<Json> opt_list_ref(Params& p, const char* key);
// Declarations for a MethodSpec: a list (its id or name) and a task id.
ParamSpec list_ref_param(std::string name, std::string description);
ParamSpec task_id_param(std::string name, std::string description);
Result<int64_t> default_list(store::Db& db);

// "#12 \"Write parser\"" for messages.
std::string task_label(store::Db& db, int64_t id);

// Resets every statement of `db` so no read snapshot outlives a call (a cached
// SELECT stopped after its first row would otherwise pin the reader to an old
// snapshot for the next call).
void reset_statements(store::Db& db);

// Wraps a read method so it starts and ends with no statement mid-step on its
// reader: a snapshot left open by any earlier call on that connection (of any
// family) would otherwise hide commits made since.
template <typename Fn>
ReadHandler fresh_read(Fn fn) {
  return [fn](store::Db& db, const Json& params) -> Result<Json> {
    reset_statements(db);
    Result<Json> r = fn(db, params);
    reset_statements(db);
    return r;
  };
}

}  // namespace cairn::tasks
