// IndexSource: how one kind of document joins the search index. The worker asks
// each source for its documents and their generations, compares them with what
// index_docs holds (generation and chunker version), and asks the source for the
// text of every document that differs; an index_docs row whose document the
// source no longer lists leaves the index. The source never writes.
//
// To add a kind (tasks, messages, knowledge items), give its SQL to
// add_sql_source() in indexer/sources.cc, one statement:
//
//   add_sql_source(out, {.kind = "task", .table = "tasks", .topics = {"tasks"},
//       .docs_sql = "SELECT id, gen FROM tasks",
//       .text_sql = "SELECT title, description FROM tasks WHERE id = ?1"});
//
// `docs_sql` lists (doc_id, gen) of every document that should be searchable
// (add a WHERE to leave some out); gen must change on every change of the text,
// and is compared for equality only. `text_sql` returns (title, body) for ?1.
// Changes on `topics` wake the worker; the periodic pass catches the rest. A
// source whose table does not exist yet is skipped until it does.
//
// Sources are built once at startup and used only by the worker thread, with the
// worker's read-only connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/db.h"

namespace cairn::indexer {

// One document of a source, at the generation the source listed.
struct DocRef {
  std::string doc_id;
  int64_t gen = 0;
};

// What the worker chunks for one document.
struct DocText {
  std::string title;                   // stored on the first chunk, weighs more in ranking
  std::string body;                    // any bytes; made valid UTF-8 before chunking
  std::optional<int64_t> file_id;      // kind "file": results take path and root from files
  std::optional<std::string> error;    // set: the document is recorded without chunks
};

class IndexSource {
 public:
  virtual ~IndexSource() = default;

  // What results call the documents: file, task, message, knowledge.
  virtual const std::string& kind() const = 0;
  // Changelog topics whose changes may make documents dirty.
  virtual const std::vector<std::string>& topics() const = 0;
  // False while the source's tables are absent (domain not migrated yet).
  virtual Result<bool> available(store::Db& db) = 0;
  // SELECT doc_id, gen of every current document (no ORDER BY, no LIMIT).
  virtual std::string docs_sql() const = 0;
  // The text of one listed document; nullopt when it went away meanwhile.
  virtual Result<std::optional<DocText>> load(store::Db& db, const DocRef& ref) = 0;

  // Dirty documents: listed by docs_sql() with no index_docs row, another gen or
  // another chunker version. At most `limit`.
  virtual Result<std::vector<DocRef>> list_dirty(store::Db& db, int chunker_version, int limit);
  // Indexed documents that docs_sql() no longer lists. At most `limit`.
  virtual Result<std::vector<std::string>> list_removed(store::Db& db, int limit);
  // How many documents list_dirty() and list_removed() would return together.
  virtual Result<int64_t> count_dirty(store::Db& db, int chunker_version);
};

using Sources = std::vector<std::unique_ptr<IndexSource>>;

// A source described by SQL only (tasks, messages, knowledge items).
struct SqlSourceSpec {
  std::string kind;
  std::string table;                // the source is available when this table exists
  std::vector<std::string> topics;
  std::string docs_sql;             // SELECT doc_id, gen FROM ...
  std::string text_sql;             // SELECT title, body FROM ... WHERE id = ?1
};
void add_sql_source(Sources& out, SqlSourceSpec spec);

// Every source of this build: files first, then one line per domain.
Sources make_sources();

Result<bool> table_exists(store::Db& db, const std::string& table);

}  // namespace cairn::indexer
