// Search: answers search.query on a reader thread's read-only connection. Word
// hits come from chunks_fts ranked by bm25; when they do not fill the page, chunks
// that hold every term as a substring (chunks_tri, LIKE) follow them. Snippets
// are built here from the best matching line of each chunk, with byte ranges to
// highlight, so ranking never pays for FTS5's snippet() over every match.
// Stateless; any thread with its own connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/db.h"

namespace cairn::indexer {

struct SearchRequest {
  std::string q;
  std::vector<std::string> kinds;          // empty: every kind
  std::optional<std::string> root;         // files under this directory
  std::optional<std::string> path_glob;    // SQLite GLOB over the absolute path
  int limit = 20;
  int offset = 0;
};

// {results: [{kind, id, path?, title?, start_line, end_line, line, column,
//   snippet, highlights: [[byte_offset, byte_length], ...], score, match}],
//   total?}. `line` is the line of the match (for a quoted phrase, the line where
// the phrase starts), `column` the 1-based byte column of the match in that line
// (before the snippet trims it); highlights are offsets into the snippet.
Result<Json> search(store::Db& db, const SearchRequest& req);

// Whether `root` (absolute, no trailing '/') is, is inside or holds a tracked
// root: a search under any other path could only ever find nothing.
Result<bool> root_is_tracked(store::Db& db, const std::string& root);

// The snippet of `text` (a chunk starting at `start_line`) for `words`: the line
// where the first of `phrases` (lowercased words in order, separated by anything
// that is not a word character) starts, else the first line holding one of
// `words`; trimmed and cut to about `max_bytes` around the match.
struct Snippet {
  std::string text;
  int line = 0;
  int column = 1;  // 1-based byte column of the match in the untrimmed line
  std::vector<std::pair<size_t, size_t>> highlights;
};
Snippet make_snippet(const std::string& text, int start_line,
                     const std::vector<std::string>& words,
                     const std::vector<std::vector<std::string>>& phrases = {},
                     size_t max_bytes = 200);

}  // namespace cairn::indexer
