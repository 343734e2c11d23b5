// FileRows: what the crawler observed, and the write job that turns a batch of
// observations into rows of `files` plus changelog records on topic "files".
//
// The job, not the crawler, decides what changed: it compares each observation
// with the row inside the writer's transaction, so two observations of one path
// in flight at once cannot both announce a change. Per observation:
//   - no live row            -> insert (or revive a deleted row, gen+1): created
//   - a new hash, type or error state -> update, gen+1: modified
//   - same content, other stat fields -> stat columns only, no event (a
//     same-content rewrite is not a change)
//   - gone                   -> status 'deleted', gen+1: deleted (a directory
//     takes every live row below it along)
// A deletion and a creation in one batch with the same inode and hash are one
// rename: one "renamed" event {path, from, sha256} instead of two.
//
// Stat-only refreshes are not recorded in the changelog: they are derived
// bookkeeping with no content change, and recording them would make every
// `touch` an event.
//
// apply_batch runs on the writer thread inside a job.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/write_txn.h"

namespace cairn::watchers {

struct Observation {
  enum class Op { kUpsert, kGone };
  Op op = Op::kUpsert;
  int64_t root_id = 0;
  std::string path;  // absolute
  // kGone only: this row alone, not the rows below it (a file or link that is
  // gone; a directory takes everything below it along).
  bool only_path = false;
  // kUpsert only:
  std::string type;  // file, symlink, other
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t inode = 0;
  std::optional<std::string> sha256;
  bool is_text = false;
  std::string status = "ok";  // ok or error
  std::optional<std::string> error;
};

// Live totals of one root, kept exact by the jobs' deltas. Any thread.
struct RootTotals {
  std::atomic<int64_t> files{0};
  std::atomic<int64_t> bytes{0};
};

struct BatchOutcome {
  int64_t events = 0;
  // root id -> {live files, bytes} this batch added (negative: removed). The
  // caller applies them to its RootTotals only once the batch has committed.
  std::map<int64_t, std::pair<int64_t, int64_t>> deltas;
};

Result<BatchOutcome> apply_batch(store::WriteTxn& txn, const std::vector<Observation>& batch);

}  // namespace cairn::watchers
