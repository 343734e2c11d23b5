// search.query, index.status, index.rebuild: full-text search over what the
// index worker (indexer/worker.h) keeps fresh. Topic "index": one event per
// batch the worker commits, and index.rebuild requests.
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "indexer/index_store.h"
#include "indexer/search.h"
#include "indexer/worker.h"

namespace cairn {

namespace {

Json time_or_null(const store::Stmt& s, int col) {
  return s.is_null(col) ? Json() : Json(format_iso8601(s.int64(col)));
}

// The index's size on disk from SQLite's dbstat table, which reads every page
// of the tables it sums (17-43 ms on a 13 MiB database, more as it grows), and
// index.status is polled by status bars. The figure is recomputed when the worker finished a
// pass since (at most once a second) and otherwise every 10 s.
class IndexSize {
 public:
  int64_t get(store::Db& db, int64_t passes) {
    {
      std::lock_guard lock(mu_);
      int64_t age = monotonic_ms() - at_ms_;
      if (at_ms_ >= 0 && age < kMaxAgeMs && (passes == passes_ || age < kMinAgeMs)) {
        return bytes_;
      }
    }
    int64_t bytes = measure(db);
    std::lock_guard lock(mu_);
    bytes_ = bytes;
    passes_ = passes;
    at_ms_ = monotonic_ms();
    return bytes_;
  }

 private:
  static constexpr int64_t kMaxAgeMs = 10000;
  static constexpr int64_t kMinAgeMs = 1000;

  // Pages of the index's tables and their FTS5 shadow tables.
  static int64_t measure(store::Db& db) {
    auto st = db.prepare(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE aggregate = 1 AND (name = 'chunks' "
        "OR name = 'chunks_by_doc' OR name GLOB 'chunks_fts_*' OR name GLOB 'chunks_tri_*' OR "
        "name GLOB 'index_*' OR name GLOB 'sqlite_autoindex_index_*')");
    if (!st.has_value()) return 0;
    auto row = st->step();
    return row.has_value() && *row ? st->int64(0) : 0;
  }

  std::mutex mu_;
  int64_t bytes_ = 0;    // guarded by mu_
  int64_t passes_ = -1;  // the worker's pass count when measured; guarded by mu_
  int64_t at_ms_ = -1;   // monotonic; guarded by mu_
};

Result<Json> index_status(store::Db& db, indexer::Worker& worker, IndexSize& index_size) {
  Json kinds = Json::array();
  for (const auto& src : worker.sources()) {
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
    if (available) {
      CAIRN_ASSIGN_OR_RETURN(int64_t dirty, src->count_dirty(db, indexer::kChunkerVersion));
      k["dirty"] = dirty;
    } else {
      k["dirty"] = 0;
    }
    kinds.push_back(std::move(k));
  }
  int64_t size = index_size.get(db, worker.passes());
  return Json{{"kinds", kinds}, {"index_bytes", size}, {"worker", worker.status()}};
}

}  // namespace

void register_search(Registry& r, Services& s) {
  s.hub.add_topic("index");
  indexer::WorkerOptions opts;
  opts.db_path = s.config.db_path();
  opts.interval_s = s.config.index_interval_s;
  auto worker =
      std::make_shared<indexer::Worker>(opts, s.writer, indexer::make_sources());
  worker->start();
  s.change_observers.push_back([worker](const std::vector<store::Change>& changes) {
    if (worker->concerns(changes)) worker->wake();
  });
  s.on_shutdown.push_back([worker] { worker->stop(); });
  s.status_sections.push_back([worker](Json& out) { out["index"] = worker->status(); });
  std::vector<std::string> kinds = worker->kinds();

  r.add_read("search.query", [kinds](store::Db& db, const Json& params) -> Result<Json> {
    Params p(params);
    indexer::SearchRequest req;
    req.q = p.str("q", 4096);
    auto k = p.opt_str_list("kinds", 16, 64);
    req.root = p.opt_str("root", 4096);
    req.path_glob = p.opt_str("path_glob", 4096);
    req.limit = static_cast<int>(p.opt_int("limit", 1, 1000).value_or(20));
    req.offset = static_cast<int>(p.opt_int("offset", 0, 100000).value_or(0));
    CAIRN_RETURN_IF_ERROR(p.finish());
    if (k) {
      for (const auto& kind : *k) {
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
          std::string known;
          for (const auto& x : kinds) known += (known.empty() ? "" : ", ") + x;
          return invalid_params("kinds: unknown kind " + kind + " (known: " + known + ")");
        }
      }
      req.kinds = *k;
    }
    if (req.root) {
      if (req.root->empty() || (*req.root)[0] != '/') {
        return invalid_params("root must be an absolute path");
      }
      while (req.root->size() > 1 && req.root->back() == '/') req.root->pop_back();
    }
    return indexer::search(db, req);
  });

  auto index_size = std::make_shared<IndexSize>();
  r.add_read("index.status",
             [worker, index_size](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               CAIRN_RETURN_IF_ERROR(p.finish());
               return index_status(db, *worker, *index_size);
  });

  r.add_write(
      "index.rebuild",
      [kinds](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        auto kind = p.opt_enum("kind", kinds);
        CAIRN_RETURN_IF_ERROR(p.finish());
        std::string k = kind.value_or("");
        CAIRN_ASSIGN_OR_RETURN(int64_t n, indexer::mark_all_dirty(txn.db(), k));
        for (const auto& each : kinds) {
          if (!k.empty() && each != k) continue;
          CAIRN_RETURN_IF_ERROR(indexer::ensure_meta_row(txn.db(), each));
        }
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * s,
            txn.db().cached("UPDATE index_meta SET index_version = 0 WHERE ?1 = '' OR kind = ?1"));
        CAIRN_RETURN_IF_ERROR(s->bind_all(k).run());
        // The worker wakes on this change (Worker::concerns) once it is committed.
        CAIRN_RETURN_IF_ERROR(txn.record("index", "rebuild", k.empty() ? "*" : k, nullptr,
                                         nullptr, {{"documents", n}})
                                  .status());
        return Json{{"kind", kind ? Json(*kind) : Json()}, {"documents", n}};
      },
      store::Durability::kNormal);
}

}  // namespace cairn
