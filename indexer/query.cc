#include "indexer/query.h"

#include <cstdint>

#include "indexer/chunker.h"

namespace cairn::indexer {

namespace {

// What FTS5's unicode61 tokenizer (with tokenchars '_') keeps: letters, digits,
// '_' and anything non-ASCII.
bool is_token_char(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

bool has_token_char(std::string_view s) {
  for (char ch : s) {
    if (is_token_char(ch)) return true;
  }
  return false;
}

bool is_space(char c) { return c == ' '; }

struct Term {
  std::string text;
  bool phrase = false;
  bool prefix = false;
  bool negated = false;
};

// Valid UTF-8, no control characters (NUL, tabs and newlines become spaces),
// at most kMaxQueryBytes.
std::string clean(std::string_view raw) {
  std::string s = to_valid_utf8(raw.substr(0, kMaxQueryBytes));
  // The cut above may have split a sequence: to_valid_utf8 replaced it.
  for (char& ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) ch = ' ';
  }
  return s;
}

std::vector<Term> split_terms(std::string_view s) {
  std::vector<Term> out;
  size_t i = 0;
  while (i < s.size() && out.size() < kMaxQueryTerms) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    Term t;
    if (s[i] == '-' && i + 1 < s.size() && !is_space(s[i + 1])) {
      t.negated = true;
      ++i;
    }
    if (s[i] == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string_view::npos) end = s.size();
      t.text = std::string(s.substr(i + 1, end - i - 1));
      t.phrase = true;
      i = end + 1;
      if (i < s.size() && s[i] == '*') {
        t.prefix = true;
        ++i;
      }
    } else {
      size_t end = i;
      while (end < s.size() && !is_space(s[end])) ++end;
      t.text = std::string(s.substr(i, end - i));
      i = end;
      if (!t.text.empty() && t.text.back() == '*') {
        while (!t.text.empty() && t.text.back() == '*') t.text.pop_back();
        t.prefix = true;
      }
    }
    if (has_token_char(t.text)) out.push_back(std::move(t));
  }
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The runs of token characters in `s`, lowercased.
void add_words(std::string_view s, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !is_token_char(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    if (i > start) out.push_back(lower_ascii(s.substr(start, i - start)));
  }
}

}  // namespace

std::string fts5_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

ParsedQuery parse_query(std::string_view text) {
  ParsedQuery q;
  std::string cleaned = clean(text);
  std::vector<Term> terms = split_terms(cleaned);
  std::string positive, negative;
  bool substrings_ok = true;
  for (const auto& t : terms) {
    std::string expr = fts5_quote(t.text);
    if (t.prefix) expr += '*';
    if (t.negated) {
      negative += " NOT " + expr;
      continue;
    }
    if (!positive.empty()) positive += " AND ";
    positive += expr;
    add_words(t.text, q.highlight);
    if (t.phrase) {
      std::vector<std::string> words;
      add_words(t.text, words);
      if (words.size() > 1) q.phrases.push_back(std::move(words));
    }
    if (t.text.size() >= 3) {
      q.substrings.push_back(t.text);
    } else {
      substrings_ok = false;
    }
  }
  if (!substrings_ok) q.substrings.clear();
  // A query of only exclusions would list everything else: search for nothing.
  if (positive.empty()) {
    q.substrings.clear();
    return q;
  }
  q.match = negative.empty() ? positive : "(" + positive + ")" + negative;
  return q;
}

}  // namespace cairn::indexer
