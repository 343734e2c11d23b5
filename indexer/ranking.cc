#include "indexer/ranking.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

namespace cairn::indexer {

namespace {

constexpr double kK1 = 1.2;  // bm25's constants, as FTS5 has them
constexpr double kB = 0.75;

// What one query computes once: FTS5 keeps it with the query (xSetAuxdata) and
// frees it when the query ends or runs again.
struct QueryData {
  double avgdl = 0;
  std::vector<double> idf;      // per phrase
  std::vector<double> freq;     // per phrase, for the current row
  std::vector<int> column_end;  // per column, for the current row: where matches end
  // The k best scores so far (a min-heap: top() is the k-th best).
  std::priority_queue<double, std::vector<double>, std::greater<double>> best;
  int64_t last_rowid = INT64_MIN;  // a row asked for twice gets the same answer
  double last_score = 0;
};

int count_row(const Fts5ExtensionApi*, Fts5Context*, void* hits) {
  ++*static_cast<sqlite3_int64*>(hits);
  return SQLITE_OK;
}

int query_data(const Fts5ExtensionApi* api, Fts5Context* fts, QueryData** out) {
  if ((*out = static_cast<QueryData*>(api->xGetAuxdata(fts, 0)))) return SQLITE_OK;
  auto d = std::make_unique<QueryData>();
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc != SQLITE_OK) return rc;
  d->avgdl = static_cast<double>(tokens) / static_cast<double>(rows);
  int phrases = api->xPhraseCount(fts);
  for (int i = 0; i < phrases; ++i) {
    sqlite3_int64 hits = 0;
    if ((rc = api->xQueryPhrase(fts, i, &hits, count_row)) != SQLITE_OK) return rc;
    // Below zero for a phrase in more than half the rows: bm25 floors it.
    double idf = std::log((rows - hits + 0.5) / (hits + 0.5));
    d->idf.push_back(idf <= 0.0 ? 1e-6 : idf);
  }
  d->freq.assign(phrases, 0.0);
  d->column_end.assign(api->xColumnCount(fts), 0);
  *out = d.release();
  // On failure FTS5 frees the data itself.
  return api->xSetAuxdata(fts, *out, [](void* p) { delete static_cast<QueryData*>(p); });
}

double score(const QueryData& d, double length) {
  double s = 0.0;
  for (size_t i = 0; i < d.idf.size(); ++i) {
    s += d.idf[i] * ((d.freq[i] * (kK1 + 1.0)) /
                     (d.freq[i] + kK1 * (1 - kB + kB * length / d.avgdl)));
  }
  return s;
}

void bm25_top(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int n,
              sqlite3_value** args) {
  QueryData* d = nullptr;
  int rc = query_data(api, fts, &d);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  sqlite3_int64 rowid = api->xRowid(fts);
  if (rowid == d->last_rowid) return sqlite3_result_double(ctx, -d->last_score);
  size_t k = n > 0 ? static_cast<size_t>(std::max<sqlite3_int64>(0, sqlite3_value_int64(args[0])))
                   : 0;
  std::fill(d->freq.begin(), d->freq.end(), 0.0);
  std::fill(d->column_end.begin(), d->column_end.end(), 0);
  int insts = 0;
  if ((rc = api->xInstCount(fts, &insts)) != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  for (int i = 0; i < insts; ++i) {
    int phrase, column, offset;
    if ((rc = api->xInst(fts, i, &phrase, &column, &offset)) != SQLITE_OK) {
      return sqlite3_result_error_code(ctx, rc);
    }
    d->freq[phrase] += n - 1 > column ? sqlite3_value_double(args[1 + column]) : 1.0;
    int end = offset + api->xPhraseSize(fts, phrase);
    d->column_end[column] = std::max(d->column_end[column], end);
  }
  double shortest = 0;  // the row's length is at least this
  for (int end : d->column_end) shortest += end;
  double s = 0;
  bool pruned = false;
  if (k > 0 && d->best.size() == k) {
    s = score(*d, shortest);  // the most it can score
    pruned = s < d->best.top();
  }
  if (!pruned) {
    int tokens = 0;
    if ((rc = api->xColumnSize(fts, -1, &tokens)) != SQLITE_OK) {
      return sqlite3_result_error_code(ctx, rc);
    }
    s = score(*d, tokens);
    if (k > 0) {
      d->best.push(s);
      if (d->best.size() > k) d->best.pop();
    }
  }
  d->last_rowid = rowid;
  d->last_score = s;
  sqlite3_result_double(ctx, -s);
}

int register_on(sqlite3* db, char** error, const sqlite3_api_routines*) {
  fts5_api* api = nullptr;
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_pointer(s, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(s);
  }
  sqlite3_finalize(s);
  if (!api || api->iVersion < 2) {
    *error = sqlite3_mprintf("bm25_top: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  return api->xCreateFunction(api, "bm25_top", nullptr, bm25_top, nullptr);
}

}  // namespace

Status install_ranking() {
  // sqlite3_auto_extension ignores an entry point it already has.
  int rc = sqlite3_auto_extension(reinterpret_cast<void (*)()>(register_on));
  if (rc != SQLITE_OK) {
    return Status(Code::kInternal, std::string("cannot install bm25_top: ") + sqlite3_errstr(rc));
  }
  return Status::ok();
}

}  // namespace cairn::indexer
