// index.status: each kind's counts from index_meta, how many of its documents
// wait for the worker ("dirty"), the index's size on disk, and the worker's
// state. Status bars poll it, so the two costly figures are cached:
//
// - dirty counts compare every document of a source with index_docs (2 ms per
//   kind on a soak database of 2,000 documents, growing with it). A count is
//   exact while no commit happened since it was taken; after one, a count above
//   zero may be reused for up to a second while the worker is busy or in the
//   same pass. So 0 always means caught up, and a waiting count is at most a
//   second old and is taken again once the worker is idle after a pass.
// - the size from dbstat reads every page of the index's tables: recomputed when
//   the worker finished a pass since (at most once a second), else every 10 s.
//
// Called on reader threads; one instance serves them all.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "indexer/worker.h"
#include "store/db.h"
#include "store/writer.h"

namespace cairn {

class IndexStatus {
 public:
  IndexStatus(indexer::Worker& worker, const store::Writer& writer)
      : worker_(worker), writer_(writer) {}

  Result<Json> get(store::Db& db);
  // For search results: {catching_up, dirty}, the documents of `kinds` (every
  // kind when empty) the worker has still to index, from the same cached counts.
  Result<Json> catching_up(store::Db& db, const std::vector<std::string>& kinds);

 private:
  struct Taken {
    int64_t value = 0;
    int64_t commits = -1;  // the writer's commit count before it was taken
    int64_t passes = -1;   // the worker's pass count before it was taken
    int64_t at_ms = -1;    // monotonic
  };

  Result<int64_t> dirty(store::Db& db, indexer::IndexSource& src);
  int64_t index_bytes(store::Db& db);

  indexer::Worker& worker_;
  const store::Writer& writer_;
  std::mutex mu_;
  std::map<std::string, Taken> dirty_;  // by kind; guarded by mu_
  Taken bytes_;                         // guarded by mu_
};

}  // namespace cairn
