#include "daemon/rpc/task_rows.h"

#include <algorithm>

#include "base/clock.h"
#include "base/json_text.h"
#include "daemon/rpc/time_math.h"

namespace cairn::tasks {

const std::vector<std::string>& statuses() {
  static const std::vector<std::string>& kAll = *new std::vector<std::string>{
      "backlog", "todo", "in_progress", "in_review", "blocked", "done", "cancelled", "archived"};
  return kAll;
}

bool is_open(const std::string& status) {
  return status != "done" && status != "cancelled" && status != "archived";
}

const std::vector<std::string>& ready_statuses() {
  static const std::vector<std::string>& kReady =
      *new std::vector<std::string>{"backlog", "todo", "in_progress", "in_review"};
  return kReady;
}

std::string sql_list(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "'" : ", '") + v + "'";
  return out;
}

std::string task_select(const std::string& extra_columns) {
  return "SELECT t.id, t.list_id, t.parent_id, t.title, t.description, t.priority, t.status, "
         "t.due, t.scheduled, t.estimate_minutes, t.tags, t.completed_at, t.version, "
         "t.created_at, t.updated_at, "
         "(SELECT group_concat(d.depends_on) FROM task_dependencies d WHERE d.task_id = t.id), "
         "(SELECT count(*) FROM tasks c WHERE c.parent_id = t.id AND c.status <> 'cancelled'), "
         "(SELECT count(*) FROM tasks c WHERE c.parent_id = t.id AND c.completed_at IS NOT NULL), "
         "(SELECT l.name FROM task_lists l WHERE l.id = t.list_id)" +
         (extra_columns.empty() ? std::string() : ", " + extra_columns) + " FROM tasks t";
}

namespace {

Json opt_time(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  return format_iso8601(s.int64(col));
}

Json brief(const store::Stmt& s) {
  return Json{{"id", s.int64(0)}, {"title", s.text(1)}, {"status", s.text(2)}};
}

}  // namespace

Json task_json(const store::Stmt& s) {
  Json tags = Json::array();
  if (auto v = parse_json_text(s.text(10)); v && v->is_array()) tags = *v;
  Json deps = Json::array();
  if (!s.is_null(15)) {
    std::string all = s.text(15);
    size_t start = 0;
    for (;;) {
      size_t sep = all.find(',', start);
      deps.push_back(std::stoll(all.substr(start, sep - start)));
      if (sep == std::string::npos) break;
      start = sep + 1;
    }
  }
  Json progress = nullptr;
  if (s.int64(16) > 0 || s.int64(17) > 0) {
    progress = Json{{"done", s.int64(17)}, {"total", std::max(s.int64(16), s.int64(17))}};
  }
  return Json{{"id", s.int64(0)},
              {"list_id", s.int64(1)},
              {"list", s.text(18)},
              {"parent_id", s.is_null(2) ? Json(nullptr) : Json(s.int64(2))},
              {"title", s.text(3)},
              {"description", s.text(4)},
              {"priority", s.int64(5)},
              {"status", s.text(6)},
              {"due", opt_time(s, 7)},
              {"scheduled", opt_time(s, 8)},
              {"estimate_minutes", s.is_null(9) ? Json(nullptr) : Json(s.int64(9))},
              {"tags", tags},
              {"completed_at", opt_time(s, 11)},
              {"version", s.int64(12)},
              {"created_at", format_iso8601(s.int64(13))},
              {"updated_at", format_iso8601(s.int64(14))},
              {"depends_on", deps},
              {"progress", progress}};
}

Result<std::optional<Json>> load_task(store::Db& db, int64_t id) {
  static const std::string& sql = *new std::string(task_select() + " WHERE t.id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  std::optional<Json> out;
  if (row) out = task_json(*s);
  s->reset();
  return out;
}

Status require_task(store::Db& db, int64_t id, const std::string& field) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT 1 FROM tasks WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool found, s->step());
  s->reset();
  if (!found) return not_found("no task #" + std::to_string(id) + " (" + field + ")");
  return Status::ok();
}

Result<Json> task_detail(store::Db& db, int64_t id, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(auto task, load_task(db, id));
  if (!task) return not_found("no task #" + std::to_string(id));
  Json out = *task;
  auto related = [&](const char* sql) -> Result<Json> {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql));
    s->bind_all(id);
    Json items = Json::array();
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
      if (!row) break;
      items.push_back(brief(*s));
    }
    s->reset();
    return items;
  };
  CAIRN_ASSIGN_OR_RETURN(out["subtasks"],
                         related("SELECT id, title, status FROM tasks WHERE parent_id = ?1 "
                                 "ORDER BY created_at, id LIMIT 1000"));
  CAIRN_ASSIGN_OR_RETURN(out["dependencies"],
                         related("SELECT t.id, t.title, t.status FROM task_dependencies d JOIN "
                                 "tasks t ON t.id = d.depends_on WHERE d.task_id = ?1 "
                                 "ORDER BY t.created_at, t.id LIMIT 1000"));
  CAIRN_ASSIGN_OR_RETURN(out["dependents"],
                         related("SELECT t.id, t.title, t.status FROM task_dependencies d JOIN "
                                 "tasks t ON t.id = d.task_id WHERE d.depends_on = ?1 "
                                 "ORDER BY t.created_at, t.id LIMIT 1000"));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * sessions,
                         db.cached("SELECT started_at, ended_at, paused_at, breaks FROM "
                                   "time_sessions WHERE task_id = ?1"));
  sessions->bind_all(id);
  int64_t spent = 0, count = 0;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, sessions->step());
    if (!row) break;
    timemath::Session ts{sessions->int64(0), sessions->opt_int64(1), sessions->opt_int64(2), {}};
    CAIRN_ASSIGN_OR_RETURN(ts.breaks, timemath::parse_breaks(sessions->text(3)));
    spent += timemath::total_ms(timemath::worked(ts, now_ms));
    ++count;
  }
  sessions->reset();
  out["time_spent_ms"] = spent;
  out["actual_minutes"] = spent / 60000;
  out["session_count"] = count;
  return out;
}

Result<std::string> tags_text(const Json& tags, const std::string& field) {
  if (!tags.is_array()) return invalid_params(field + " must be an array of strings");
  if (tags.size() > 64) return invalid_params(field + " has more than 64 tags");
  Json out = Json::array();
  for (const auto& t : tags) {
    if (!t.is_string() || t.get_ref<const std::string&>().empty() ||
        t.get_ref<const std::string&>().size() > 100) {
      return invalid_params(field + " must hold strings of 1 to 100 bytes");
    }
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return to_json_text(out, field);
}

Result<int64_t> resolve_list(store::Db& db, const Json& ref, const std::string& field) {
  if (ref.is_number_integer()) {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT id FROM task_lists WHERE id = ?1"));
    s->bind_all(ref.get<int64_t>());
    CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
    s->reset();
    if (!row) return not_found("no list #" + ref.dump() + " (" + field + ")");
    return ref.get<int64_t>();
  }
  if (!ref.is_string()) return invalid_params(field + " must be a list id or a list name");
  const std::string& name = ref.get_ref<const std::string&>();
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT id FROM task_lists WHERE name = ?1"));
  s->bind_all(name);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  int64_t id = row ? s->int64(0) : 0;
  s->reset();
  if (!row) return not_found("no list named " + name + " (" + field + ")");
  return id;
}

std::optional<Json> opt_list_ref(Params& p, const char* key) {
  auto v = p.opt_any(key);
  if (!v) return v;
  if (v->is_number_integer() && v->get<int64_t>() >= 1 && v->get<int64_t>() <= kMaxId) return v;
  if (v->is_string() && !v->get_ref<const std::string&>().empty() &&
      v->get_ref<const std::string&>().size() <= 200) {
    return v;
  }
  p.fail(invalid_params(std::string(key) + " must be a list id or a list name of 1 to 200 bytes"));
  return std::nullopt;
}

ParamSpec list_ref_param(std::string name, std::string description) {
  return param::any(std::move(name),
                    {{"type", Json::array({"integer", "string"})},
                     {"minimum", 1},
                     {"maximum", kMaxId},
                     {"minLength", 1},
                     {"maxLength", 200}},
                    description + " (a list id or name)")
      .checked_by_reader([](Params& p, const char* key) { opt_list_ref(p, key); });
}

ParamSpec task_id_param(std::string name, std::string description) {
  return param::integer(std::move(name), 1, kMaxId, std::move(description));
}

Result<int64_t> default_list(store::Db& db) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("SELECT id FROM task_lists WHERE is_default = 1"));
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  int64_t id = row ? s->int64(0) : 0;
  s->reset();
  if (!row) return internal_error("the default task list is missing");
  return id;
}

std::string task_label(store::Db& db, int64_t id) {
  std::string out = "#" + std::to_string(id);
  auto s = db.cached("SELECT title FROM tasks WHERE id = ?1");
  if (s) {
    (*s)->bind_all(id);
    auto row = (*s)->step();
    if (row && *row) out += " \"" + (*s)->text(0) + "\"";
    (*s)->reset();
  }
  return out;
}

void reset_statements(store::Db& db) {
  for (sqlite3_stmt* st = sqlite3_next_stmt(db.get(), nullptr); st;
       st = sqlite3_next_stmt(db.get(), st)) {
    sqlite3_reset(st);
  }
}

}  // namespace cairn::tasks
