-- Assistant memory: conversation sessions and their messages, knowledge items and
-- the typed, weighted graph between them. What people and agents wrote: written
-- with synchronous=FULL. JSON columns are validated by the daemon (CHECKs may not
-- call JSON functions while trusted_schema is off).

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,                        -- uuid, or a client-supplied id
  workspace_path TEXT,
  settings TEXT NOT NULL DEFAULT '{}',        -- JSON object
  started_at INTEGER NOT NULL,                -- Unix ms
  ended_at INTEGER,
  message_count INTEGER NOT NULL DEFAULT 0,   -- kept by the daemon: total without a scan
  updated_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_started ON sessions(started_at);
CREATE INDEX sessions_by_workspace ON sessions(workspace_path, started_at);

CREATE TABLE messages (
  -- Insertion order. Ties in created_at (a bulk insert shares one timestamp) are
  -- broken by seq, not by id: ids are random and would shuffle a conversation.
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content TEXT NOT NULL DEFAULT '',
  tool_calls TEXT,                            -- JSON
  tool_call_id TEXT,
  thinking TEXT,
  attachments TEXT,                           -- JSON
  assistant_id TEXT,
  source TEXT,
  error TEXT,
  parent_id TEXT REFERENCES messages(id) ON DELETE SET NULL,  -- threads
  tokens_used INTEGER CHECK (tokens_used IS NULL OR tokens_used >= 0),
  response_time_ms INTEGER CHECK (response_time_ms IS NULL OR response_time_ms >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- messages.page: the page's rows are found in this index alone, then fetched.
CREATE INDEX messages_by_session ON messages(session_id, created_at, seq);
CREATE INDEX messages_by_parent ON messages(parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE knowledge_items (
  id TEXT PRIMARY KEY,
  source_type TEXT NOT NULL CHECK (length(source_type) BETWEEN 1 AND 64),
  source_id TEXT,
  knowledge_type TEXT NOT NULL CHECK (length(knowledge_type) BETWEEN 1 AND 64),
  title TEXT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  confidence REAL NOT NULL DEFAULT 1.0 CHECK (confidence >= 0 AND confidence <= 1),
  tags TEXT NOT NULL DEFAULT '[]',            -- JSON array of strings
  metadata TEXT NOT NULL DEFAULT '{}',        -- JSON object
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX knowledge_by_updated ON knowledge_items(updated_at);
CREATE INDEX knowledge_by_type ON knowledge_items(knowledge_type, updated_at);

CREATE TABLE knowledge_relationships (
  from_id TEXT NOT NULL REFERENCES knowledge_items(id) ON DELETE CASCADE,
  to_id TEXT NOT NULL REFERENCES knowledge_items(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('relates_to', 'contradicts', 'extends', 'implements')),
  strength REAL NOT NULL DEFAULT 1.0 CHECK (strength >= 0 AND strength <= 1),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (from_id <> to_id),
  UNIQUE (from_id, to_id, type)
);
-- Walks go both ways: the UNIQUE index serves from_id, this one to_id.
CREATE INDEX knowledge_relationships_by_to ON knowledge_relationships(to_id, from_id);
