// Export and import of a cairn database as one JSON document, generic over the
// tables that exist (read from the schema, so tables added by later migrations
// are included without code here):
//
//   {format: "cairn-export", schema_version, exported_at, skipped: [{table, why}],
//    tables: {name: {columns: [...], rows: [[...], ...]}}}
//
// Included: every ordinary table of the main schema. Left out: SQLite's own
// tables, schema_version (the document's schema_version says it), virtual
// tables (FTS5) and their shadow tables. External-content FTS5 indexes are
// rebuilt after an import instead. Derived tables (files, chunks) are included:
// a full export round-trips every row; `tables` picks a subset.
//
// Values: null, integers, reals and UTF-8 text as themselves; a BLOB as
// {"blob_base64": "..."}; text that is not valid UTF-8 as {"text_base64": "..."}.
//
// Import validates the whole document against the live schema before writing
// (format, schema version not newer than the binary, known tables and columns,
// row widths, each value's type against its column's affinity, NOT NULL), then
// writes in the caller's transaction (the writer's): mode "merge" upserts by
// primary key, "replace" empties each table named in the document first.
// Foreign keys are deferred to the commit. Two rows are never imported: the
// target keeps its own meta.db_id, and in merge mode another database's
// changelog is not mixed into this one's.
//
// Export runs on any connection (a reader, inside one read transaction); import
// on the writer thread inside a WriteTxn.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/db.h"
#include "store/write_txn.h"

namespace cairn::store {

enum class ImportMode { kMerge, kReplace };

// The tables an export includes, in name order.
Result<std::vector<std::string>> exportable_tables(Db& db);

// The tables an export leaves out: [{table, why}] (FTS5 and its shadow tables).
Result<Json> skipped_tables(Db& db);

// `tables` empty or absent: all of them. An unknown name is INVALID_PARAMS.
Result<Json> export_database(Db& db, const std::optional<std::vector<std::string>>& tables);

// Checks everything without writing; the error names the table, row and column.
Status validate_import(Db& db, const Json& document);

// Validates, then writes. `after_rows` run once the rows are in, in the same
// transaction: domains fill in columns that copy a value kept in another table,
// which a document from an older schema lacks. Records one changelog entry per
// table (topic "db", kind "import") so clients resync. Returns {tables: {name:
// rows}, mode}.
Result<Json> import_database(WriteTxn& txn, const Json& document, ImportMode mode,
                             const std::vector<std::string>& after_rows);

}  // namespace cairn::store
