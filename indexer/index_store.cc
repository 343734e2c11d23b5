#include "indexer/index_store.h"

namespace cairn::indexer {

// One statement per row, on purpose. FTS5 writes the terms it holds in memory
// to disk as a new segment whenever a savepoint opens, and SQLite opens one for
// every statement that may write several rows (INSERT ... SELECT, DELETE ...
// WHERE doc). Deleting a document's chunks that way wrote two segments (one per
// FTS5 table) for every document of a batch, and merging them took half of the
// writer's time under load; single-row statements leave the terms of the whole
// batch in memory until its commit.
Result<int64_t> delete_chunks(store::Db& db, const std::string& kind, const std::string& doc_id) {
  struct Old {
    int64_t id;
    std::string title, text;
  };
  std::vector<Old> old;
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * rows,
      db.cached("SELECT id, title, text FROM chunks WHERE kind = ?1 AND doc_id = ?2"));
  rows->bind_all(kind, doc_id);
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, rows->step());
    if (!row) break;
    old.push_back({rows->int64(0), rows->text(1), rows->text(2)});
  }
  rows->reset();
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * fts,
      db.cached("INSERT INTO chunks_fts(chunks_fts, rowid, title, text) VALUES('delete', ?1, "
                "?2, ?3)"));
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * tri,
      db.cached("INSERT INTO chunks_tri(chunks_tri, rowid, text) VALUES('delete', ?1, ?2)"));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * del, db.cached("DELETE FROM chunks WHERE id = ?1"));
  for (const Old& c : old) {
    fts->reset();
    CAIRN_RETURN_IF_ERROR(fts->bind_all(c.id, c.title, c.text).run());
    tri->reset();
    CAIRN_RETURN_IF_ERROR(tri->bind_all(c.id, c.text).run());
    del->reset();
    CAIRN_RETURN_IF_ERROR(del->bind_all(c.id).run());
  }
  return static_cast<int64_t>(old.size());
}

Status write_doc(store::Db& db, const ChunkedDoc& doc, int64_t now_ms) {
  CAIRN_RETURN_IF_ERROR(delete_chunks(db, doc.kind, doc.doc_id).status());
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      db.cached("INSERT INTO chunks(kind, doc_id, file_id, seq, start_line, end_line, title, "
                "text) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * fts,
                         db.cached("INSERT INTO chunks_fts(rowid, title, text) VALUES(?1, ?2, ?3)"));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * tri,
                         db.cached("INSERT INTO chunks_tri(rowid, text) VALUES(?1, ?2)"));
  for (size_t i = 0; i < doc.chunks.size(); ++i) {
    const Chunk& c = doc.chunks[i];
    // Never a default string_view: its null data would bind SQL NULL.
    std::string_view title = i == 0 ? std::string_view(doc.title) : std::string_view("");
    ins->reset();
    CAIRN_RETURN_IF_ERROR(ins->bind_all(doc.kind, doc.doc_id, doc.file_id,
                                        static_cast<int64_t>(i), c.start_line, c.end_line, title,
                                        c.text)
                              .run());
    int64_t rowid = db.last_insert_rowid();
    fts->reset();
    CAIRN_RETURN_IF_ERROR(fts->bind_all(rowid, title, c.text).run());
    tri->reset();
    CAIRN_RETURN_IF_ERROR(tri->bind_all(rowid, c.text).run());
  }
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("INSERT INTO index_docs(kind, doc_id, indexed_gen, chunker_version, chunks, "
                "bytes, indexed_at, error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON "
                "CONFLICT(kind, doc_id) DO UPDATE SET indexed_gen = excluded.indexed_gen, "
                "chunker_version = excluded.chunker_version, chunks = excluded.chunks, bytes = "
                "excluded.bytes, indexed_at = excluded.indexed_at, error = excluded.error"));
  return s->bind_all(doc.kind, doc.doc_id, doc.gen, kChunkerVersion,
                     static_cast<int64_t>(doc.chunks.size()), doc.bytes, now_ms, doc.error)
      .run();
}

Status forget_doc(store::Db& db, const std::string& kind, const std::string& doc_id) {
  CAIRN_RETURN_IF_ERROR(delete_chunks(db, kind, doc_id).status());
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("DELETE FROM index_docs WHERE kind = ?1 AND doc_id = ?2"));
  return s->bind_all(kind, doc_id).run();
}

Result<int64_t> mark_all_dirty(store::Db& db, const std::string& kind) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("UPDATE index_docs SET chunker_version = 0 WHERE ?1 = '' OR "
                                   "kind = ?1"));
  CAIRN_RETURN_IF_ERROR(s->bind_all(kind).run());
  return static_cast<int64_t>(db.changes());
}

Status ensure_meta_row(store::Db& db, const std::string& kind) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("INSERT OR IGNORE INTO index_meta(kind) VALUES(?1)"));
  return s->bind_all(kind).run();
}

Status refresh_meta(store::Db& db, const std::string& kind, int64_t dirty, int64_t now_ms) {
  CAIRN_RETURN_IF_ERROR(ensure_meta_row(db, kind));
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("UPDATE index_meta SET (doc_count, chunk_count, bytes) = (SELECT count(*), "
                "coalesce(sum(chunks), 0), coalesce(sum(bytes), 0) FROM index_docs WHERE kind = "
                "?1 AND error IS NULL), dirty = ?2, last_indexed_at = ?3, index_version = CASE "
                "WHEN ?2 = 0 THEN ?4 ELSE index_version END WHERE kind = ?1"));
  return s->bind_all(kind, dirty, now_ms, kIndexVersion).run();
}

Status record_rebuild(store::Db& db, const std::string& kind, int64_t at_ms,
                      int64_t duration_ms) {
  CAIRN_RETURN_IF_ERROR(ensure_meta_row(db, kind));
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("UPDATE index_meta SET last_rebuild_at = ?2, last_rebuild_duration_ms = ?3 "
                "WHERE kind = ?1"));
  return s->bind_all(kind, at_ms, duration_ms).run();
}

}  // namespace cairn::indexer
