-- Agent workflow: approvals an agent asks a person for, notifications, agent
-- runs and reviews with per-file, per-line feedback. What people and agents
-- wrote here cannot be derived again: written with synchronous=FULL.
-- JSON columns are validated by the daemon (no JSON functions in CHECKs: the
-- connections run with trusted_schema=OFF).

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  action_type TEXT NOT NULL CHECK (length(action_type) BETWEEN 1 AND 256),
  details TEXT,                       -- JSON
  requested_by TEXT,
  task_id TEXT,                       -- no foreign key: tasks may live in another store
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  decided_at INTEGER,                 -- Unix ms; also when it expired
  decision_note TEXT,
  expires_at INTEGER,                 -- Unix ms; NULL never expires
  created_at INTEGER NOT NULL,
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
-- The expiry pass looks only at pending approvals with a deadline.
CREATE INDEX approvals_pending_by_expiry ON approvals(expires_at)
  WHERE status = 'pending' AND expires_at IS NOT NULL;
CREATE INDEX approvals_by_status ON approvals(status, created_at);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 1024),
  message TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT 'info',
  priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'read', 'archived')),
  data TEXT,                          -- JSON
  created_at INTEGER NOT NULL,
  read_at INTEGER
);
CREATE INDEX notifications_by_status ON notifications(status, created_at);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  task_id TEXT,
  instruction TEXT NOT NULL,
  executor TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  summary TEXT,
  patch TEXT,
  files_changed TEXT,                 -- JSON array of paths
  logs TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  CHECK ((status IN ('succeeded', 'failed', 'canceled')) = (finished_at IS NOT NULL))
);
CREATE INDEX runs_by_task ON runs(task_id, created_at);
CREATE INDEX runs_by_created ON runs(created_at);
-- Retention drops the logs of runs finished long ago.
CREATE INDEX runs_finished_with_logs ON runs(finished_at) WHERE logs IS NOT NULL;

CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  task_id TEXT,
  run_ids TEXT NOT NULL DEFAULT '[]', -- JSON array of run ids
  summary TEXT,
  score REAL CHECK (score IS NULL OR (score >= 0 AND score <= 100)),
  created_at INTEGER NOT NULL
);
CREATE INDEX reviews_by_task ON reviews(task_id, created_at);

CREATE TABLE review_feedback (
  id TEXT PRIMARY KEY,                -- <review id>#<position>
  review_id TEXT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  file TEXT NOT NULL CHECK (length(file) >= 1),
  line_start INTEGER CHECK (line_start IS NULL OR line_start >= 1),
  line_end INTEGER,
  severity TEXT NOT NULL DEFAULT 'info'
    CHECK (severity IN ('hint', 'info', 'warning', 'error')),
  category TEXT,
  title TEXT NOT NULL,
  description TEXT,
  suggestion TEXT,
  CHECK (line_end IS NULL OR (line_start IS NOT NULL AND line_end >= line_start))
);
CREATE INDEX review_feedback_by_file ON review_feedback(file);
CREATE INDEX review_feedback_by_review ON review_feedback(review_id, position);
