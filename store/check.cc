#include "store/check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

namespace cairn::store {

namespace {

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

Json problem(const std::string& check, const std::string& table, const std::string& message) {
  Json p{{"check", check}, {"message", message}};
  if (!table.empty()) p["table"] = table;
  return p;
}

}  // namespace

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<std::vector<Json>> integrity_problems(Db& db, int max) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db.prepare("PRAGMA integrity_check(" + std::to_string(max) + ")"));
  std::vector<Json> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    std::string line = s.text(0);
    if (line != "ok") out.push_back(problem("integrity", "", line));
  }
  return out;
}

Result<std::vector<Json>> foreign_key_problems(Db& db, int max) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db.prepare("SELECT \"table\", parent, count(*), min(rowid) FROM "
                                            "pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2"));
  std::vector<Json> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row || static_cast<int>(out.size()) >= max) break;
    std::string table = s.text(0);
    int64_t n = s.int64(2);
    std::string msg = std::to_string(n) + (n == 1 ? " row" : " rows") + " of " + table +
                      " reference" + (n == 1 ? "s" : "") + " a missing row of " + s.text(1);
    if (!s.is_null(3)) msg += " (first at rowid " + std::to_string(s.int64(3)) + ")";
    Json p = problem("foreign_key", table, msg);
    p["parent"] = s.text(1);
    p["rows"] = n;
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<std::string>> fts5_tables(Db& db) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = "
                                            "'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER "
                                            "BY name"));
  std::vector<std::string> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    std::string sql = s.text(1);
    std::transform(sql.begin(), sql.end(), sql.begin(), ::tolower);
    auto using_pos = sql.find(" using ");
    if (using_pos == std::string::npos) continue;
    std::string module = sql.substr(using_pos + 7);
    module.erase(0, module.find_first_not_of(" \t\n"));
    if (module.rfind("fts5", 0) == 0) out.push_back(s.text(0));
  }
  return out;
}

Result<Json> fts5_problem(Db& db, const std::string& table) {
  std::string q = quote_identifier(table);
  CAIRN_RETURN_IF_ERROR(db.exec("SAVEPOINT fts_check"));
  // rank = 1 also compares an external-content index with its content table.
  Status st = db.exec("INSERT INTO " + q + "(" + q + ", rank) VALUES('integrity-check', 1)");
  (void)db.exec("ROLLBACK TO fts_check; RELEASE fts_check");
  if (st.is_ok()) return Json();
  return problem("fts5", table,
                 "full-text index " + table + " does not match its content (" + st.message() +
                     "); `cairn compact` does not fix this, a rebuild does: INSERT INTO " + table +
                     "(" + table + ") VALUES('rebuild')");
}

Status fts5_optimize(Db& db, const std::string& table) {
  std::string q = quote_identifier(table);
  return db.exec("INSERT INTO " + q + "(" + q + ") VALUES('optimize')");
}

Json DbSizes::to_json() const {
  return Json{{"file_bytes", file_bytes},   {"wal_bytes", wal_bytes},
              {"page_size", page_size},     {"page_count", page_count},
              {"freelist_pages", freelist_pages}};
}

Result<DbSizes> db_sizes(Db& db) {
  DbSizes s;
  s.file_bytes = file_size(db.path());
  s.wal_bytes = file_size(db.path() + "-wal");
  CAIRN_ASSIGN_OR_RETURN(s.page_size, db.query_int("PRAGMA page_size"));
  CAIRN_ASSIGN_OR_RETURN(s.page_count, db.query_int("PRAGMA page_count"));
  CAIRN_ASSIGN_OR_RETURN(s.freelist_pages, db.query_int("PRAGMA freelist_count"));
  return s;
}

}  // namespace cairn::store
