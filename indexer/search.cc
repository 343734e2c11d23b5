#include "indexer/search.h"

#include <algorithm>
#include <unordered_set>

#include "base/byte_text.h"
#include "indexer/query.h"

namespace cairn::indexer {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII) find of lowercase `needle` in `hay` from `from`.
size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

size_t utf8_back(std::string_view s, size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

// WHERE clauses for kinds/root/glob over `c` (chunks) and `f` (files), with
// their values in bind order after the ones already used.
struct Filters {
  std::string sql;
  std::vector<std::string> values;
};

// Placeholders are numbered from `first` explicitly: a bare '?' would take its
// number from its place in the text, not from the order of binding.
Filters make_filters(const SearchRequest& r, int first) {
  Filters f;
  auto ph = [&] {
    f.sql += "?" + std::to_string(first + static_cast<int>(f.values.size()));
  };
  if (!r.kinds.empty()) {
    f.sql += " AND c.kind IN (";
    for (size_t i = 0; i < r.kinds.size(); ++i) {
      if (i) f.sql += ", ";
      ph();
      f.values.push_back(r.kinds[i]);
    }
    f.sql += ")";
  }
  if (r.root && *r.root != "/") {
    f.sql += " AND (f.path = ";
    ph();
    f.values.push_back(*r.root);
    f.sql += " OR (f.path > ";
    ph();
    f.values.push_back(*r.root + "/");
    f.sql += " AND f.path < ";
    ph();
    f.values.push_back(*r.root + "0");
    f.sql += "))";
  }
  if (r.path_glob) {
    f.sql += " AND f.path GLOB ";
    ph();
    f.values.push_back(*r.path_glob);
  }
  return f;
}

void bind_filters(store::Stmt& s, int first, const Filters& f) {
  for (size_t i = 0; i < f.values.size(); ++i) s.bind(first + static_cast<int>(i), f.values[i]);
}

struct Hit {
  int64_t id;
  double score;
  bool word;  // a word match (bm25); else a substring match
};

}  // namespace

Snippet make_snippet(const std::string& text, int start_line,
                     const std::vector<std::string>& words, size_t max_bytes) {
  Snippet out;
  std::string_view all(text);
  // Find the first line with a word; remember the first non-blank line too.
  size_t best_pos = std::string_view::npos, best_line_start = 0;
  int best_line = 0;
  size_t fallback_start = std::string_view::npos;
  int fallback_line = start_line;
  int line = start_line;
  for (size_t pos = 0; pos < all.size();) {
    size_t nl = all.find('\n', pos);
    size_t end = nl == std::string_view::npos ? all.size() : nl;
    std::string_view l = all.substr(pos, end - pos);
    if (fallback_start == std::string_view::npos &&
        l.find_first_not_of(" \t\r") != std::string_view::npos) {
      fallback_start = pos;
      fallback_line = line;
    }
    for (const auto& w : words) {
      size_t at = ifind(l, w);
      if (at != std::string_view::npos) {
        best_pos = pos + at;
        best_line_start = pos;
        best_line = line;
        break;
      }
    }
    if (best_pos != std::string_view::npos) break;
    pos = end + 1;
    ++line;
  }
  if (best_pos == std::string_view::npos) {
    best_line_start = fallback_start == std::string_view::npos ? 0 : fallback_start;
    best_pos = best_line_start;
    best_line = fallback_line;
  }
  size_t line_end = all.find('\n', best_line_start);
  if (line_end == std::string_view::npos) line_end = all.size();
  std::string_view l = all.substr(best_line_start, line_end - best_line_start);
  size_t lead = l.find_first_not_of(" \t");
  if (lead == std::string_view::npos) lead = l.size();
  size_t from = lead;
  size_t at = best_pos - best_line_start;
  // Keep the match visible on long lines: start a little before it.
  if (l.size() - from > max_bytes && at > from + max_bytes / 4) {
    from = utf8_back(l, at - max_bytes / 4);
  }
  size_t to = std::min(l.size(), from + max_bytes);
  to = utf8_back(l, to);
  if (to < l.size() && to <= from) to = l.size();
  while (to > from && (l[to - 1] == ' ' || l[to - 1] == '\t' || l[to - 1] == '\r')) --to;
  std::string_view shown = l.substr(from, to - from);
  out.text = std::string(shown);
  out.line = best_line;
  for (const auto& w : words) {
    for (size_t p = ifind(shown, w); p != std::string_view::npos; p = ifind(shown, w, p + w.size())) {
      out.highlights.emplace_back(p, w.size());
    }
  }
  std::sort(out.highlights.begin(), out.highlights.end());
  // Overlapping ranges (one word inside another) merge into one.
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& h : out.highlights) {
    if (!merged.empty() && h.first <= merged.back().first + merged.back().second) {
      size_t end = std::max(merged.back().first + merged.back().second, h.first + h.second);
      merged.back().second = end - merged.back().first;
    } else {
      merged.push_back(h);
    }
  }
  out.highlights = std::move(merged);
  return out;
}

Result<Json> search(store::Db& db, const SearchRequest& req) {
  ParsedQuery pq = parse_query(req.q);
  Json results = Json::array();
  if (pq.match.empty()) return Json{{"results", results}, {"total", 0}};
  Filters filters = make_filters(req, 3);
  bool need_join = !filters.values.empty();
  const int want = req.limit + req.offset;
  std::vector<Hit> hits;
  std::unordered_set<int64_t> seen;

  // Word hits, best first. Only rowid and score: chunk text is read for the page alone.
  {
    // bm25 with the weights of the table's rank (schema/0003_index.up.sql), as
    // bm25_top (indexer/ranking.h): the same order and scores for the `want`
    // best rows without reading every hit's length. FTS5's own ORDER BY rank
    // path took 1.3 to 1.8 times as long as bm25() itself.
    std::string sql =
        need_join
            ? "SELECT c.id, bm25_top(chunks_fts, ?2, 4.0, 1.0) AS score FROM chunks_fts JOIN "
              "chunks c ON c.id = chunks_fts.rowid LEFT JOIN files f ON f.id = c.file_id WHERE "
              "chunks_fts MATCH ?1" +
                  filters.sql + " ORDER BY score LIMIT ?2"
            : "SELECT rowid, bm25_top(chunks_fts, ?2, 4.0, 1.0) AS score FROM chunks_fts WHERE "
              "chunks_fts MATCH ?1 ORDER BY score LIMIT ?2";
    // Filter values take ?3 onwards (placeholders after ?2 number on from it).
    CAIRN_ASSIGN_OR_RETURN(store::Stmt s, db.prepare(sql));
    s.bind(1, pq.match).bind(2, int64_t{want});
    bind_filters(s, 3, filters);
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      hits.push_back(Hit{s.int64(0), -s.real(1), true});
      seen.insert(s.int64(0));
    }
  }
  bool exhausted = static_cast<int>(hits.size()) < want;
  // Substring hits fill what words left: every term inside a longer identifier.
  if (exhausted && !pq.substrings.empty()) {
    // CROSS JOIN keeps the trigram scan outermost: with a kind filter the
    // planner otherwise walks every chunk of the kind and runs the LIKE over
    // the trigram index once per chunk (quadratic in the kind's chunks).
    std::string sql =
        "SELECT c.id, c.text FROM chunks_tri CROSS JOIN chunks c ON c.id = chunks_tri.rowid "
        "LEFT JOIN files f ON f.id = c.file_id WHERE 1";
    for (size_t i = 0; i < pq.substrings.size(); ++i) {
      sql += " AND chunks_tri.text LIKE ?" + std::to_string(i + 1);
    }
    Filters sub_filters = make_filters(req, static_cast<int>(pq.substrings.size()) + 1);
    sql += sub_filters.sql;
    CAIRN_ASSIGN_OR_RETURN(store::Stmt s, db.prepare(sql));
    int idx = 0;
    std::vector<std::string> lowered;
    for (const auto& sub : pq.substrings) {
      // '%' and '_' in the term widen the LIKE; the check below keeps exact hits.
      s.bind(++idx, "%" + sub + "%");
      std::string l = sub;
      for (char& c : l) c = lower(c);
      lowered.push_back(l);
    }
    bind_filters(s, idx + 1, sub_filters);
    while (static_cast<int>(hits.size()) < want) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      int64_t id = s.int64(0);
      if (seen.count(id)) continue;
      std::string text = s.text(1);
      bool all = std::all_of(lowered.begin(), lowered.end(),
                             [&](const std::string& l) { return ifind(text, l) != std::string::npos; });
      if (!all) continue;
      hits.push_back(Hit{id, 0.0, false});
      seen.insert(id);
    }
    exhausted = static_cast<int>(hits.size()) < want;
  }

  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * row,
      db.cached("SELECT c.kind, c.doc_id, f.path, c.start_line, c.end_line, c.title, c.text FROM "
                "chunks c LEFT JOIN files f ON f.id = c.file_id WHERE c.id = ?1"));
  for (size_t i = static_cast<size_t>(req.offset); i < hits.size(); ++i) {
    row->reset();
    row->bind_all(hits[i].id);
    CAIRN_ASSIGN_OR_RETURN(bool found, row->step());
    if (!found) continue;  // removed by a commit between the two statements
    const std::vector<std::string>& words = hits[i].word ? pq.highlight : pq.substrings;
    std::vector<std::string> lw = words;
    for (auto& w : lw) {
      for (char& c : w) c = lower(c);
    }
    Snippet sn = make_snippet(row->text(6), static_cast<int>(row->int64(3)), lw);
    Json hl = Json::array();
    for (const auto& [off, len] : sn.highlights) hl.push_back(Json::array({off, len}));
    Json r{{"kind", row->text(0)},
           {"id", row->text(1)},
           {"snippet", sn.text},
           {"highlights", hl},
           {"score", hits[i].score},
           {"match", hits[i].word ? "word" : "substring"}};
    if (!row->is_null(2)) r["path"] = str_or_bin(row->text(2));  // bin when not UTF-8
    r["start_line"] = row->int64(3);
    r["end_line"] = row->int64(4);
    r["line"] = sn.line;
    std::string title = row->text(5);
    if (!title.empty()) r["title"] = title;
    results.push_back(std::move(r));
  }
  Json out{{"results", results}};
  if (exhausted) out["total"] = hits.size();
  return out;
}

}  // namespace cairn::indexer
