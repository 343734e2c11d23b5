#include "daemon/rpc/task_graph.h"

#include <deque>
#include <map>
#include <vector>

#include "daemon/rpc/task_rows.h"

namespace cairn::tasks {

namespace {

// Shortest chain from `from` to `to` along depends_on edges, or empty. Runs only
// on the error path, after the recursive query found that one exists.
Result<std::vector<int64_t>> dependency_path(store::Db& db, int64_t from, int64_t to) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * next,
                         db.cached("SELECT depends_on FROM task_dependencies WHERE task_id = ?1"));
  std::map<int64_t, int64_t> came_from{{from, 0}};  // ids start at 1
  std::deque<int64_t> queue{from};
  while (!queue.empty()) {
    int64_t node = queue.front();
    queue.pop_front();
    if (node == to) break;
    next->reset();
    next->bind_all(node);
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, next->step());
      if (!row) break;
      int64_t n = next->int64(0);
      if (came_from.emplace(n, node).second) queue.push_back(n);
    }
  }
  next->reset();
  std::vector<int64_t> path;
  if (!came_from.count(to)) return path;
  for (int64_t at = to; at != 0; at = came_from[at]) path.insert(path.begin(), at);
  return path;
}

}  // namespace

Status check_dependency(store::Db& db, int64_t task, int64_t depends_on) {
  if (task == depends_on) {
    std::string l = task_label(db, task);
    return conflict("depends_on: a task cannot depend on itself (cycle " + l + " -> " + l + ")");
  }
  // Does depends_on already (transitively) depend on task? UNION keeps each node
  // once, so this is linear in the edges reachable from depends_on.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * reach,
      db.cached("WITH RECURSIVE reach(node) AS (SELECT ?1 UNION SELECT d.depends_on FROM "
                "task_dependencies d JOIN reach ON d.task_id = reach.node) "
                "SELECT 1 FROM reach WHERE node = ?2 LIMIT 1"));
  reach->bind_all(depends_on, task);
  CAIRN_ASSIGN_OR_RETURN(bool closes, reach->step());
  reach->reset();
  if (!closes) return Status::ok();
  CAIRN_ASSIGN_OR_RETURN(auto path, dependency_path(db, depends_on, task));
  std::string cycle = task_label(db, task);
  for (int64_t id : path) cycle += " -> " + task_label(db, id);
  return conflict("depends_on: the dependency would close a cycle: " + cycle);
}

Status check_parent(store::Db& db, int64_t task, int64_t parent) {
  if (task == parent) return conflict("parent_id: a task cannot be its own parent");
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      db.cached("WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT t.parent_id FROM tasks t "
                "JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL) "
                "SELECT 1 FROM up WHERE id = ?2 LIMIT 1"));
  up->bind_all(parent, task);
  CAIRN_ASSIGN_OR_RETURN(bool loops, up->step());
  up->reset();
  if (loops) {
    return conflict("parent_id: " + task_label(db, parent) + " is a subtask of " +
                    task_label(db, task) + ", so it cannot become its parent");
  }
  return Status::ok();
}

}  // namespace cairn::tasks
