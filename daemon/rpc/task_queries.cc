// tasks.list and tasks.ready: read-only queries over tasks on a reader thread.
// Each sort order has an index on exactly its key expressions (schema 0004), so a
// filtered first page walks the index and stops after `limit` rows instead of
// sorting every task. Pages continue with keyset cursors: `next` is the sort key
// of the last row, opaque to clients.
#include <algorithm>

#include "base/clock.h"
#include "base/json_text.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/rpc/task_rows.h"

namespace cairn {

namespace {

constexpr int64_t kMaxPage = 1000;

struct Sort {
  const char* name;
  std::vector<std::string> keys;  // ascending; t.id breaks ties
};

const std::vector<Sort>& sorts() {
  static const std::vector<Sort>& kSorts = *new std::vector<Sort>{
      {"priority", {"-t.priority", "coalesce(t.due, 253402300799999)"}},
      {"due", {"coalesce(t.due, 253402300799999)", "-t.priority"}},
      {"created", {"t.created_at"}},
      {"updated", {"-t.updated_at"}},
      {"title", {"t.title"}},
  };
  return kSorts;
}

std::vector<std::string> sort_names() {
  std::vector<std::string> out;
  for (const auto& s : sorts()) out.push_back(s.name);
  return out;
}

// Status filter: a status, "open", or an array of them; validated against the
// fixed vocabulary, so the SQL list is built from constants only.
Result<std::vector<std::string>> status_filter(const Json& v) {
  std::vector<std::string> items;
  if (v.is_string()) {
    items.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_string()) return invalid_params("status must be a status or an array of them");
      items.push_back(e.get<std::string>());
    }
  } else {
    return invalid_params("status must be a status or an array of them");
  }
  std::vector<std::string> out;
  for (const auto& s : items) {
    if (s == "open") {
      for (const auto& o : tasks::statuses()) {
        if (tasks::is_open(o)) out.push_back(o);
      }
      continue;
    }
    const auto& all = tasks::statuses();
    if (std::find(all.begin(), all.end(), s) == all.end()) {
      return invalid_params("status must be open or one of: backlog, todo, in_progress, "
                            "in_review, blocked, done, cancelled, archived");
    }
    out.push_back(s);
  }
  if (out.empty()) return invalid_params("status must not be an empty array");
  return out;
}

std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

void bind_json(store::Stmt& s, int idx, const Json& v) {
  if (v.is_number_integer()) {
    s.bind(idx, v.get<int64_t>());
  } else if (v.is_string()) {
    s.bind(idx, v.get<std::string>());
  } else {
    s.bind(idx, nullptr);
  }
}

// status: a status, "open", or an array of them.
Json status_filter_schema() {
  Json one = tasks::statuses();
  one.push_back("open");
  return {{"type", Json::array({"string", "array"})},
          {"anyOf",
           Json::array({Json{{"type", "string"}, {"enum", one}},
                        Json{{"type", "array"}, {"items", {{"type", "string"}, {"enum", one}}}}})}};
}

Result<Json> list_tasks(store::Db& db, const Json& params) {
  Args a(params);
  Json status = a.any("status");
  auto list_ref = a.opt_any("list_id");
  auto tag = a.opt_str("tag");
  auto due_before = a.opt_time("due_before");
  auto due_after = a.opt_time("due_after");
  auto parent_id = a.opt_int("parent_id");
  auto text = a.opt_str("text");
  std::string sort_name = a.opt_str("sort").value_or("created");
  int64_t limit = a.opt_int("limit").value_or(100);
  auto after = a.opt_str("after");
  const Sort* sort = nullptr;
  for (const auto& s : sorts()) {
    if (sort_name == s.name) sort = &s;
  }

  std::string keys;
  for (const auto& k : sort->keys) keys += k + ", ";
  std::string sql = tasks::task_select(keys + "t.id") + " WHERE 1";
  if (!status.is_null()) {
    CAIRN_ASSIGN_OR_RETURN(auto st, status_filter(status));
    sql += " AND t.status IN (" + tasks::sql_list(st) + ")";
  }
  std::optional<int64_t> list_id;
  if (list_ref) {
    CAIRN_ASSIGN_OR_RETURN(list_id, tasks::resolve_list(db, *list_ref, "list_id"));
    sql += " AND t.list_id = :list";
  }
  if (parent_id) sql += " AND t.parent_id = :parent";
  if (tag) {
    // instr() is a cheap prefilter on the JSON text; json_each decides.
    sql += " AND instr(t.tags, :tag_json) > 0 AND EXISTS (SELECT 1 FROM json_each(t.tags) "
           "WHERE value = :tag)";
  }
  if (due_before) sql += " AND t.due IS NOT NULL AND t.due < :due_before";
  if (due_after) sql += " AND t.due IS NOT NULL AND t.due >= :due_after";
  if (text) {
    sql += " AND (t.title LIKE :text ESCAPE '\\' OR t.description LIKE :text ESCAPE '\\')";
  }
  Json cursor;
  if (after) {
    auto parsed = parse_json_param(*after, "after");
    cursor = parsed ? std::move(*parsed) : Json(Json::value_t::discarded);
    if (cursor.is_discarded() || !cursor.is_array() || cursor.size() != sort->keys.size() + 1) {
      return invalid_params("after is not a cursor from tasks.list with sort " + sort_name);
    }
    std::string lhs = "(", rhs = "(";
    for (size_t i = 0; i < sort->keys.size(); ++i) {
      lhs += sort->keys[i] + ", ";
      rhs += ":k" + std::to_string(i) + ", ";
    }
    sql += " AND " + lhs + "t.id) > " + rhs + ":kid)";
  }
  sql += " ORDER BY " + keys + "t.id LIMIT :limit";

  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  if (list_id) q->bind(":list", *list_id);
  if (parent_id) q->bind(":parent", *parent_id);
  if (tag) {
    q->bind(":tag", *tag);
    q->bind(":tag_json", Json(*tag).dump());
  }
  if (due_before) q->bind(":due_before", *due_before);
  if (due_after) q->bind(":due_after", *due_after);
  if (text) q->bind(":text", like_pattern(*text));
  if (after) {
    for (size_t i = 0; i < sort->keys.size(); ++i) {
      bind_json(*q, sqlite3_bind_parameter_index(q->get(), (":k" + std::to_string(i)).c_str()),
                cursor[i]);
    }
    bind_json(*q, sqlite3_bind_parameter_index(q->get(), ":kid"), cursor.back());
  }
  q->bind(":limit", limit + 1);

  Json items = Json::array();
  Json last_key;
  bool more = false;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    if (static_cast<int64_t>(items.size()) == limit) {
      more = true;  // a row beyond the page exists
      break;
    }
    items.push_back(tasks::task_json(*q));
    last_key = Json::array();
    for (size_t i = 0; i <= sort->keys.size(); ++i) {
      last_key.push_back(q->value(tasks::kTaskColumns + static_cast<int>(i)));
    }
  }
  q->reset();
  return Json{{"tasks", std::move(items)}, {"next", more ? Json(last_key.dump()) : Json(nullptr)}};
}

Result<Json> ready_tasks(store::Db& db, const Json& params) {
  Args a(params);
  int64_t limit = a.opt_int("limit").value_or(100);
  auto list_ref = a.opt_any("list_id");
  std::optional<int64_t> list_id;
  if (list_ref) {
    CAIRN_ASSIGN_OR_RETURN(list_id, tasks::resolve_list(db, *list_ref, "list_id"));
  }
  // Open, not blocked by hand, and every dependency done (completed_at set).
  static const std::string& sql = *new std::string(
      tasks::task_select() + " WHERE t.status IN (" + tasks::sql_list(tasks::ready_statuses()) +
      ") AND (?2 IS NULL OR t.list_id = ?2) AND NOT EXISTS (SELECT 1 FROM task_dependencies d "
      "JOIN tasks u ON u.id = d.depends_on WHERE d.task_id = t.id AND u.completed_at IS NULL) "
      "ORDER BY -t.priority, coalesce(t.due, 253402300799999), t.id LIMIT ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(limit, list_id);
  Json items = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    items.push_back(tasks::task_json(*q));
  }
  return Json{{"tasks", std::move(items)}};
}

}  // namespace

void register_task_queries(Registry& r, Services&) {
  r.add_read(
      "tasks.list",
      {"Lists tasks with filters, sorted, a page at a time.",
       {},
       {param::any("status", status_filter_schema(), "a status, \"open\", or an array of them"),
        tasks::list_ref_param("list_id", "only this list"),
        param::str("tag", 100, "only tasks with this tag"),
        param::time("due_before", "due before this (exclusive)"),
        param::time("due_after", "due at or after this"),
        tasks::task_id_param("parent_id", "only subtasks of this task"),
        param::str("text", 1000, "a substring of title or description"),
        param::enumeration("sort", sort_names(),
                           "created (default), priority, due, updated or title"),
        param::integer("limit", 1, kMaxPage, "most rows (default 100)"),
        param::str("after", 4096, "the previous page's next cursor")}},
      tasks::fresh_read(list_tasks));
  r.add_read("tasks.ready",
             {"Lists tasks ready to work on: open, with every dependency done.",
              {},
              {param::integer("limit", 1, kMaxPage, "most rows (default 100)"),
               tasks::list_ref_param("list_id", "only this list")}},
             tasks::fresh_read(ready_tasks));
}

}  // namespace cairn
