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

// What FTS5's unicode61 tokenizer keeps in a word (indexer/query.cc).
bool is_word_char(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

// The first place where `phrase` (lowercased words) starts in `hay` as FTS5
// would match it: the first word at a word start, each next word right after
// the separators (newlines included) that follow the one before. Returns the
// offset and length of the whole phrase, or npos.
std::pair<size_t, size_t> find_phrase(std::string_view hay,
                                      const std::vector<std::string>& phrase) {
  for (size_t p = ifind(hay, phrase[0]); p != std::string_view::npos;
       p = ifind(hay, phrase[0], p + 1)) {
    if (p > 0 && is_word_char(hay[p - 1])) continue;
    size_t at = p + phrase[0].size();
    bool whole = true;
    for (size_t i = 1; i < phrase.size() && whole; ++i) {
      if (at < hay.size() && is_word_char(hay[at])) {
        whole = false;
        break;
      }
      while (at < hay.size() && !is_word_char(hay[at])) ++at;
      whole = ifind(hay.substr(at, phrase[i].size()), phrase[i]) == 0;
      at += phrase[i].size();
    }
    if (whole) return {p, at - p};
  }
  return {std::string_view::npos, 0};
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
Filters make_filters(const SearchRequest& r, int first, bool hide_untracked) {
  Filters f;
  // An untracked root's file rows and chunks leave in the background; its files
  // leave the results at once.
  if (hide_untracked) {
    f.sql += " AND (c.file_id IS NULL OR f.root_id NOT IN (SELECT id FROM roots WHERE active = 0))";
  }
  auto ph = [&] { f.sql += "?" + std::to_string(first + static_cast<int>(f.values.size())); };
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

// Every one of `lowered` (lowercase terms) in `text`, ignoring ASCII case.
bool holds_all(std::string_view text, const std::vector<std::string>& lowered) {
  return std::all_of(lowered.begin(), lowered.end(),
                     [&](const std::string& l) { return ifind(text, l) != std::string::npos; });
}

struct Hit {
  int64_t id;
  double score;
  bool word;  // a word match (bm25); else a substring match
};

}  // namespace

Snippet make_snippet(const std::string& text, int start_line, const std::vector<std::string>& words,
                     const std::vector<std::vector<std::string>>& phrases, size_t max_bytes) {
  Snippet out;
  std::string_view all(text);
  size_t best_pos = std::string_view::npos, best_line_start = 0;
  int best_line = 0;
  // A phrase first: its line, not a line where one of its words stands alone.
  size_t phrase_len = 0;
  for (const auto& ph : phrases) {
    if (ph.empty()) continue;
    auto [at, len] = find_phrase(all, ph);
    if (at < best_pos) {
      best_pos = at;
      phrase_len = len;
    }
  }
  if (best_pos != std::string_view::npos) {
    size_t nl = all.rfind('\n', best_pos);
    best_line_start = nl == std::string_view::npos ? 0 : nl + 1;
    best_line =
        start_line + static_cast<int>(std::count(all.begin(), all.begin() + best_line_start, '\n'));
  }
  // Else the first line with a word; remember the first non-blank line too.
  size_t fallback_start = std::string_view::npos;
  int fallback_line = start_line;
  int line = start_line;
  for (size_t pos = 0; pos < all.size() && best_pos == std::string_view::npos;) {
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
  size_t line_end;
  if (best_pos == std::string_view::npos) {
    best_line_start = fallback_start == std::string_view::npos ? 0 : fallback_start;
    line_end = all.find('\n', best_line_start);
    if (line_end == std::string_view::npos) line_end = all.size();
    std::string_view l = all.substr(best_line_start, line_end - best_line_start);
    best_pos = best_line_start + std::min(l.size(), l.find_first_not_of(" \t"));
    best_line = fallback_line;
  }
  line_end = all.find('\n', best_line_start);
  if (line_end == std::string_view::npos) line_end = all.size();
  std::string_view l = all.substr(best_line_start, line_end - best_line_start);
  out.column = static_cast<int>(best_pos - best_line_start) + 1;
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
    for (size_t p = ifind(shown, w); p != std::string_view::npos;
         p = ifind(shown, w, p + w.size())) {
      out.highlights.emplace_back(p, w.size());
    }
  }
  if (phrase_len > 0 && at >= from && at < from + shown.size()) {
    out.highlights.emplace_back(at - from, std::min(phrase_len, shown.size() - (at - from)));
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

Result<bool> root_is_tracked(store::Db& db, const std::string& root) {
  if (root == "/") {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * any,
                           db.cached("SELECT 1 FROM roots WHERE active = 1 LIMIT 1"));
    any->reset();
    CAIRN_ASSIGN_OR_RETURN(bool found, any->step());
    any->reset();
    return found;
  }
  // Roots never overlap (files.track refuses it), so at most one holds `root`.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("SELECT 1 FROM roots WHERE active = 1 AND (path = ?1 OR substr(?1, 1, length(path) "
                "+ 1) = path || '/' OR (path > ?1 || '/' AND path < ?1 || '0')) LIMIT 1"));
  s->reset();
  s->bind_all(root);
  CAIRN_ASSIGN_OR_RETURN(bool found, s->step());
  s->reset();
  return found;
}

Result<Json> search(store::Db& db, const SearchRequest& req) {
  ParsedQuery pq = parse_query(req.q);
  Json results = Json::array();
  if (pq.match.empty()) return Json{{"results", results}, {"total", 0}};
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * inactive,
                         db.cached("SELECT 1 FROM roots WHERE active = 0 LIMIT 1"));
  inactive->reset();
  CAIRN_ASSIGN_OR_RETURN(bool hide_untracked, inactive->step());
  inactive->reset();
  Filters filters = make_filters(req, 3, hide_untracked);
  bool need_join = !filters.sql.empty();
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
    Filters sub_filters =
        make_filters(req, static_cast<int>(pq.substrings.size()) + 1, hide_untracked);
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
      if (!holds_all(text, lowered)) continue;
      hits.push_back(Hit{id, 0.0, false});
      seen.insert(id);
    }
    // Titles are not in the trigram table: titled chunks (the first chunk of a
    // task or knowledge item; files have none) are few, so they are read here,
    // through chunks_by_doc for every kind but "file", each term in the title
    // or the text.
    std::string tsql =
        "SELECT c.id, c.title || char(10) || c.text FROM chunks c LEFT JOIN files f ON f.id = "
        "c.file_id WHERE (c.kind < 'file' OR c.kind > 'file') AND c.title <> '' AND c.title LIKE "
        "?1";
    Filters title_filters = make_filters(req, 2, hide_untracked);
    tsql += title_filters.sql;
    CAIRN_ASSIGN_OR_RETURN(store::Stmt t, db.prepare(tsql));
    t.bind(1, "%" + pq.substrings[0] + "%");
    bind_filters(t, 2, title_filters);
    while (static_cast<int>(hits.size()) < want) {
      CAIRN_ASSIGN_OR_RETURN(bool row, t.step());
      if (!row) break;
      int64_t id = t.int64(0);
      if (seen.count(id)) continue;
      std::string text = t.text(1);
      if (!holds_all(text, lowered)) continue;
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
    Snippet sn = make_snippet(row->text(6), static_cast<int>(row->int64(3)), lw,
                              hits[i].word ? pq.phrases : std::vector<std::vector<std::string>>{});
    Json hl = Json::array();
    for (const auto& [off, len] : sn.highlights) hl.push_back(Json::array({off, len}));
    Json r{{"kind", row->text(0)},   {"id", row->text(1)},
           {"snippet", sn.text},     {"highlights", hl},
           {"score", hits[i].score}, {"match", hits[i].word ? "word" : "substring"}};
    if (!row->is_null(2)) r["path"] = str_or_bin(row->text(2));  // bin when not UTF-8
    r["start_line"] = row->int64(3);
    r["end_line"] = row->int64(4);
    r["line"] = sn.line;
    r["column"] = sn.column;
    std::string title = row->text(5);
    if (!title.empty()) r["title"] = title;
    results.push_back(std::move(r));
  }
  Json out{{"results", results}};
  if (exhausted) out["total"] = hits.size();
  return out;
}

}  // namespace cairn::indexer
