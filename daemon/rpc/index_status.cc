#include "daemon/rpc/index_status.h"

#include <algorithm>

#include "base/clock.h"
#include "indexer/chunker.h"
#include "indexer/index_store.h"

namespace cairn {

namespace {

constexpr int64_t kReuseMs = 1000;        // a stale figure is reused at most this long
constexpr int64_t kBytesMaxAgeMs = 10000;

Json time_or_null(const store::Stmt& s, int col) {
  return s.is_null(col) ? Json() : Json(format_iso8601(s.int64(col)));
}

// Pages of the index's tables and their FTS5 shadow tables. dbstat is asked
// one table at a time: it can only narrow a scan to a name given with "=", and
// with a pattern it read every page of the database, changelog included (12 ms
// on a 12 MiB database, growing with it; 1 ms by name).
int64_t measure_index_bytes(store::Db& db) {
  auto names = db.prepare(
      "SELECT name FROM sqlite_schema WHERE name IN ('chunks', 'chunks_by_doc') OR name GLOB "
      "'chunks_fts_*' OR name GLOB 'chunks_tri_*' OR name GLOB 'index_*' OR name GLOB "
      "'sqlite_autoindex_index_*'");
  auto size = db.prepare("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?1 AND "
                         "aggregate = 1");
  if (!names.has_value() || !size.has_value()) return 0;
  int64_t bytes = 0;
  for (;;) {
    auto row = names->step();
    if (!row.has_value() || !*row) break;
    size->bind_all(names->text(0));
    auto got = size->step();
    if (got.has_value() && *got) bytes += size->int64(0);
    size->reset();
  }
  return bytes;
}

}  // namespace

Result<int64_t> IndexStatus::dirty(store::Db& db, indexer::IndexSource& src) {
  // Read the commit count before counting: a commit in between makes the count
  // look older than it is, never newer.
  int64_t commits = writer_.stats().commits;
  int64_t passes = worker_.passes();
  {
    std::lock_guard lock(mu_);
    auto it = dirty_.find(src.kind());
    if (it != dirty_.end()) {
      const Taken& t = it->second;
      if (t.commits == commits) return t.value;
      bool same_pass = t.passes == passes || worker_.running();
      if (t.value > 0 && same_pass && monotonic_ms() - t.at_ms < kReuseMs) {
        return t.value;
      }
    }
  }
  CAIRN_ASSIGN_OR_RETURN(int64_t n, src.count_dirty(db, indexer::kChunkerVersion));
  std::lock_guard lock(mu_);
  dirty_[src.kind()] = Taken{n, commits, passes, monotonic_ms()};
  return n;
}

int64_t IndexStatus::index_bytes(store::Db& db) {
  int64_t passes = worker_.passes();
  {
    std::lock_guard lock(mu_);
    int64_t age = monotonic_ms() - bytes_.at_ms;
    if (bytes_.at_ms >= 0 && age < kBytesMaxAgeMs && (passes == bytes_.passes || age < kReuseMs)) {
      return bytes_.value;
    }
  }
  int64_t bytes = measure_index_bytes(db);
  std::lock_guard lock(mu_);
  bytes_ = Taken{bytes, -1, passes, monotonic_ms()};
  return bytes;
}

Result<Json> IndexStatus::catching_up(store::Db& db, const std::vector<std::string>& kinds) {
  int64_t waiting = 0;
  for (const auto& src : worker_.sources()) {
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), src->kind()) == kinds.end()) {
      continue;
    }
    CAIRN_ASSIGN_OR_RETURN(bool available, src->available(db));
    if (!available) continue;
    CAIRN_ASSIGN_OR_RETURN(int64_t n, dirty(db, *src));
    waiting += n;
  }
  return Json{{"catching_up", waiting > 0}, {"dirty", waiting}};
}

Result<Json> IndexStatus::get(store::Db& db) {
  Json kinds = Json::array();
  for (const auto& src : worker_.sources()) {
    Json k{{"kind", src->kind()}, {"current_version", indexer::kIndexVersion}};
    CAIRN_ASSIGN_OR_RETURN(bool available, src->available(db));
    k["available"] = available;
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * s,
        db.cached("SELECT doc_count, chunk_count, bytes, last_indexed_at, index_version, "
                  "last_rebuild_at, last_rebuild_duration_ms, last_error FROM index_meta WHERE "
                  "kind = ?1"));
    s->bind_all(src->kind());
    CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
    k["documents"] = row ? s->int64(0) : 0;
    k["chunks"] = row ? s->int64(1) : 0;
    k["text_bytes"] = row ? s->int64(2) : 0;
    k["last_indexed_at"] = row ? time_or_null(*s, 3) : Json();
    k["index_version"] = row ? s->int64(4) : 0;
    k["last_rebuild_at"] = row ? time_or_null(*s, 5) : Json();
    k["last_rebuild_duration_ms"] = row && !s->is_null(6) ? Json(s->int64(6)) : Json();
    k["last_error"] = row && !s->is_null(7) ? Json(s->text(7)) : Json();
    s->reset();
    int64_t waiting = 0;
    if (available) {
      CAIRN_ASSIGN_OR_RETURN(waiting, dirty(db, *src));
    }
    k["dirty"] = waiting;
    // `documents` is counted at the end of each of the worker's passes; during a
    // long first pass (a large tree just tracked) progress is the live count.
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * live,
                           db.cached("SELECT count(*) FROM index_docs WHERE kind = ?1"));
    live->reset();
    live->bind_all(src->kind());
    CAIRN_ASSIGN_OR_RETURN(bool counted, live->step());
    k["indexed"] = counted ? live->int64(0) : 0;
    live->reset();
    kinds.push_back(std::move(k));
  }
  return Json{{"kinds", kinds}, {"index_bytes", index_bytes(db)}, {"worker", worker_.status()}};
}

}  // namespace cairn
