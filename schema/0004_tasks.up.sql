-- Tasks and time: task lists, tasks with subtasks and a dependency DAG, time
-- sessions (one active at a time) and focus sessions. Written by people and
-- agents: synchronous=FULL. Times are Unix ms (UTC). JSON columns (tags, breaks)
-- are validated by the daemon: JSON functions may not appear in CHECKs here
-- (trusted_schema=OFF).

-- Ids are integers (AUTOINCREMENT: a deleted id is never reused, so a retried
-- create with a client id cannot revive another task's history); editors show
-- them as #12 and people type them.
CREATE TABLE task_lists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- At most one default list; the daemon refuses to delete it, so it always exists.
CREATE UNIQUE INDEX task_lists_one_default ON task_lists(is_default) WHERE is_default = 1;
INSERT INTO task_lists(id, name, is_default, created_at, updated_at)
  VALUES (1, 'default', 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
          CAST(strftime('%s', 'now') AS INTEGER) * 1000);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,                     -- or the client's id
  list_id INTEGER NOT NULL REFERENCES task_lists(id),       -- no cascade: moved first
  parent_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 1000),
  description TEXT NOT NULL DEFAULT '',
  priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),  -- 5 is most urgent
  status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('backlog', 'todo', 'in_progress',
    'in_review', 'blocked', 'done', 'cancelled', 'archived')),
  due INTEGER,
  scheduled INTEGER,
  estimate_minutes INTEGER CHECK (estimate_minutes IS NULL OR
                                  estimate_minutes BETWEEN 0 AND 5256000),
  tags TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  completed_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),  -- optimistic concurrency
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- completed_at follows the status: set on done, kept by archived, else cleared.
  CHECK (status <> 'done' OR completed_at IS NOT NULL),
  CHECK (status IN ('done', 'archived') OR completed_at IS NULL),
  CHECK (parent_id IS NULL OR parent_id <> id)
);
-- One index per sort order of tasks.list (keyset pagination on (k1, k2, id)),
-- so a filtered, sorted first page stops early instead of sorting every row.
CREATE INDEX tasks_by_created ON tasks(created_at, id);
CREATE INDEX tasks_by_priority ON tasks(-priority, coalesce(due, 253402300799999), id);
CREATE INDEX tasks_by_due ON tasks(coalesce(due, 253402300799999), -priority, id);
CREATE INDEX tasks_by_updated ON tasks(-updated_at, id);
CREATE INDEX tasks_by_list ON tasks(list_id, status);  -- list counts
-- Within one list, the two most used orders (without them the planner, lacking
-- statistics, picks tasks_by_list and sorts the whole list: 100 ms at 100,000 tasks).
CREATE INDEX tasks_by_list_created ON tasks(list_id, created_at, id);
CREATE INDEX tasks_by_list_priority ON tasks(list_id, -priority, coalesce(due, 253402300799999), id);
CREATE INDEX tasks_by_parent ON tasks(parent_id) WHERE parent_id IS NOT NULL;

-- task_id depends on depends_on (it cannot start before depends_on is closed).
-- The daemon keeps it acyclic (a recursive query before each insert).
CREATE TABLE task_dependencies (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  depends_on INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (task_id, depends_on),
  CHECK (task_id <> depends_on)
) WITHOUT ROWID;
CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on, task_id);

CREATE TABLE time_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,                 -- NULL while the session runs
  paused_at INTEGER,                -- set while paused
  paused_ms INTEGER NOT NULL DEFAULT 0 CHECK (paused_ms >= 0),
  breaks TEXT NOT NULL DEFAULT '[]',  -- JSON array of [start_ms, end_ms] pauses
  note TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (ended_at IS NULL OR ended_at >= started_at),
  CHECK (paused_at IS NULL OR (ended_at IS NULL AND paused_at >= started_at))
);
-- One active session at a time: every running row has the same key.
CREATE UNIQUE INDEX time_sessions_one_active ON time_sessions((ended_at IS NULL))
  WHERE ended_at IS NULL;
CREATE INDEX time_sessions_by_task ON time_sessions(task_id, started_at);
CREATE INDEX time_sessions_by_start ON time_sessions(started_at);

CREATE TABLE focus_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  planned_minutes INTEGER NOT NULL CHECK (planned_minutes BETWEEN 1 AND 1440),
  started_at INTEGER NOT NULL,
  completed_at INTEGER,
  actual_minutes REAL CHECK (actual_minutes IS NULL OR actual_minutes >= 0),
  distractions INTEGER NOT NULL DEFAULT 0 CHECK (distractions BETWEEN 0 AND 10000),
  notes TEXT,
  score INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 100),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (completed_at IS NULL OR completed_at >= started_at)
);
CREATE UNIQUE INDEX focus_sessions_one_active ON focus_sessions((completed_at IS NULL))
  WHERE completed_at IS NULL;
CREATE INDEX focus_sessions_by_task ON focus_sessions(task_id, started_at);
