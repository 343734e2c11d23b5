// Db: the one owner of a SQLite connection, with cairn's pragmas applied on
// open (FACTS.md, SQLite): WAL, foreign_keys, busy_timeout, trusted_schema off,
// mmap off, secure_delete off. A Db belongs to one thread for its whole life.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/stmt.h"

namespace cairn::store {

enum class OpenMode { kReadWrite, kReadOnly };

// The application_id stamped into every cairn database ("cair").
inline constexpr int kApplicationId = 0x63616972;
inline constexpr int kBusyTimeoutMs = 5000;

class Db {
 public:
  // Opens (and for kReadWrite creates) `path`. Does not check what the file holds:
  // see check_database_file().
  static Result<std::unique_ptr<Db>> open(const std::string& path, OpenMode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Result<Stmt> prepare(std::string_view sql);
  // A statement prepared once per connection and reset on every fetch. For the
  // hot paths; the SQL text is the cache key.
  Result<Stmt*> cached(const char* sql);
  // Resets every statement still stepping. A cached statement left on a row
  // keeps its read transaction, and with it an old snapshot, open; the reader
  // pool calls this after each job, VACUUM and checkpoints need it too.
  void reset_statements();
  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // The first column of the first row as an integer (0 when there is no row).
  Result<int64_t> query_int(std::string_view sql);

  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, Stmt> cache_;
};

// Refuses, without modifying it, a file at `path` that is not a healthy cairn
// database: not SQLite at all, another application's database, or one that
// fails quick_check. A missing or empty file passes (it will be created).
Status check_database_file(const std::string& path);

}  // namespace cairn::store
