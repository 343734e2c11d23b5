// The shapes tasks.* keeps acyclic: the dependency DAG (task_id depends on
// depends_on) and the parent tree. Checks run inside the writer's transaction
// before the edge is written, so no reader ever sees a cycle. Writer thread.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "store/db.h"

namespace cairn::tasks {

// CONFLICT when `task` depending on `depends_on` would close a cycle (including
// a task depending on itself); the message walks the cycle with task titles.
Status check_dependency(store::Db& db, int64_t task, int64_t depends_on);
// CONFLICT when making `parent` the parent of `task` would make `task` its own
// ancestor.
Status check_parent(store::Db& db, int64_t task, int64_t parent);

}  // namespace cairn::tasks
