// Database health and upkeep: the checks behind db.check (integrity_check,
// foreign_key_check, FTS5 integrity-check) and the steps behind db.compact
// (FTS5 optimize, incremental vacuum, WAL checkpoint), with file sizes.
//
// FTS5 tables are found in sqlite_schema, never listed here, so the indexes
// other domains add are covered. Their checks and optimize are writes as far as
// SQLite is concerned (INSERT INTO f(f) VALUES(...)): they need the writer's
// connection, and the check runs inside a savepoint that is rolled back.
// The other checks run on any connection. Stateless functions; the caller's
// thread must own the Db it passes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/db.h"

namespace cairn::store {

// Every problem is {check, table?, message} with a message in words.
// PRAGMA integrity_check, at most `max` problems.
Result<std::vector<Json>> integrity_problems(Db& db, int max);
// PRAGMA foreign_key_check: one problem per (table, parent) with a row count.
Result<std::vector<Json>> foreign_key_problems(Db& db, int max);
// Names of the FTS5 virtual tables of the main schema, in name order.
Result<std::vector<std::string>> fts5_tables(Db& db);
// FTS5 'integrity-check' of one table (compares against an external content
// table too). Returns a problem, or null when the index is sound. Writer only,
// outside any transaction.
Result<Json> fts5_problem(Db& writer_db, const std::string& table);
// FTS5 'optimize': merges the index's segments. Writer only.
Status fts5_optimize(Db& writer_db, const std::string& table);

struct DbSizes {
  int64_t file_bytes = 0;  // cairn.db
  int64_t wal_bytes = 0;   // cairn.db-wal
  int64_t page_size = 0;
  int64_t page_count = 0;
  int64_t freelist_pages = 0;
  Json to_json() const;
};
Result<DbSizes> db_sizes(Db& db);

// Quotes an identifier for SQL text ("a""b").
std::string quote_identifier(const std::string& name);

}  // namespace cairn::store
