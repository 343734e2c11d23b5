// The index's write side: replacing and removing a document's chunks together
// with their rows in both FTS5 tables, and the bookkeeping rows (index_docs,
// index_meta). Every function runs inside the writer's transaction (a WriteTxn's
// Db), on the writer thread.
//
// Both FTS5 tables are external-content tables over `chunks`, so a chunk's
// 'delete' must carry exactly the text that was indexed (FACTS.md): it is read
// back from the chunk row itself, before that row is deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "indexer/chunker.h"
#include "store/db.h"

namespace cairn::indexer {

// Bump when the FTS5 tables or what goes into them change (with a migration).
inline constexpr int kIndexLayoutVersion = 1;
// What index_meta.index_version records for a fully built kind.
inline constexpr int kIndexVersion = kIndexLayoutVersion * 1000 + kChunkerVersion;

// One document, chunked, as the worker hands it to the writer.
struct ChunkedDoc {
  std::string kind;
  std::string doc_id;
  int64_t gen = 0;                 // source generation that was read
  std::optional<int64_t> file_id;
  std::string title;               // on chunk 0
  std::vector<Chunk> chunks;
  int64_t bytes = 0;
  std::optional<std::string> error;
};

// Removes every chunk of (kind, doc_id). Returns how many went.
Result<int64_t> delete_chunks(store::Db& db, const std::string& kind, const std::string& doc_id);
// Replaces the document's chunks and records its index_docs row.
Status write_doc(store::Db& db, const ChunkedDoc& doc, int64_t now_ms);
// Drops the document's chunks and its index_docs row.
Status forget_doc(store::Db& db, const std::string& kind, const std::string& doc_id);
// Makes every indexed document of `kind` (every kind when empty) dirty, so the
// worker reads and chunks it again; the old chunks answer queries meanwhile.
Result<int64_t> mark_all_dirty(store::Db& db, const std::string& kind);

// index_meta: the row of `kind` exists.
Status ensure_meta_row(store::Db& db, const std::string& kind);
// Recounts documents, chunks and bytes of `kind` and stamps last_indexed_at.
Status refresh_meta(store::Db& db, const std::string& kind, int64_t dirty, int64_t now_ms);
Status record_rebuild(store::Db& db, const std::string& kind, int64_t at_ms, int64_t duration_ms);

}  // namespace cairn::indexer
