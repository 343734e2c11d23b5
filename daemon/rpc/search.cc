// search.query, index.status, index.rebuild: full-text search over what the
// index worker (indexer/worker.h) keeps fresh. Topic "index": one event per
// batch the worker commits, and index.rebuild requests.
#include <memory>

#include "daemon/params.h"
#include "daemon/rpc/index_status.h"
#include "daemon/rpc/register.h"
#include "indexer/index_store.h"
#include "indexer/search.h"
#include "indexer/worker.h"

namespace cairn {

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
  s.restore_observers.push_back([worker] { worker->wake(); });
  s.status_sections.push_back([worker](Json& out) { out["index"] = worker->status(); });
  std::vector<std::string> kinds = worker->kinds();
  auto status = std::make_shared<IndexStatus>(*worker, s.writer);

  r.add_read(
      "search.query",
      {"Full-text search over files, messages, knowledge and tasks.",
       {},
       {param::str("q", 4096, "the query").required(),
        param::str_list("kinds", 16, 64, "only these kinds"),
        param::str("root", 4096, "files below this root only").bytes(),
        param::str("path_glob", 4096, "files matching this glob only").bytes(),
        param::integer("limit", 1, 1000, "most hits (default 20)"),
        param::integer("offset", 0, 100000, "hits to skip")}},
      [kinds, status](store::Db& db, const Json& params) -> Result<Json> {
        Args a(params);
        indexer::SearchRequest req;
        req.q = a.str("q");
        auto k = a.opt_str_list("kinds");
        req.root = a.opt_str("root");
        req.path_glob = a.opt_str("path_glob");
        req.limit = static_cast<int>(a.opt_int("limit").value_or(20));
        req.offset = static_cast<int>(a.opt_int("offset").value_or(0));
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
          CAIRN_ASSIGN_OR_RETURN(bool tracked, indexer::root_is_tracked(db, *req.root));
          if (!tracked) return not_found("root is not tracked: " + *req.root);
        }
        CAIRN_ASSIGN_OR_RETURN(Json out, indexer::search(db, req));
        CAIRN_ASSIGN_OR_RETURN(out["index"], status->catching_up(db, req.kinds));
        return out;
      });

  r.add_read("index.status", {"Reports the search index: per kind, how many rows wait.", {}, {}},
             [worker, status](store::Db& db, const Json& /*params*/) -> Result<Json> {
               return status->get(db);
             });

  r.add_write(
      "index.rebuild",
      {"Marks every row of a kind (or all) to be indexed again.",
       {"index"},
       {param::enumeration("kind", kinds, "only this kind")}},
      [kinds](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto kind = a.opt_str("kind");
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
