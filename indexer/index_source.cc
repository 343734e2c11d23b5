#include "indexer/index_source.h"

namespace cairn::indexer {

Result<std::vector<DocRef>> IndexSource::list_dirty(store::Db& db, int chunker_version,
                                                    int limit) {
  // The subquery is flattened by SQLite; each listed document costs one lookup
  // in index_docs' primary key.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt s,
      db.prepare("WITH s(doc_id, gen) AS (" + docs_sql() +
                 ") SELECT s.doc_id, s.gen FROM s LEFT JOIN index_docs d ON d.kind = ?1 AND d.doc_id = "
                 "CAST(s.doc_id AS TEXT) WHERE d.doc_id IS NULL OR d.indexed_gen != s.gen OR "
                 "d.chunker_version != ?2 LIMIT ?3"));
  s.bind_all(kind(), chunker_version, limit);
  std::vector<DocRef> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    out.push_back(DocRef{s.text(0), s.int64(1)});
  }
  return out;
}

Result<std::vector<std::string>> IndexSource::list_removed(store::Db& db, int limit) {
  // NOT IN builds one temporary index over the listed ids: linear, not quadratic.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt s,
      db.prepare("WITH s(doc_id, gen) AS (" + docs_sql() +
                 ") SELECT doc_id FROM index_docs WHERE kind = ?1 AND doc_id NOT IN (SELECT "
                 "CAST(doc_id AS TEXT) FROM s) LIMIT ?2"));
  s.bind_all(kind(), limit);
  std::vector<std::string> out;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    out.push_back(s.text(0));
  }
  return out;
}

// One pass over the source: the documents it lists that are not fresh, plus
// the index's rows of this kind that matched none of them (removed). doc_id is
// unique on both sides. A NOT IN for the removed ones read the source twice:
// 7.2 against 3.0 ms for 2,156 messages.
Result<int64_t> IndexSource::count_dirty(store::Db& db, int chunker_version) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt s,
      db.prepare("WITH s(doc_id, gen) AS (" + docs_sql() +
                 ") SELECT coalesce(sum(d.doc_id IS NULL OR d.indexed_gen != s.gen OR "
                 "d.chunker_version != ?2), 0) + (SELECT count(*) FROM index_docs WHERE kind = "
                 "?1) - count(d.doc_id) FROM s LEFT JOIN index_docs d ON d.kind = ?1 AND "
                 "d.doc_id = CAST(s.doc_id AS TEXT)"));
  s.bind_all(kind(), chunker_version);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  return row ? s.int64(0) : 0;
}

namespace {

class SqlSource : public IndexSource {
 public:
  explicit SqlSource(SqlSourceSpec spec) : spec_(std::move(spec)) {}
  const std::string& kind() const override { return spec_.kind; }
  const std::vector<std::string>& topics() const override { return spec_.topics; }
  Result<bool> available(store::Db& db) override { return table_exists(db, spec_.table); }
  std::string docs_sql() const override { return spec_.docs_sql; }
  Result<std::optional<DocText>> load(store::Db& db, const DocRef& ref) override {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt s, db.prepare(spec_.text_sql));
    s.bind_all(ref.doc_id);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<DocText>();
    DocText t;
    t.title = s.opt_text(0).value_or("");
    t.body = s.opt_text(1).value_or("");
    return std::optional<DocText>(std::move(t));
  }

 private:
  SqlSourceSpec spec_;
};

}  // namespace

void add_sql_source(Sources& out, SqlSourceSpec spec) {
  out.push_back(std::make_unique<SqlSource>(std::move(spec)));
}

Result<bool> table_exists(store::Db& db, const std::string& table) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt s,
                         db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND "
                                    "name = ?1"));
  s.bind_all(table);
  return s.step();
}

}  // namespace cairn::indexer
