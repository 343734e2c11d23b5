-- What every domain stands on: the database's identity, the change feed that is
-- also the audit trail, and preferences.

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Each database has its own id, so a cursor from another database (after a
-- restore) is recognised and the client told to resync.
INSERT INTO meta(key, value) VALUES ('db_id', lower(hex(randomblob(16))));
-- Highest cursor removed by retention; a client behind it must resync.
INSERT INTO meta(key, value) VALUES ('changelog_trimmed_through', '0');

-- Every mutation, in commit order. cursor never goes back (AUTOINCREMENT keeps
-- ids of trimmed rows from being reused).
CREATE TABLE changelog (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,              -- Unix ms
  topic TEXT NOT NULL,              -- prefs, tasks, files, ...
  kind TEXT NOT NULL,               -- insert, update, delete, or a domain verb
  entity_id TEXT NOT NULL,
  origin TEXT NOT NULL DEFAULT '',  -- which client or worker made the change
  -- Values are msgpack (not JSON text) so that any byte string, such as a file
  -- name that is not UTF-8, survives exactly.
  old_value BLOB,                   -- NULL for inserts
  new_value BLOB,                   -- NULL for deletes
  event BLOB                        -- map of extra fields for subscribers
);
CREATE INDEX changelog_by_topic ON changelog(topic, cursor);
CREATE INDEX changelog_by_at ON changelog(at);

CREATE TABLE prefs (
  category TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 256),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 256),
  value TEXT NOT NULL,              -- JSON, validated by the daemon
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (category, key)
) WITHOUT ROWID;
