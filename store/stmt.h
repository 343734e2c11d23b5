// Stmt: the one owner of a prepared statement. Bind by 1-based index or by
// ":name"; step() until it returns false. Belongs to the thread of its Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace cairn::store {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int idx, int64_t v);
  Stmt& bind(int idx, int v) { return bind(idx, int64_t{v}); }
  Stmt& bind(int idx, double v);
  Stmt& bind(int idx, std::string_view v);
  Stmt& bind(int idx, const char* v) { return bind(idx, std::string_view(v)); }
  Stmt& bind(int idx, const std::string& v) { return bind(idx, std::string_view(v)); }
  Stmt& bind(int idx, std::nullptr_t);
  Stmt& bind(int idx, const std::vector<uint8_t>& blob);
  template <typename T>
  Stmt& bind(int idx, const std::optional<T>& v) {
    return v ? bind(idx, *v) : bind(idx, nullptr);
  }
  // Binds by parameter name, e.g. ":title".
  template <typename T>
  Stmt& bind(const char* name, const T& v) {
    return bind(sqlite3_bind_parameter_index(s_, name), v);
  }
  // Binds args to ?1, ?2, ...
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // True when a row is ready, false when done; errors keep SQLite's message.
  Result<bool> step();
  // Steps to completion (statements that return no rows).
  Status run();
  // Steps to the end, collecting column `col` of every row as text.
  Result<std::vector<std::string>> column_texts(int col = 0);
  void reset();

  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  std::vector<uint8_t> blob(int col) const;
  // The column's bytes without a copy, valid until the next step or reset; empty
  // for NULL.
  std::string_view blob_view(int col) const;
  // The column as a Json scalar: integer, real, text or null.
  Json value(int col) const;
  const char* column_name(int col) const { return sqlite3_column_name(s_, col); }
  int column_count() const { return sqlite3_column_count(s_); }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace cairn::store
