#include "store/migration.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/clock.h"

namespace cairn::store {

int latest_version(const std::vector<Migration>& all) {
  return all.empty() ? 0 : all.back().version;
}

Result<int> current_version(Db& db) {
  CAIRN_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT "
              "NOT NULL, applied_at INTEGER NOT NULL)"));
  CAIRN_ASSIGN_OR_RETURN(int64_t v, db.query_int("SELECT coalesce(max(version), 0) FROM "
                                                 "schema_version"));
  return static_cast<int>(v);
}

namespace {

Status step(Db& db, const Migration& m, bool up) {
  CAIRN_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status st = db.exec(up ? m.up : m.down);
  if (st.is_ok()) {
    auto s = up ? db.prepare("INSERT INTO schema_version(version, name, applied_at) VALUES(?1, "
                             "?2, ?3)")
                : db.prepare("DELETE FROM schema_version WHERE version = ?1");
    if (!s) {
      st = s.status();
    } else if (up) {
      st = s->bind_all(m.version, m.name, wall_ms()).run();
    } else {
      st = s->bind_all(m.version).run();
    }
  }
  if (st.is_ok()) {
    auto bad = db.query_int("SELECT count(*) FROM pragma_foreign_key_check");
    if (!bad) st = bad.status();
    else if (*bad > 0) st = Status(Code::kInternal, "leaves foreign keys unsatisfied");
  }
  if (st.is_ok()) st = db.exec("COMMIT");
  if (!st.is_ok()) {
    if (db.in_transaction()) (void)db.exec("ROLLBACK");
    return Status(st.code(), std::string("migration ") + std::to_string(m.version) + "_" +
                                 m.name + (up ? " up" : " down") + " failed: " + st.message());
  }
  spdlog::info("schema: {} {:04d}_{}", up ? "applied" : "reverted", m.version, m.name);
  return Status::ok();
}

}  // namespace

Status migrate_to(Db& db, int target, const std::vector<Migration>& all) {
  CAIRN_ASSIGN_OR_RETURN(int current, current_version(db));
  int latest = latest_version(all);
  if (current > latest) {
    return Status(Code::kInternal,
                  db.path() + " has schema version " + std::to_string(current) +
                      ", newer than this cairnd knows (" + std::to_string(latest) +
                      "): it was written by a newer cairn. Install that version, or restore a "
                      "backup made by this one.");
  }
  if (target < 0 || target > latest) {
    return Status(Code::kInvalidParams, "no schema version " + std::to_string(target) +
                                            " (known: 0 to " + std::to_string(latest) + ")");
  }
  for (const auto& m : all) {
    if (m.version > current && m.version <= target) CAIRN_RETURN_IF_ERROR(step(db, m, true));
  }
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->version <= current && it->version > target) CAIRN_RETURN_IF_ERROR(step(db, *it, false));
  }
  return Status::ok();
}

}  // namespace cairn::store
