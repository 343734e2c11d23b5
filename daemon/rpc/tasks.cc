// tasks.create/get/update/delete/depend/undepend: tasks with subtasks (parent_id)
// and a dependency DAG. Every change to a task is recorded on topic "tasks" as
// insert/update/delete with the task row before and after (the full-text index
// follows that feed), and bumps the task's version: an update that carries a
// stale version is CONFLICT. tasks.list and tasks.ready are in task_queries.cc.
#include <algorithm>

#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/rpc/task_graph.h"
#include "daemon/rpc/task_rows.h"

namespace cairn {

namespace {

constexpr size_t kMaxTitle = 1000;
constexpr size_t kMaxDescription = 256 * 1024;
constexpr int64_t kMaxEstimate = 5256000;  // ten years of minutes
constexpr size_t kMaxDepends = 1000;

// The stored columns a client can change.
struct Fields {
  std::string title;
  std::string description;
  int64_t priority = 3;
  std::string status = "todo";
  std::optional<int64_t> due, scheduled, estimate;
  std::string tags = "[]";
  int64_t list_id = 0;
  std::optional<int64_t> parent_id;
  std::optional<int64_t> completed_at;
  int64_t version = 1;

  bool same_content(const Fields& o) const {
    return title == o.title && description == o.description && priority == o.priority &&
           status == o.status && due == o.due && scheduled == o.scheduled &&
           estimate == o.estimate && tags == o.tags && list_id == o.list_id &&
           parent_id == o.parent_id;
  }
};

Result<std::optional<Fields>> read_fields(store::Db& db, int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("SELECT title, description, priority, status, due, scheduled, estimate_minutes, "
                "tags, list_id, parent_id, completed_at, version FROM tasks WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) {
    s->reset();
    return std::optional<Fields>();
  }
  Fields f;
  f.title = s->text(0);
  f.description = s->text(1);
  f.priority = s->int64(2);
  f.status = s->text(3);
  f.due = s->opt_int64(4);
  f.scheduled = s->opt_int64(5);
  f.estimate = s->opt_int64(6);
  f.tags = s->text(7);
  f.list_id = s->int64(8);
  f.parent_id = s->opt_int64(9);
  f.completed_at = s->opt_int64(10);
  f.version = s->int64(11);
  s->reset();
  return std::optional<Fields>(std::move(f));
}

// completed_at follows the status: set when the task becomes done (at `at`),
// kept while done or archived, cleared when it opens again or is cancelled.
std::optional<int64_t> completed_for(const Fields& before, const std::string& status,
                                     int64_t at, bool existed) {
  bool was_closed = existed && (before.status == "done" || before.status == "archived");
  if (status == "done") return was_closed && before.completed_at ? before.completed_at : at;
  if (status == "archived") return existed ? before.completed_at : std::nullopt;
  return std::nullopt;
}

Status check_title(const std::string& title) {
  if (title.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid_params("title must not be empty");
  }
  return Status::ok();
}

// Bumps a task's version after a change made elsewhere (an edge, a moved
// parent) and records it, so readers holding the old version see CONFLICT.
Status touch(store::WriteTxn& txn, int64_t id, const Json& before, const Json& extra) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      txn.db().cached("UPDATE tasks SET version = version + 1, updated_at = ?2 WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(id, txn.now_ms()).run());
  CAIRN_ASSIGN_OR_RETURN(auto after, tasks::load_task(txn.db(), id));
  return txn.record("tasks", "update", std::to_string(id), before, *after, extra).status();
}

Status insert_edge(store::WriteTxn& txn, int64_t id, int64_t dep) {
  CAIRN_RETURN_IF_ERROR(tasks::check_dependency(txn.db(), id, dep));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * ins,
                         txn.db().cached("INSERT INTO task_dependencies(task_id, depends_on, "
                                         "created_at) VALUES(?1, ?2, ?3)"));
  return ins->bind_all(id, dep, txn.now_ms()).run();
}

Result<bool> edge_exists(store::Db& db, int64_t id, int64_t dep) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("SELECT 1 FROM task_dependencies WHERE task_id = ?1 AND "
                                   "depends_on = ?2"));
  s->bind_all(id, dep);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  s->reset();
  return row;
}

// tags: an array of 1-100 byte strings (at most 64).
Json tags_schema() {
  return {{"type", "array"},
          {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", 100}}},
          {"maxItems", 64}};
}

// depends_on: a task id or an array of them.
Json depends_schema() {
  Json id{{"type", "integer"}, {"minimum", 1}, {"maximum", tasks::kMaxId}};
  return {{"type", Json::array({"integer", "array"})},
          {"minimum", 1},
          {"maximum", tasks::kMaxId},
          {"items", id},
          {"maxItems", kMaxDepends}};
}

Result<Json> create_task(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto id = a.opt_int("id");
  Fields f;
  f.title = a.str("title");
  f.description = a.opt_str("description").value_or("");
  f.priority = a.opt_int("priority").value_or(3);
  f.status = a.opt_str("status").value_or("todo");
  f.due = a.opt_time("due");
  f.scheduled = a.opt_time("scheduled");
  f.estimate = a.opt_int("estimate_minutes");
  auto tags = a.opt_any("tags");
  auto list_ref = a.opt_any("list_id");
  auto parent = a.opt_int("parent_id");
  auto depends = a.opt_any("depends_on");
  auto at = a.opt_time("at");
  CAIRN_RETURN_IF_ERROR(check_title(f.title));
  store::Db& db = txn.db();
  if (tags) {
    CAIRN_ASSIGN_OR_RETURN(f.tags, tasks::tags_text(*tags, "tags"));
  }
  if (list_ref) {
    CAIRN_ASSIGN_OR_RETURN(f.list_id, tasks::resolve_list(db, *list_ref, "list_id"));
  } else {
    CAIRN_ASSIGN_OR_RETURN(f.list_id, tasks::default_list(db));
  }
  if (parent) {
    CAIRN_ASSIGN_OR_RETURN(auto parent_fields, read_fields(db, *parent));
    if (!parent_fields) return not_found("no task #" + std::to_string(*parent) + " (parent_id)");
    f.parent_id = parent;
    if (!list_ref) f.list_id = parent_fields->list_id;  // a subtask stays in its parent's list
  }
  std::vector<int64_t> deps;
  if (depends) {
    Json list = depends->is_array() ? *depends : Json::array({*depends});
    if (list.size() > kMaxDepends) return invalid_params("depends_on has more than 1000 tasks");
    for (const auto& d : list) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > tasks::kMaxId) {
        return invalid_params("depends_on must be a task id or an array of task ids");
      }
      int64_t dep = d.get<int64_t>();
      CAIRN_RETURN_IF_ERROR(tasks::require_task(db, dep, "depends_on"));
      if (std::find(deps.begin(), deps.end(), dep) == deps.end()) deps.push_back(dep);
    }
  }
  if (id) {
    // A repeated create (a retry after a lost reply) returns what exists.
    CAIRN_ASSIGN_OR_RETURN(auto existing, read_fields(db, *id));
    if (existing) {
      CAIRN_ASSIGN_OR_RETURN(auto row, tasks::load_task(db, *id));
      std::vector<int64_t> have = (*row)["depends_on"].get<std::vector<int64_t>>();
      std::sort(have.begin(), have.end());
      std::vector<int64_t> want = deps;
      std::sort(want.begin(), want.end());
      if (!existing->same_content(f) || have != want) {
        return conflict("id: task #" + std::to_string(*id) + " already exists with other content");
      }
      return tasks::task_detail(db, *id, txn.now_ms());
    }
    // A self-dependency in a create with an explicit id.
    if (std::find(deps.begin(), deps.end(), *id) != deps.end()) {
      return conflict("depends_on: a task cannot depend on itself (cycle #" + std::to_string(*id) + " -> #" +
                      std::to_string(*id) + ")");
    }
  }
  f.completed_at = completed_for(Fields{}, f.status, at.value_or(txn.now_ms()), false);
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      db.cached("INSERT INTO tasks(id, list_id, parent_id, title, description, priority, status, "
                "due, scheduled, estimate_minutes, tags, completed_at, version, created_at, "
                "updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, "
                "?13)"));
  CAIRN_RETURN_IF_ERROR(ins->bind_all(id, f.list_id, f.parent_id, f.title, f.description,
                                      f.priority, f.status, f.due, f.scheduled, f.estimate, f.tags,
                                      f.completed_at, txn.now_ms())
                            .run());
  int64_t new_id = db.last_insert_rowid();
  for (int64_t dep : deps) CAIRN_RETURN_IF_ERROR(insert_edge(txn, new_id, dep));
  CAIRN_ASSIGN_OR_RETURN(auto row, tasks::load_task(db, new_id));
  CAIRN_RETURN_IF_ERROR(txn.record("tasks", "insert", std::to_string(new_id), nullptr, *row).status());
  return tasks::task_detail(db, new_id, txn.now_ms());
}

Status stale(int64_t id, int64_t have, int64_t given) {
  return conflict("version: task #" + std::to_string(id) + " is at version " + std::to_string(have) + ", not " +
                  std::to_string(given) + " (it changed since it was read)");
}

Result<Json> update_task(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  int64_t id = a.integer("id");
  auto version = a.opt_int("version");
  auto title = a.opt_str("title");
  auto description = a.opt_str("description");
  auto priority = a.opt_int("priority");
  auto status = a.opt_str("status");
  auto due = a.opt_time("due");
  auto scheduled = a.opt_time("scheduled");
  auto estimate = a.opt_int("estimate_minutes");
  auto tags = a.opt_any("tags");
  auto list_ref = a.opt_any("list_id");
  auto parent = a.opt_int("parent_id");
  auto at = a.opt_time("at");
  store::Db& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(auto old, read_fields(db, id));
  if (!old) return not_found("no task #" + std::to_string(id) + " (id)");
  if (version && *version != old->version) return stale(id, old->version, *version);
  Fields f = *old;
  if (title) {
    CAIRN_RETURN_IF_ERROR(check_title(*title));
    f.title = *title;
  }
  if (description) f.description = *description;
  if (a.null_given("description")) f.description.clear();
  if (priority) f.priority = *priority;
  if (status) f.status = *status;
  if (due || a.null_given("due")) f.due = due;
  if (scheduled || a.null_given("scheduled")) f.scheduled = scheduled;
  if (estimate || a.null_given("estimate_minutes")) f.estimate = estimate;
  if (tags) {
    CAIRN_ASSIGN_OR_RETURN(f.tags, tasks::tags_text(*tags, "tags"));
  }
  if (a.null_given("tags")) f.tags = "[]";
  if (list_ref) {
    CAIRN_ASSIGN_OR_RETURN(f.list_id, tasks::resolve_list(db, *list_ref, "list_id"));
  }
  if (parent) {
    CAIRN_RETURN_IF_ERROR(tasks::require_task(db, *parent, "parent_id"));
    CAIRN_RETURN_IF_ERROR(tasks::check_parent(db, id, *parent));
    f.parent_id = parent;
  }
  if (a.null_given("parent_id")) f.parent_id.reset();
  f.completed_at = completed_for(*old, f.status, at.value_or(txn.now_ms()), true);
  if (f.same_content(*old) && f.completed_at == old->completed_at) {
    return tasks::task_detail(db, id, txn.now_ms());  // nothing to change: no new version
  }
  CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, id));
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      db.cached("UPDATE tasks SET list_id = ?2, parent_id = ?3, title = ?4, description = ?5, "
                "priority = ?6, status = ?7, due = ?8, scheduled = ?9, estimate_minutes = ?10, "
                "tags = ?11, completed_at = ?12, version = version + 1, updated_at = ?13 "
                "WHERE id = ?1 AND version = ?14"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(id, f.list_id, f.parent_id, f.title, f.description,
                                     f.priority, f.status, f.due, f.scheduled, f.estimate, f.tags,
                                     f.completed_at, txn.now_ms(), old->version)
                            .run());
  CAIRN_ASSIGN_OR_RETURN(auto after, tasks::load_task(db, id));
  CAIRN_RETURN_IF_ERROR(txn.record("tasks", "update", std::to_string(id), *before, *after).status());
  return tasks::task_detail(db, id, txn.now_ms());
}

Result<std::vector<int64_t>> ids_of(store::Db& db, const char* sql, int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt q, db.prepare(sql));
  q.bind_all(id);
  std::vector<int64_t> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) break;
    out.push_back(q.int64(0));
  }
  return out;
}

Result<Json> delete_task(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  int64_t id = a.integer("id");
  auto version = a.opt_int("version");
  store::Db& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(auto old, tasks::load_task(db, id));
  if (!old) return not_found("no task #" + std::to_string(id) + " (id)");
  int64_t have = (*old)["version"].get<int64_t>();
  if (version && *version != have) return stale(id, have, *version);
  // What the foreign keys would change silently is changed and recorded here:
  // subtasks move to the top level, dependents lose the edge, sessions go.
  CAIRN_ASSIGN_OR_RETURN(auto children, ids_of(db, "SELECT id FROM tasks WHERE parent_id = ?1", id));
  CAIRN_ASSIGN_OR_RETURN(
      auto dependents, ids_of(db, "SELECT task_id FROM task_dependencies WHERE depends_on = ?1", id));
  CAIRN_ASSIGN_OR_RETURN(auto sessions,
                         ids_of(db, "SELECT id FROM time_sessions WHERE task_id = ?1", id));
  CAIRN_ASSIGN_OR_RETURN(auto focus,
                         ids_of(db, "SELECT id FROM focus_sessions WHERE task_id = ?1", id));
  for (int64_t child : children) {
    CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, child));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * up,
                           db.cached("UPDATE tasks SET parent_id = NULL WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(up->bind_all(child).run());
    CAIRN_RETURN_IF_ERROR(touch(txn, child, *before, {{"change", "parent_deleted"}}));
  }
  for (int64_t dependent : dependents) {
    CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, dependent));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                           db.cached("DELETE FROM task_dependencies WHERE task_id = ?1 AND "
                                     "depends_on = ?2"));
    CAIRN_RETURN_IF_ERROR(del->bind_all(dependent, id).run());
    CAIRN_RETURN_IF_ERROR(
        touch(txn, dependent, *before, {{"change", "undepend"}, {"depends_on", id}}));
  }
  for (int64_t sid : sessions) {
    CAIRN_RETURN_IF_ERROR(txn.record("time", "delete", std::to_string(sid), Json{{"id", sid}, {"task_id", id}},
                                     nullptr, {{"entity", "time_session"}})
                              .status());
  }
  for (int64_t fid : focus) {
    CAIRN_RETURN_IF_ERROR(txn.record("time", "delete", std::to_string(fid), Json{{"id", fid}, {"task_id", id}},
                                     nullptr, {{"entity", "focus_session"}})
                              .status());
  }
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * del, db.cached("DELETE FROM tasks WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
  CAIRN_RETURN_IF_ERROR(txn.record("tasks", "delete", std::to_string(id), *old, nullptr).status());
  return Json{{"deleted", true},
              {"id", id},
              {"subtasks_detached", children.size()},
              {"dependencies_removed", dependents.size() + (*old)["depends_on"].size()},
              {"sessions_deleted", sessions.size() + focus.size()}};
}

Result<Json> change_edge(store::WriteTxn& txn, const Json& params, bool add) {
  Args a(params);
  int64_t id = a.integer("id");
  int64_t dep = a.integer("depends_on");
  store::Db& db = txn.db();
  CAIRN_RETURN_IF_ERROR(tasks::require_task(db, id, "id"));
  CAIRN_RETURN_IF_ERROR(tasks::require_task(db, dep, "depends_on"));
  CAIRN_ASSIGN_OR_RETURN(bool exists, edge_exists(db, id, dep));
  if (add && !exists) {
    CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, id));
    CAIRN_RETURN_IF_ERROR(insert_edge(txn, id, dep));
    CAIRN_RETURN_IF_ERROR(touch(txn, id, *before, {{"change", "depend"}, {"depends_on", dep}}));
  } else if (!add) {
    if (!exists) {
      return not_found("depends_on: task #" + std::to_string(id) + " does not depend on #" + std::to_string(dep));
    }
    CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, id));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                           db.cached("DELETE FROM task_dependencies WHERE task_id = ?1 AND "
                                     "depends_on = ?2"));
    CAIRN_RETURN_IF_ERROR(del->bind_all(id, dep).run());
    CAIRN_RETURN_IF_ERROR(touch(txn, id, *before, {{"change", "undepend"}, {"depends_on", dep}}));
  }
  return tasks::task_detail(db, id, txn.now_ms());
}

// Every handler leaves its connection with no statement mid-step.
WriteHandler w(Result<Json> (*fn)(store::WriteTxn&, const Json&)) {
  return [fn](store::WriteTxn& txn, const Json& params) {
    auto r = fn(txn, params);
    tasks::reset_statements(txn.db());
    return r;
  };
}

}  // namespace

void register_tasks(Registry& r, Services& s) {
  s.hub.add_topic("tasks");
  r.add_write(
      "tasks.create",
      {"Creates a task; with a client-chosen id a repeat is idempotent.",
       {"tasks"},
       {tasks::task_id_param("id", "client-chosen id (the same content returns the existing task)"),
        param::str("title", kMaxTitle, "the title").required(),
        param::str("description", kMaxDescription, "the description"),
        param::integer("priority", 1, 5, "1 to 5, 5 most urgent (default 3)"),
        param::enumeration("status", tasks::statuses(), "the status (default todo)"),
        param::time("due", "when it is due"), param::time("scheduled", "when it is scheduled"),
        param::integer("estimate_minutes", 0, kMaxEstimate, "the estimate in minutes"),
        param::any("tags", tags_schema(), "tags, 1 to 100 bytes each"),
        tasks::list_ref_param("list_id", "its list (default: the parent's, else the default list)"),
        tasks::task_id_param("parent_id", "the parent task"),
        param::any("depends_on", depends_schema(), "a task id or ids it depends on"),
        param::time("at", "when it was completed, if created done").past()}},
      w(create_task));
  r.add_write(
      "tasks.update",
      {"Changes a task; null clears a field; a stale version is CONFLICT.",
       {"tasks"},
       {tasks::task_id_param("id", "the task").required(),
        param::integer("version", 1, INT64_MAX,
                       "the version read (CONFLICT when it changed since)"),
        param::str("title", kMaxTitle, "the title"),
        param::str("description", kMaxDescription, "the description").nullable(),
        param::integer("priority", 1, 5, "1 to 5, 5 most urgent"),
        param::enumeration("status", tasks::statuses(), "the status"),
        param::time("due", "when it is due").nullable(),
        param::time("scheduled", "when it is scheduled").nullable(),
        param::integer("estimate_minutes", 0, kMaxEstimate, "the estimate in minutes").nullable(),
        param::any("tags", tags_schema(), "tags, 1 to 100 bytes each").nullable(),
        tasks::list_ref_param("list_id", "its list"),
        tasks::task_id_param("parent_id", "the parent task").nullable(),
        param::time("at", "when it was completed, if it becomes done").past()}},
      w(update_task));
  r.add_write("tasks.delete",
              {"Deletes a task: detaches subtasks, removes edges and its sessions.",
               {"tasks", "time"},
               {tasks::task_id_param("id", "the task").required(),
                param::integer("version", 1, INT64_MAX,
                               "the version read (CONFLICT when it changed since)")}},
              w(delete_task));
  r.add_write(
      "tasks.depend",
      {"Makes a task depend on another (a cycle is CONFLICT).",
       {"tasks"},
       {tasks::task_id_param("id", "the task").required(),
        tasks::task_id_param("depends_on", "the task it depends on").required()}},
      w([](store::WriteTxn& txn, const Json& params) { return change_edge(txn, params, true); }));
  r.add_write(
      "tasks.undepend",
      {"Removes a dependency edge.",
       {"tasks"},
       {tasks::task_id_param("id", "the task").required(),
        tasks::task_id_param("depends_on", "the task it depended on").required()}},
      w([](store::WriteTxn& txn, const Json& params) { return change_edge(txn, params, false); }));
  r.add_read(
      "tasks.get",
      {"Reads a task with its details.", {}, {tasks::task_id_param("id", "the task").required()}},
      tasks::fresh_read([](store::Db& db, const Json& params) -> Result<Json> {
        Args a(params);
        int64_t id = a.integer("id");
        return tasks::task_detail(db, id, wall_ms());
      }));
  register_task_queries(r, s);
}

}  // namespace cairn
