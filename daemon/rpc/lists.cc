// lists.*: task lists. A default list always exists (created by the migration,
// never deleted); deleting a list that holds tasks needs move_to. Changes go to
// topic "tasks" with kinds list_insert, list_update and list_delete, so
// consumers of task rows (insert/update/delete) are not confused by them.
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/rpc/task_rows.h"

namespace cairn {

namespace {

constexpr size_t kMaxName = 200;

const char* kListSelect =
    "SELECT l.id, l.name, l.is_default, l.created_at, l.updated_at, "
    "(SELECT count(*) FROM tasks t WHERE t.list_id = l.id), "
    "(SELECT count(*) FROM tasks t WHERE t.list_id = l.id AND t.status NOT IN ('done', "
    "'cancelled', 'archived')) FROM task_lists l";

Json list_json(const store::Stmt& s) {
  return Json{{"id", s.int64(0)},
              {"name", s.text(1)},
              {"is_default", s.int64(2) == 1},
              {"created_at", format_iso8601(s.int64(3))},
              {"updated_at", format_iso8601(s.int64(4))},
              {"task_count", s.int64(5)},
              {"open_count", s.int64(6)}};
}

Result<std::optional<Json>> load_list(store::Db& db, int64_t id) {
  static const std::string& sql = *new std::string(std::string(kListSelect) + " WHERE l.id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  std::optional<Json> out;
  if (row) out = list_json(*s);
  s->reset();
  return out;
}

// The changelog carries the list without its counts (they change with tasks).
Json list_record(Json list) {
  list.erase("task_count");
  list.erase("open_count");
  return list;
}

Status check_name(const std::string& name) {
  if (name.empty()) return invalid_params("name must not be empty");
  if (name.find_first_not_of(" \t") == std::string::npos) {
    return invalid_params("name must not be blank");
  }
  return Status::ok();
}

Status name_free(store::Db& db, const std::string& name, int64_t except_id) {
  auto s = db.cached("SELECT id FROM task_lists WHERE name = ?1 AND id <> ?2");
  if (!s) return s.status();
  (*s)->bind_all(name, except_id);
  CAIRN_ASSIGN_OR_RETURN(bool taken, (*s)->step());
  (*s)->reset();
  if (taken) return conflict("name: a list named " + name + " already exists");
  return Status::ok();
}

}  // namespace

void register_lists(Registry& r, Services& s) {
  s.hub.add_topic("tasks");

  r.add_write(
      "lists.create",
      {"Creates a task list.",
       {"tasks"},
       {tasks::task_id_param("id", "client-chosen id"),
        param::str("name", kMaxName, "the name, unique").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto id = a.opt_int("id");
        auto name = a.str("name");
        CAIRN_RETURN_IF_ERROR(check_name(name));
        if (id) {
          CAIRN_ASSIGN_OR_RETURN(auto existing, load_list(txn.db(), *id));
          if (existing) {
            if ((*existing)["name"] == name) return *existing;
            return conflict("id: list #" + std::to_string(*id) + " exists with another name");
          }
        }
        CAIRN_RETURN_IF_ERROR(name_free(txn.db(), name, 0));
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * ins,
            txn.db().cached("INSERT INTO task_lists(id, name, is_default, "
                            "created_at, updated_at) VALUES(?1, ?2, 0, ?3, ?3)"));
        CAIRN_RETURN_IF_ERROR(ins->bind_all(id, name, txn.now_ms()).run());
        int64_t new_id = txn.db().last_insert_rowid();
        CAIRN_ASSIGN_OR_RETURN(auto created, load_list(txn.db(), new_id));
        CAIRN_RETURN_IF_ERROR(txn.record("tasks", "list_insert", std::to_string(new_id), nullptr,
                                         list_record(*created))
                                  .status());
        return *created;
      });

  r.add_read("lists.list", {"Lists task lists, the default first, then by name.", {}, {}},
             tasks::fresh_read([](store::Db& db, const Json& /*params*/) -> Result<Json> {
               static const std::string& sql = *new std::string(
                   std::string(kListSelect) + " ORDER BY l.is_default DESC, l.name LIMIT 4000");
               CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
               Json lists = Json::array();
               for (;;) {
                 CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
                 if (!row) break;
                 lists.push_back(list_json(*q));
               }
               return Json{{"lists", std::move(lists)}};
             }));

  r.add_write(
      "lists.update",
      {"Renames a task list.",
       {"tasks"},
       {tasks::list_ref_param("id", "the list").required(),
        param::str("name", kMaxName, "the new name").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto ref = a.opt_any("id");
        auto name = a.str("name");
        CAIRN_RETURN_IF_ERROR(check_name(name));
        CAIRN_ASSIGN_OR_RETURN(int64_t id, tasks::resolve_list(txn.db(), *ref, "id"));
        CAIRN_ASSIGN_OR_RETURN(auto old, load_list(txn.db(), id));
        if ((*old)["name"] == name) return *old;
        CAIRN_RETURN_IF_ERROR(name_free(txn.db(), name, id));
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * up,
            txn.db().cached("UPDATE task_lists SET name = ?2, updated_at = ?3 WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(up->bind_all(id, name, txn.now_ms()).run());
        CAIRN_ASSIGN_OR_RETURN(auto now, load_list(txn.db(), id));
        CAIRN_RETURN_IF_ERROR(txn.record("tasks", "list_update", std::to_string(id),
                                         list_record(*old), list_record(*now))
                                  .status());
        return *now;
      });

  r.add_write(
      "lists.delete",
      {"Deletes a task list, moving its tasks to move_to.",
       {"tasks"},
       {tasks::list_ref_param("id", "the list").required(),
        tasks::list_ref_param("move_to", "where its tasks go")}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto ref = a.opt_any("id");
        auto move_ref = a.opt_any("move_to");
        store::Db& db = txn.db();
        CAIRN_ASSIGN_OR_RETURN(int64_t id, tasks::resolve_list(db, *ref, "id"));
        CAIRN_ASSIGN_OR_RETURN(auto old, load_list(db, id));
        if ((*old)["is_default"].get<bool>()) {
          return conflict("id: the default list cannot be deleted (rename it instead)");
        }
        int64_t count = (*old)["task_count"].get<int64_t>();
        std::optional<int64_t> move_to;
        if (move_ref) {
          CAIRN_ASSIGN_OR_RETURN(move_to, tasks::resolve_list(db, *move_ref, "move_to"));
          if (*move_to == id) return invalid_params("move_to must be another list");
        }
        if (count > 0 && !move_to) {
          return conflict("list " + (*old)["name"].get<std::string>() + " has " +
                          std::to_string(count) + " tasks: pass move_to to say where they go");
        }
        if (count > 0) {
          // One recorded update per task moved, so subscribers see each one.
          CAIRN_ASSIGN_OR_RETURN(store::Stmt ids,
                                 db.prepare("SELECT id FROM tasks WHERE list_id = ?1"));
          ids.bind_all(id);
          std::vector<int64_t> moving;
          for (;;) {
            CAIRN_ASSIGN_OR_RETURN(bool row, ids.step());
            if (!row) break;
            moving.push_back(ids.int64(0));
          }
          for (int64_t task_id : moving) {
            CAIRN_ASSIGN_OR_RETURN(auto before, tasks::load_task(db, task_id));
            // Fetched each time: cached() resets the statement, which a rebind needs.
            CAIRN_ASSIGN_OR_RETURN(
                store::Stmt * mv, db.cached("UPDATE tasks SET list_id = ?2, version = version + 1, "
                                            "updated_at = ?3 WHERE id = ?1"));
            CAIRN_RETURN_IF_ERROR(mv->bind_all(task_id, *move_to, txn.now_ms()).run());
            CAIRN_ASSIGN_OR_RETURN(auto after, tasks::load_task(db, task_id));
            CAIRN_RETURN_IF_ERROR(txn.record("tasks", "update", std::to_string(task_id), *before,
                                             *after, {{"change", "list_deleted"}})
                                      .status());
          }
        }
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                               db.cached("DELETE FROM task_lists WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
        CAIRN_RETURN_IF_ERROR(
            txn.record("tasks", "list_delete", std::to_string(id), list_record(*old), nullptr)
                .status());
        return Json{{"deleted", true},
                    {"id", id},
                    {"moved", count},
                    {"move_to", move_to ? Json(*move_to) : Json()}};
      });
}

}  // namespace cairn
