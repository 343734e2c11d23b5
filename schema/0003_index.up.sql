-- The search index: chunks of every indexed document, two FTS5 tables over them,
-- and the indexer's bookkeeping. All of it is derived data (index.rebuild makes it
-- again from the rows it indexes), written with synchronous=NORMAL through the
-- writer's background queue. Why this layout: docs/index.md (measured).

-- One row per chunk. A document (a file, a task, a message, a knowledge item) is
-- split into chunks of whole lines. `text` is the one stored copy: both FTS5
-- tables are external-content tables reading it.
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,                 -- file, task, message, knowledge
  doc_id TEXT NOT NULL,               -- files.id as text, or the entity's id
  file_id INTEGER,                    -- kind file only: files.id, for path and root at query time
  seq INTEGER NOT NULL,               -- 0, 1, ... within the document
  start_line INTEGER NOT NULL,        -- 1-based, inclusive
  end_line INTEGER NOT NULL,
  title TEXT NOT NULL DEFAULT '',     -- first chunk of titled documents only
  text TEXT NOT NULL
);
CREATE UNIQUE INDEX chunks_by_doc ON chunks(kind, doc_id, seq);

-- Words: unicode61 with '_' as a token character, so snake_case identifiers are
-- one token; '.' separates, and the query side turns "foo.bar" into a phrase, so
-- it matches as written. Full detail keeps phrases, NEAR and bm25.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
  title, text, content='chunks', content_rowid='id',
  tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
-- A title match weighs more than a body match.
INSERT INTO chunks_fts(chunks_fts, rank) VALUES('rank', 'bm25(4.0, 1.0)');

-- Substrings (Unpack inside msgpack_unpacker_next): trigrams without positions,
-- queried only with LIKE, which FTS5 answers from this index and then verifies.
CREATE VIRTUAL TABLE chunks_tri USING fts5(
  text, content='chunks', content_rowid='id', tokenize='trigram', detail='none');

-- Per indexed document: the generation the index holds and the chunker that made
-- it. A document is dirty when its source's generation or the chunker version
-- differs from this row, or when this row has no source document any more.
CREATE TABLE index_docs (
  kind TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  indexed_gen INTEGER NOT NULL,       -- source generation that was read
  chunker_version INTEGER NOT NULL,
  chunks INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  indexed_at INTEGER NOT NULL,        -- Unix ms
  error TEXT,                         -- why the document has no chunks (unreadable, binary, ...)
  PRIMARY KEY (kind, doc_id)
) WITHOUT ROWID;

-- Per kind of document.
CREATE TABLE index_meta (
  kind TEXT PRIMARY KEY,
  index_version INTEGER NOT NULL DEFAULT 0,  -- layout*1000+chunker of the built index; 0: never built
  doc_count INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  dirty INTEGER NOT NULL DEFAULT 0,          -- documents still to index at the end of the last pass
  last_indexed_at INTEGER,
  last_rebuild_at INTEGER,
  last_rebuild_duration_ms INTEGER,
  last_error TEXT
) WITHOUT ROWID;
