#include "watchers/ignore_list.h"

#include <algorithm>
#include <cctype>

namespace cairn::watchers {

namespace {

std::vector<std::string_view> split_path(std::string_view p) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) slash = p.size();
    if (slash > start) out.push_back(p.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// One bracket expression "[...]" starting at p[i] against `c`: sets `next` to
// the index after its "]" and returns whether `c` is in it. A "[" without a
// closing "]" is not a bracket (returns false with next = npos).
bool bracket(std::string_view p, size_t i, unsigned char c, size_t& next) {
  size_t j = i + 1;
  bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
  if (negate) ++j;
  bool in = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
      size_t close = p.find(":]", j + 2);
      if (close != std::string_view::npos) {
        std::string_view cls = p.substr(j + 2, close - j - 2);
        static const struct {
          const char* name;
          int (*fn)(int);
        } kClasses[] = {{"alpha", ::isalpha}, {"digit", ::isdigit},   {"alnum", ::isalnum},
                        {"upper", ::isupper}, {"lower", ::islower},   {"space", ::isspace},
                        {"punct", ::ispunct}, {"xdigit", ::isxdigit}, {"print", ::isprint},
                        {"graph", ::isgraph}, {"cntrl", ::iscntrl},   {"blank", ::isblank}};
        for (const auto& k : kClasses) {
          if (cls == k.name && k.fn(c)) in = true;
        }
        j = close + 2;
        continue;
      }
    }
    unsigned char lo = static_cast<unsigned char>(p[j]);
    if (lo == '\\' && j + 1 < p.size()) lo = static_cast<unsigned char>(p[++j]);
    ++j;
    unsigned char hi = lo;
    if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
      hi = static_cast<unsigned char>(p[j + 1]);
      if (hi == '\\' && j + 2 < p.size()) hi = static_cast<unsigned char>(p[++j + 1]);
      j += 2;
    }
    if (c >= lo && c <= hi) in = true;
  }
  if (j >= p.size()) {
    next = std::string_view::npos;
    return false;
  }
  next = j + 1;
  return in != negate;
}

// Whether the single-character token at p[i] ("?", "[...]", "\x" or a plain
// character) matches `c`; `next` is the index after the token.
bool one(std::string_view p, size_t i, unsigned char c, size_t& next) {
  switch (p[i]) {
    case '?':
      next = i + 1;
      return true;
    case '[': {
      bool in = bracket(p, i, c, next);
      if (next != std::string_view::npos) return in;
      next = i + 1;  // no closing "]": a plain "["
      return c == '[';
    }
    case '\\':
      if (i + 1 < p.size()) {
        next = i + 2;
        return c == static_cast<unsigned char>(p[i + 1]);
      }
      [[fallthrough]];
    default:
      next = i + 1;
      return c == static_cast<unsigned char>(p[i]);
  }
}

}  // namespace

// The classic wildcard walk: on a mismatch, only the most recent "*" is
// retried one character further. Every token but "*" matches exactly one
// character, so that is enough, and the time is at most pattern x name (no
// backtracking over earlier stars, which made fnmatch(3) exponential in the
// number of "*").
bool glob_segment_matches(std::string_view pat, std::string_view name) {
  constexpr size_t kNone = std::string_view::npos;
  size_t pi = 0, ni = 0, star_p = kNone, star_n = 0;
  while (ni < name.size()) {
    if (pi < pat.size() && pat[pi] == '*') {
      while (pi < pat.size() && pat[pi] == '*') ++pi;
      star_p = pi;
      star_n = ni;
      continue;
    }
    size_t next = 0;
    if (pi < pat.size() && one(pat, pi, static_cast<unsigned char>(name[ni]), next)) {
      pi = next;
      ++ni;
      continue;
    }
    if (star_p == kNone) return false;
    pi = star_p;
    ni = ++star_n;
  }
  while (pi < pat.size() && pat[pi] == '*') ++pi;
  return pi == pat.size();
}

namespace {

// The same walk one level up: pattern segments against path components, "**"
// being the star (zero or more components) and every other segment matching
// exactly one component. At most segments x components segment matches, where
// the recursive search it replaces was exponential in the number of "**"
// (`**/a/**/a/**/a/**/a/**/b` over a 60-deep a/a/... chain never finished).
bool match_segments(const std::vector<std::string>& pat,
                    const std::vector<std::string_view>& comp) {
  constexpr size_t kNone = std::string::npos;
  size_t pi = 0, ci = 0, star_p = kNone, star_c = 0;
  while (ci < comp.size()) {
    if (pi < pat.size() && pat[pi] == "**") {
      ++pi;
      star_p = pi;
      star_c = ci;
      continue;
    }
    if (pi < pat.size() && glob_segment_matches(pat[pi], comp[ci])) {
      ++pi;
      ++ci;
      continue;
    }
    if (star_p == kNone) return false;
    pi = star_p;
    ci = ++star_c;
  }
  while (pi < pat.size() && pat[pi] == "**") ++pi;
  return pi == pat.size();
}

}  // namespace

IgnoreList IgnoreList::parse(std::string_view text) {
  IgnoreList list;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    list.add(text.substr(start, nl - start));
    start = nl + 1;
  }
  return list;
}

IgnoreList IgnoreList::from_patterns(const std::vector<std::string>& patterns) {
  IgnoreList list;
  for (const auto& p : patterns) list.add(p);
  return list;
}

void IgnoreList::add(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Trailing spaces are dropped unless the last one is escaped.
  while (!line.empty() && line.back() == ' ') {
    if (line.size() >= 2 && line[line.size() - 2] == '\\') break;
    line.remove_suffix(1);
  }
  if (line.empty() || line.front() == '#') return;
  Pattern p;
  if (line.front() == '!') {
    p.negate = true;
    line.remove_prefix(1);
  } else if (line.size() >= 2 && line[0] == '\\' && (line[1] == '!' || line[1] == '#')) {
    line.remove_prefix(1);  // fnmatch would treat "\!" as "!" anyway; keep it plain
  }
  if (!line.empty() && line.back() == '/') {
    p.dir_only = true;
    while (!line.empty() && line.back() == '/') line.remove_suffix(1);
  }
  if (line.empty()) return;
  // A "/" anywhere but the end anchors the pattern; otherwise it matches a name
  // at any depth, which is the same as a leading "**/".
  bool anchored = line.find('/') != std::string_view::npos;
  while (!line.empty() && line.front() == '/') line.remove_prefix(1);
  if (line.empty()) return;
  if (!anchored) p.segments.push_back("**");
  for (auto seg : split_path(line)) {
    // Two consecutive "**" mean the same as one.
    if (seg == "**" && !p.segments.empty() && p.segments.back() == "**") continue;
    p.segments.emplace_back(seg);
  }
  // A "**" that ends the pattern matches at least one component ("foo/**" is
  // what is inside foo, not foo): one "*" segment, then zero or more.
  if (p.segments.back() == "**") p.segments.insert(p.segments.end() - 1, "*");
  size_t stars = std::count(p.segments.begin(), p.segments.end(), "**");
  if (stars == 0) {
    p.shape = Shape::kFixed;
    max_tail_ = std::max(max_tail_, p.segments.size());
  } else if (stars == 1 && p.segments.front() == "**") {
    p.shape = Shape::kTail;
    max_tail_ = std::max(max_tail_, p.segments.size() - 1);
  } else {
    any_ = true;
  }
  patterns_.push_back(std::move(p));
}

Match IgnoreList::match(std::string_view rel_path, bool is_dir) const {
  if (patterns_.empty()) return Match::kNone;
  // The last max_tail_ components (reversed), how many there are in all, and
  // the whole split only if a pattern needs it.
  std::vector<std::string_view> tail;
  size_t end = rel_path.size();
  while (tail.size() <= max_tail_ && end > 0) {
    size_t slash = rel_path.rfind('/', end - 1);
    size_t start = slash == std::string_view::npos ? 0 : slash + 1;
    if (end > start) tail.push_back(rel_path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    end = slash;
  }
  const bool whole = tail.size() <= max_tail_;  // `tail` holds every component
  std::vector<std::string_view> comp;
  if (any_) comp = split_path(rel_path);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    const auto& seg = it->segments;
    bool hit = false;
    if (it->shape == Shape::kAny) {
      hit = match_segments(seg, comp);
    } else {
      const size_t first = it->shape == Shape::kTail ? 1 : 0;
      const size_t k = seg.size() - first;
      // kFixed: exactly k components; kTail: at least k, the last k matching.
      if (it->shape == Shape::kFixed ? whole && tail.size() == k : tail.size() >= k) {
        hit = true;
        for (size_t i = 0; i < k && hit; ++i) {
          hit = glob_segment_matches(seg[first + i], tail[k - 1 - i]);
        }
      }
    }
    if (hit) return it->negate ? Match::kInclude : Match::kIgnore;
  }
  return Match::kNone;
}

}  // namespace cairn::watchers
