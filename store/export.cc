#include "store/export.h"

#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/json_text.h"
#include "store/migration.h"
#include "store/write_txn.h"

namespace cairn::store {

namespace {

enum class Affinity { kInteger, kText, kBlob, kReal, kNumeric };

struct Column {
  std::string name;
  Affinity affinity = Affinity::kBlob;
  bool not_null = false;
  bool has_default = false;
  int pk = 0;  // 1-based position in the primary key, 0 if not part of it
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::string> pk;    // primary key columns in key order
  bool rowid_alias = false;       // a single INTEGER PRIMARY KEY column
  std::set<std::string> parents;  // tables this one references
};

// SQLite's affinity rules (datatype3.html, 3.1).
Affinity affinity_of(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), ::toupper);
  if (type.find("INT") != std::string::npos) return Affinity::kInteger;
  if (type.find("CHAR") != std::string::npos || type.find("CLOB") != std::string::npos ||
      type.find("TEXT") != std::string::npos) {
    return Affinity::kText;
  }
  if (type.empty() || type.find("BLOB") != std::string::npos) return Affinity::kBlob;
  if (type.find("REAL") != std::string::npos || type.find("FLOA") != std::string::npos ||
      type.find("DOUB") != std::string::npos) {
    return Affinity::kReal;
  }
  return Affinity::kNumeric;
}

std::string quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<std::map<std::string, Table>> load_tables(Db& db) {
  std::map<std::string, Table> out;
  CAIRN_ASSIGN_OR_RETURN(Stmt list, db.prepare("SELECT name FROM pragma_table_list WHERE schema "
                                               "= 'main' AND type = 'table' AND name NOT LIKE "
                                               "'sqlite\\_%' ESCAPE '\\' AND name <> "
                                               "'schema_version' ORDER BY name"));
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, list.step());
    if (!row) break;
    Table t;
    t.name = list.text(0);
    out.emplace(t.name, std::move(t));
  }
  for (auto& [name, t] : out) {
    CAIRN_ASSIGN_OR_RETURN(Stmt cols, db.prepare("SELECT name, type, \"notnull\", dflt_value, pk, "
                                                 "hidden FROM pragma_table_xinfo(?1) ORDER BY "
                                                 "cid"));
    cols.bind_all(name);
    std::vector<std::pair<int, std::string>> pk;
    std::string pk_type;
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, cols.step());
      if (!row) break;
      if (cols.int64(5) != 0) continue;  // generated or hidden: not insertable
      Column c;
      c.name = cols.text(0);
      c.affinity = affinity_of(cols.text(1));
      c.not_null = cols.int64(2) != 0;
      c.has_default = !cols.is_null(3);
      c.pk = static_cast<int>(cols.int64(4));
      if (c.pk > 0) {
        pk.emplace_back(c.pk, c.name);
        pk_type = cols.text(1);
      }
      t.columns.push_back(std::move(c));
    }
    std::sort(pk.begin(), pk.end());
    for (auto& [i, n] : pk) t.pk.push_back(n);
    std::string upper = pk_type;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    t.rowid_alias = pk.size() == 1 && upper == "INTEGER";
    CAIRN_ASSIGN_OR_RETURN(Stmt fks, db.prepare("SELECT DISTINCT \"table\" FROM "
                                                "pragma_foreign_key_list(?1)"));
    fks.bind_all(name);
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, fks.step());
      if (!row) break;
      if (fks.text(0) != name) t.parents.insert(fks.text(0));
    }
  }
  return out;
}

bool valid_utf8(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::optional<std::string> unbase64(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
  if (len < 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(len) - pad);
  return out;
}

Json column_json(const Stmt& s, int col) {
  sqlite3_stmt* st = s.get();
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_INTEGER:
      return s.int64(col);
    case SQLITE_FLOAT:
      return s.real(col);
    case SQLITE_TEXT: {
      const auto* p = sqlite3_column_text(st, col);
      size_t n = static_cast<size_t>(sqlite3_column_bytes(st, col));
      if (valid_utf8(p, n)) return std::string(reinterpret_cast<const char*>(p), n);
      return Json{{"text_base64", base64(p, n)}};
    }
    default: {
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
      size_t n = static_cast<size_t>(sqlite3_column_bytes(st, col));
      return Json{{"blob_base64", base64(p, n)}};
    }
  }
}

// Checks one value against its column; `where` names it in the error.
Status check_value(const Json& v, const Column& c, bool rowid_alias, const std::string& where) {
  if (v.is_null()) {
    if (c.not_null && !rowid_alias) return invalid_params(where + ": null in a NOT NULL column");
    return Status::ok();
  }
  if (v.is_object()) {
    if (v.size() == 1 && (v.contains("blob_base64") || v.contains("text_base64"))) {
      const Json& b = v.begin().value();
      if (!b.is_string() || !unbase64(b.get<std::string>())) {
        return invalid_params(where + ": " + v.begin().key() + " is not base64");
      }
      bool blob = v.contains("blob_base64");
      if (blob && c.affinity != Affinity::kBlob) {
        return invalid_params(where + ": a blob in a column of other type");
      }
      if (!blob && c.affinity != Affinity::kText && c.affinity != Affinity::kBlob) {
        return invalid_params(where + ": text in a numeric column");
      }
      return Status::ok();
    }
    return invalid_params(where + ": objects are not values (expected blob_base64 or text_base64)");
  }
  if (v.is_boolean() || v.is_array()) {
    return invalid_params(where + ": " + std::string(v.type_name()) + " is not a SQLite value");
  }
  // JSON columns are read back by recursive code: a text that is JSON nested
  // deeper than every other way in allows would crash each later read.
  if (v.is_string()) {
    const auto& t = v.get_ref<const std::string&>();
    if (json_text_depth(t) > kMaxJsonDepth && Json::accept(t)) {
      return invalid_params(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels");
    }
  }
  switch (c.affinity) {
    case Affinity::kInteger:
      if (!v.is_number_integer()) {
        return invalid_params(where + ": expected an integer, got " + std::string(v.type_name()));
      }
      break;
    case Affinity::kReal:
    case Affinity::kNumeric:
      if (!v.is_number()) {
        return invalid_params(where + ": expected a number, got " + std::string(v.type_name()));
      }
      break;
    case Affinity::kText:
      if (!v.is_string()) {
        return invalid_params(where + ": expected text, got " + std::string(v.type_name()));
      }
      break;
    case Affinity::kBlob:
      break;
  }
  return Status::ok();
}

void bind_value(Stmt& s, int idx, const Json& v) {
  sqlite3_stmt* st = s.get();
  if (v.is_null()) {
    sqlite3_bind_null(st, idx);
  } else if (v.is_number_integer()) {
    sqlite3_bind_int64(
        st, idx,
        v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>());
  } else if (v.is_number()) {
    sqlite3_bind_double(st, idx, v.get<double>());
  } else if (v.is_string()) {
    const auto& t = v.get_ref<const std::string&>();
    sqlite3_bind_text(st, idx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  } else {
    auto bytes = *unbase64(v.begin().value().get<std::string>());
    if (v.contains("blob_base64")) {
      sqlite3_bind_blob(st, idx, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_text(st, idx, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    }
  }
}

// Parents before children (a table's references come first); cycles keep name order.
std::vector<std::string> parents_first(const std::map<std::string, Table>& all,
                                       const std::vector<std::string>& names) {
  std::vector<std::string> out;
  std::set<std::string> wanted(names.begin(), names.end()), done, visiting;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    if (done.count(n) || visiting.count(n)) return;
    visiting.insert(n);
    for (const auto& p : all.at(n).parents) {
      if (wanted.count(p) && all.count(p)) visit(p);
    }
    visiting.erase(n);
    done.insert(n);
    out.push_back(n);
  };
  for (const auto& n : names) visit(n);
  return out;
}

}  // namespace

Result<Json> skipped_tables(Db& db) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db.prepare("SELECT name, type FROM pragma_table_list WHERE "
                                            "schema = 'main' AND type IN ('virtual', 'shadow') "
                                            "ORDER BY name"));
  Json out = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    std::string type = s.text(1);
    out.push_back(
        Json{{"table", s.text(0)},
             {"why", type == "virtual" ? "virtual table (full-text index): rebuilt from its content"
                                       : "shadow table of a full-text index: rebuilt with it"}});
  }
  return out;
}

Result<std::vector<std::string>> exportable_tables(Db& db) {
  CAIRN_ASSIGN_OR_RETURN(auto all, load_tables(db));
  std::vector<std::string> out;
  for (const auto& [n, t] : all) out.push_back(n);
  return out;
}

Result<Json> export_database(Db& db, const std::optional<std::vector<std::string>>& tables) {
  CAIRN_ASSIGN_OR_RETURN(auto all, load_tables(db));
  std::vector<std::string> names;
  if (tables && !tables->empty()) {
    for (const auto& n : *tables) {
      if (!all.count(n)) {
        std::string known;
        for (const auto& [k, t] : all) known += (known.empty() ? "" : ", ") + k;
        return invalid_params("tables: no table " + n + " (known: " + known + ")");
      }
      names.push_back(n);
    }
  } else {
    for (const auto& [n, t] : all) names.push_back(n);
  }
  CAIRN_ASSIGN_OR_RETURN(int64_t version,
                         db.query_int("SELECT coalesce(max(version), 0) FROM schema_version"));
  CAIRN_ASSIGN_OR_RETURN(auto skipped, skipped_tables(db));
  Json doc{{"format", "cairn-export"},
           {"schema_version", version},
           {"exported_at", format_iso8601(wall_ms())},
           {"skipped", skipped},
           {"tables", Json::object()}};
  for (const auto& n : names) {
    const Table& t = all.at(n);
    std::string sql = "SELECT ";
    Json columns = Json::array();
    for (size_t i = 0; i < t.columns.size(); ++i) {
      sql += (i ? ", " : "") + quote(t.columns[i].name);
      columns.push_back(t.columns[i].name);
    }
    sql += " FROM " + quote(n);
    if (!t.pk.empty()) {
      sql += " ORDER BY ";
      for (size_t i = 0; i < t.pk.size(); ++i) sql += (i ? ", " : "") + quote(t.pk[i]);
    }
    CAIRN_ASSIGN_OR_RETURN(Stmt q, db.prepare(sql));
    Json rows = Json::array();
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
      if (!row) break;
      Json r = Json::array();
      for (int c = 0; c < q.column_count(); ++c) r.push_back(column_json(q, c));
      rows.push_back(std::move(r));
    }
    doc["tables"][n] = Json{{"columns", columns}, {"rows", std::move(rows)}};
  }
  return doc;
}

namespace {

Status validate_against(const std::map<std::string, Table>& all, const Json& doc) {
  if (!doc.is_object()) return invalid_params("document must be an object");
  if (!doc.contains("format") || doc["format"] != "cairn-export") {
    return invalid_params("document: format must be \"cairn-export\"");
  }
  if (!doc.contains("schema_version") || !doc["schema_version"].is_number_integer()) {
    return invalid_params("document: schema_version must be an integer");
  }
  int64_t v = doc["schema_version"].get<int64_t>();
  if (v > latest_version()) {
    return invalid_params("document has schema version " + std::to_string(v) +
                          ", newer than this cairnd knows (" + std::to_string(latest_version()) +
                          "): import it with the cairn that made it");
  }
  if (!doc.contains("tables") || !doc["tables"].is_object()) {
    return invalid_params("document: tables must be an object");
  }
  for (const auto& [name, body] : doc["tables"].items()) {
    auto it = all.find(name);
    if (it == all.end()) return invalid_params("document: no table " + name + " in this database");
    const Table& t = it->second;
    if (!body.is_object() || !body.contains("columns") || !body["columns"].is_array() ||
        !body.contains("rows") || !body["rows"].is_array()) {
      return invalid_params("table " + name + ": needs columns and rows arrays");
    }
    std::vector<const Column*> cols;
    std::set<std::string> seen;
    for (const auto& c : body["columns"]) {
      if (!c.is_string()) return invalid_params("table " + name + ": column names must be text");
      const std::string cn = c.get<std::string>();
      auto col = std::find_if(t.columns.begin(), t.columns.end(),
                              [&](const Column& k) { return k.name == cn; });
      if (col == t.columns.end()) return invalid_params("table " + name + ": no column " + cn);
      if (!seen.insert(cn).second)
        return invalid_params("table " + name + ": column " + cn + " twice");
      cols.push_back(&*col);
    }
    for (const auto& c : t.columns) {
      bool alias = t.rowid_alias && c.pk == 1;
      if (c.not_null && !c.has_default && !alias && !seen.count(c.name)) {
        return invalid_params("table " + name + ": column " + c.name +
                              " is required (NOT NULL without a default)");
      }
    }
    size_t i = 0;
    for (const auto& row : body["rows"]) {
      std::string where = "table " + name + " row " + std::to_string(i);
      if (!row.is_array() || row.size() != cols.size()) {
        return invalid_params(where + ": expected an array of " + std::to_string(cols.size()) +
                              " values");
      }
      for (size_t k = 0; k < cols.size(); ++k) {
        bool alias = t.rowid_alias && cols[k]->pk == 1;
        CAIRN_RETURN_IF_ERROR(
            check_value(row[k], *cols[k], alias, where + " column " + cols[k]->name));
      }
      // A row is a record a read returns whole (a run's logs are read in
      // slices, the changelog's values are omitted when too large), so it
      // takes no more than a write may store (kMaxRecordBytes).
      if (name != "changelog") {
        size_t total = 0;
        std::string named;
        for (size_t k = 0; k < cols.size(); ++k) {
          if (name == "runs" && cols[k]->name == "logs") continue;
          const Json& v = row[k];
          size_t n = v.is_string() ? v.get_ref<const std::string&>().size()
                     : v.is_object() && !v.empty() && v.begin().value().is_string()
                         ? v.begin().value().get_ref<const std::string&>().size() / 4 * 3
                         : 9;
          total += n;
          if (n >= (1u << 20)) {
            named += (named.empty() ? "" : ", ") + cols[k]->name + " " + std::to_string(n);
          }
        }
        if (total > kMaxRecordBytes) {
          return Status(Code::kTooLarge, where + ": its values (" + named + " bytes) take " +
                                             std::to_string(total) + " bytes, over the " +
                                             std::to_string(kMaxRecordBytes) +
                                             " one record may take so that it can be read back");
        }
      }
      ++i;
    }
  }
  return Status::ok();
}

}  // namespace

Status validate_import(Db& db, const Json& document) {
  CAIRN_ASSIGN_OR_RETURN(auto all, load_tables(db));
  return validate_against(all, document);
}

Result<Json> import_database(WriteTxn& txn, const Json& doc, ImportMode mode,
                             const std::vector<std::string>& after_rows) {
  Db& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(auto all, load_tables(db));
  CAIRN_RETURN_IF_ERROR(validate_against(all, doc));
  // Rows may arrive before the rows they reference; checked at COMMIT.
  CAIRN_RETURN_IF_ERROR(db.exec("PRAGMA defer_foreign_keys=ON"));
  std::vector<std::string> names;
  for (const auto& [n, body] : doc["tables"].items()) names.push_back(n);
  std::vector<std::string> order = parents_first(all, names);
  const bool merge = mode == ImportMode::kMerge;
  if (!merge) {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      std::string sql = "DELETE FROM " + quote(*it);
      if (*it == "meta") sql += " WHERE key <> 'db_id'";
      CAIRN_RETURN_IF_ERROR(db.exec(sql));
    }
  }
  Json counts = Json::object();
  for (const auto& name : order) {
    const Table& t = all.at(name);
    const Json& body = doc["tables"][name];
    int64_t n = 0;
    if (merge && name == "changelog") {
      counts[name] = 0;
      continue;
    }
    std::vector<std::string> cols = body["columns"].get<std::vector<std::string>>();
    std::string sql = "INSERT INTO " + quote(name) + "(";
    std::string params;
    for (size_t i = 0; i < cols.size(); ++i) {
      sql += (i ? ", " : "") + quote(cols[i]);
      params += (i ? ", ?" : "?") + std::to_string(i + 1);
    }
    sql += ") VALUES(" + params + ")";
    bool has_pk = !t.pk.empty() && std::all_of(t.pk.begin(), t.pk.end(), [&](const auto& k) {
      return std::find(cols.begin(), cols.end(), k) != cols.end();
    });
    if (merge && has_pk) {
      sql += " ON CONFLICT(";
      for (size_t i = 0; i < t.pk.size(); ++i) sql += (i ? ", " : "") + quote(t.pk[i]);
      std::string set;
      for (const auto& c : cols) {
        if (std::find(t.pk.begin(), t.pk.end(), c) != t.pk.end()) continue;
        set += (set.empty() ? "" : ", ") + quote(c) + " = excluded." + quote(c);
      }
      sql += set.empty() ? ") DO NOTHING" : ") DO UPDATE SET " + set;
    }
    CAIRN_ASSIGN_OR_RETURN(Stmt ins, db.prepare(sql));
    auto id_col = std::find(cols.begin(), cols.end(), "key");
    size_t key_idx = static_cast<size_t>(id_col - cols.begin());
    size_t i = 0;
    for (const auto& row : body["rows"]) {
      if (name == "meta" && id_col != cols.end() && row[key_idx] == "db_id") {
        ++i;
        continue;  // this database keeps its own identity
      }
      ins.reset();
      sqlite3_clear_bindings(ins.get());
      for (size_t k = 0; k < cols.size(); ++k) bind_value(ins, static_cast<int>(k + 1), row[k]);
      Status st = ins.run();
      if (!st.is_ok()) {
        return Status(st.code(),
                      "table " + name + " row " + std::to_string(i) + ": " + st.message());
      }
      ++n;
      ++i;
    }
    counts[name] = n;
  }
  // External-content FTS5 indexes follow their content tables again.
  CAIRN_ASSIGN_OR_RETURN(Stmt fts, db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = "
                                              "'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING "
                                              "fts5%'"));
  std::vector<std::string> rebuild;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, fts.step());
    if (!row) break;
    std::string sql = fts.text(1);
    auto pos = sql.find("content");
    bool external = pos != std::string::npos && sql.find("content=''") == std::string::npos &&
                    sql.find("content = ''") == std::string::npos &&
                    sql.find("content_rowid") != pos;
    if (external) rebuild.push_back(fts.text(0));
  }
  for (const auto& f : rebuild) {
    CAIRN_RETURN_IF_ERROR(
        db.exec("INSERT INTO " + quote(f) + "(" + quote(f) + ") VALUES('rebuild')"));
  }
  for (const auto& sql : after_rows) CAIRN_RETURN_IF_ERROR(db.exec(sql));
  // Foreign keys are checked here rather than at COMMIT so the error says where.
  CAIRN_ASSIGN_OR_RETURN(Stmt fk, db.prepare("SELECT \"table\", rowid, parent FROM "
                                             "pragma_foreign_key_check LIMIT 1"));
  CAIRN_ASSIGN_OR_RETURN(bool bad, fk.step());
  if (bad) {
    return Status(Code::kInvalidParams, "import leaves a row of " + fk.text(0) + " (rowid " +
                                            std::to_string(fk.int64(1)) +
                                            ") referencing a missing row of " + fk.text(2));
  }
  std::string mode_name = merge ? "merge" : "replace";
  for (const auto& name : order) {
    CAIRN_RETURN_IF_ERROR(txn.record("db", "import", name, nullptr, nullptr,
                                     {{"table", name}, {"rows", counts[name]}, {"mode", mode_name}})
                              .status());
  }
  return Json{{"tables", counts}, {"mode", mode_name}};
}

}  // namespace cairn::store
