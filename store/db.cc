#include "store/db.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "store/sqlite_status.h"

namespace cairn::store {

Result<std::unique_ptr<Db>> Db::open(const std::string& path, OpenMode mode) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == OpenMode::kReadWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                        : SQLITE_OPEN_READONLY;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite_status(raw, rc, "open " + path);
    sqlite3_close_v2(raw);
    return st;
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  CAIRN_RETURN_IF_ERROR(db->exec(
      "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF; PRAGMA mmap_size=0;"
      "PRAGMA secure_delete=OFF;"));
  if (mode == OpenMode::kReadWrite) {
    CAIRN_RETURN_IF_ERROR(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   "PRAGMA journal_size_limit=67108864;"));
  } else {
    CAIRN_RETURN_IF_ERROR(db->exec("PRAGMA query_only=ON;"));
  }
  return db;
}

Db::~Db() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, "prepare");
  return Stmt(db_, s);
}

Result<Stmt*> Db::cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    CAIRN_ASSIGN_OR_RETURN(Stmt s, prepare(sql));
    it = cache_.emplace(sql, std::move(s)).first;
  } else {
    it->second.reset();
  }
  return &it->second;
}

void Db::reset_statements() {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s; s = sqlite3_next_stmt(db_, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
}

Status Db::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    return sqlite_status(db_, sqlite3_extended_errcode(db_), "exec");
  }
  return Status::ok();
}

Result<int64_t> Db::query_int(std::string_view sql) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, prepare(sql));
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  return row ? s.int64(0) : 0;
}

Status check_database_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size == 0) return Status::ok();
  const std::string recovery =
      " cairnd never modifies it. Move it aside (with its -wal and -shm files) to start with a "
      "new database, or restore a backup with `cairn restore PATH`.";
  {
    // No SQLite connection to this file exists yet in this process, so reading
    // it directly cannot drop SQLite's locks (FACTS.md).
    std::ifstream in(path, std::ios::binary);
    char magic[16] = {};
    in.read(magic, sizeof magic);
    if (!in || std::memcmp(magic, "SQLite format 3", 16) != 0) {
      return Status(Code::kInternal, path + " is not a SQLite database." + recovery);
    }
  }
  // A read-only connection still creates -wal and -shm next to a WAL-mode file.
  // With no -wal content to read, open the file as immutable: no locks, no side
  // files, nothing written. A non-empty -wal must be read (it may hold the
  // latest commits), which can rebuild -shm.
  struct stat wal {};
  bool has_wal = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  if (!has_wal) uri += "?immutable=1";
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  auto close = [&] { sqlite3_close_v2(raw); };
  if (rc != SQLITE_OK) {
    close();
    return Status(Code::kInternal, "cannot open " + path + ": " + sqlite3_errstr(rc) + "." +
                                       recovery);
  }
  auto one_value = [&](const char* sql, std::string& out) -> int {
    sqlite3_stmt* s = nullptr;
    int r = sqlite3_prepare_v2(raw, sql, -1, &s, nullptr);
    if (r == SQLITE_OK) {
      r = sqlite3_step(s);
      if (r == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(s, 0);
        out = t ? reinterpret_cast<const char*>(t) : "";
        r = SQLITE_OK;
      } else if (r == SQLITE_DONE) {
        r = SQLITE_OK;
      }
    }
    sqlite3_finalize(s);
    return r;
  };
  std::string app_id, tables, check;
  rc = one_value("PRAGMA application_id", app_id);
  if (rc == SQLITE_OK) {
    rc = one_value("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", tables);
  }
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(raw);
    close();
    return Status(Code::kInternal, path + " is corrupt or not a database (" + msg + ")." +
                                       recovery);
  }
  if (app_id != std::to_string(kApplicationId) && !(app_id == "0" && tables == "0")) {
    close();
    return Status(Code::kInternal, path + " belongs to another application (application_id " +
                                       app_id + ")." + recovery);
  }
  rc = one_value("PRAGMA quick_check", check);
  close();
  if (rc != SQLITE_OK || check != "ok") {
    return Status(Code::kInternal, path + " is corrupt (quick_check: " +
                                       (rc != SQLITE_OK ? std::string(sqlite3_errstr(rc)) : check) +
                                       ")." + recovery);
  }
  return Status::ok();
}

}  // namespace cairn::store
