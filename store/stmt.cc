#include "store/stmt.h"

#include <utility>

#include "store/sqlite_status.h"

namespace cairn::store {

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::bind(int idx, int64_t v) {
  sqlite3_bind_int64(s_, idx, v);
  return *this;
}
Stmt& Stmt::bind(int idx, double v) {
  sqlite3_bind_double(s_, idx, v);
  return *this;
}
Stmt& Stmt::bind(int idx, std::string_view v) {
  sqlite3_bind_text64(s_, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind(int idx, std::nullptr_t) {
  sqlite3_bind_null(s_, idx);
  return *this;
}

Stmt& Stmt::bind(int idx, const std::vector<uint8_t>& blob) {
  sqlite3_bind_blob64(s_, idx, blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}

std::vector<uint8_t> Stmt::blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s_, col));
  return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(s_, col)) : std::vector<uint8_t>();
}

std::string_view Stmt::blob_view(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)))
           : std::string_view();
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status st = sqlite_status(db_, sqlite3_extended_errcode(db_), "query");
  sqlite3_reset(s_);
  return st;
}

Status Stmt::run() {
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return Status::ok();
  }
}

Result<std::vector<std::string>> Stmt::column_texts(int col) {
  std::vector<std::string> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return out;
    out.push_back(text(col));
  }
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

Json Stmt::value(int col) const {
  switch (sqlite3_column_type(s_, col)) {
    case SQLITE_INTEGER:
      return int64(col);
    case SQLITE_FLOAT:
      return real(col);
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_BLOB: {
      const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s_, col));
      return Json::binary(std::vector<uint8_t>(p, p + sqlite3_column_bytes(s_, col)));
    }
    default:
      return text(col);
  }
}

}  // namespace cairn::store
