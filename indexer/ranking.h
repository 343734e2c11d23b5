// bm25_top(fts_table, k, weight...): FTS5's bm25() for a query whose caller keeps
// only its k best rows (ORDER BY score LIMIT k), with the same formula and the
// same value for those rows, without reading the size of every row that matched.
//
// bm25 needs each matching row's length in tokens, and FTS5 reads it with one
// statement per row (2,430 lookups, 4 of the 4.6 ms of `delta` on a soak
// database of 3,438 chunks). A row's length is at least where its last matched
// token ends in each column, and its score can only fall as its length grows;
// so once k rows are scored, a row whose score at that smallest length cannot
// beat the k-th best is given that bound (it cannot be among the k) and its
// length is not read. The k best rows, their order and their scores are bm25's.
//
// Like bm25, lower is better (the score is negated). k = 0 scores every row.
#pragma once

#include "base/status.h"

namespace cairn::indexer {

// Makes bm25_top available on every SQLite connection this process opens after
// the call (sqlite3_auto_extension). Idempotent; call before opening databases.
Status install_ranking();

}  // namespace cairn::indexer
