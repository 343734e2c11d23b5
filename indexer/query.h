// Query parser: turns what a person types into a safe FTS5 MATCH expression.
// Pure functions, any thread.
//
// User text never reaches MATCH as syntax (FACTS.md, Full-text search): every term
// is quoted with any '"' doubled, and the only operators are the ones this
// grammar gives:
//   word          must appear (terms are ANDed)
//   "a phrase"    words in this order (an unterminated quote runs to the end)
//   prefix*       a word starting with prefix
//   -word         must not appear (only beside at least one positive term)
// Identifiers keep '_' (one token) and '.' (a quoted term "foo.bar" is a phrase,
// so it matches as written). A term with nothing searchable in it (":", "^",
// "(") is dropped. Invalid UTF-8 and control characters (NUL included) become
// spaces first. Any input gives a valid expression or an empty one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::indexer {

inline constexpr size_t kMaxQueryBytes = 1024;
inline constexpr size_t kMaxQueryTerms = 32;

struct ParsedQuery {
  std::string match;  // FTS5 expression; empty: nothing to search for
  // Positive terms as typed (no quotes or '*'), for the substring search over the
  // trigram table; empty when a term is too short for trigrams (under 3 bytes),
  // as such a LIKE would scan every chunk.
  std::vector<std::string> substrings;
  // Lowercased words to highlight in snippets.
  std::vector<std::string> highlight;
  // The lowercased words of each quoted phrase of two or more words, so a
  // snippet can show the line holding the phrase rather than one of its words.
  std::vector<std::vector<std::string>> phrases;
};

ParsedQuery parse_query(std::string_view text);

// `s` as one FTS5 string: wrapped in '"', inner '"' doubled.
std::string fts5_quote(std::string_view s);

}  // namespace cairn::indexer
