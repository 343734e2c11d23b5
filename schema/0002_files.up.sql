-- Tracked roots and files. File rows are derived data (a rescan rebuilds them):
-- written with synchronous=NORMAL through the writer's background queue.

CREATE TABLE roots (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,          -- absolute, as given (no symlinks resolved past it)
  include TEXT NOT NULL DEFAULT '[]', -- JSON array of globs
  exclude TEXT NOT NULL DEFAULT '[]', -- JSON array of globs
  gitignore INTEGER NOT NULL DEFAULT 1,
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  last_scan_at INTEGER,
  last_scan_ms INTEGER,
  last_error TEXT,
  error_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  path TEXT NOT NULL UNIQUE,          -- absolute; bytes as the filesystem has them
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('file', 'dir', 'symlink', 'other')),
  size INTEGER NOT NULL DEFAULT 0,
  mtime_ns INTEGER NOT NULL DEFAULT 0,
  inode INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,                        -- lowercase hex; NULL until hashed, and for non-files
  is_text INTEGER NOT NULL DEFAULT 0, -- 1: text the indexer may chunk (not binary, under the cap)
  status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'error', 'deleted')),
  error TEXT,                         -- why status is 'error' (unreadable, vanished, ...)
  gen INTEGER NOT NULL DEFAULT 1,     -- bumped on every observed content change or delete
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX files_by_root ON files(root_id, path);
