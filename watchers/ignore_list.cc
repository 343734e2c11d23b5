#include "watchers/ignore_list.h"

#include <fnmatch.h>

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

bool segment_matches(const std::string& pattern, std::string_view name) {
  std::string n(name);
  // Per component, so "*" cannot cross a "/" (FNM_PATHNAME). FNM_PERIOD is off:
  // in gitignore "*" matches dotfiles too.
  return ::fnmatch(pattern.c_str(), n.c_str(), 0) == 0;
}

// Matches pattern segments [pi..] against path components [ci..]. A "**"
// segment swallows zero or more components; one that ends the pattern swallows
// at least one (gitignore: "foo/**" matches what is inside foo, not foo).
bool match_from(const std::vector<std::string>& pat, size_t pi,
                const std::vector<std::string_view>& comp, size_t ci) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      if (pi + 1 == pat.size()) return ci < comp.size();
      for (size_t k = ci; k <= comp.size(); ++k) {
        if (match_from(pat, pi + 1, comp, k)) return true;
      }
      return false;
    }
    if (ci >= comp.size() || !segment_matches(pat[pi], comp[ci])) return false;
    ++pi;
    ++ci;
  }
  return ci == comp.size();
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
  patterns_.push_back(std::move(p));
}

Match IgnoreList::match(std::string_view rel_path, bool is_dir) const {
  auto comp = split_path(rel_path);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    if (match_from(it->segments, 0, comp, 0)) return it->negate ? Match::kInclude : Match::kIgnore;
  }
  return Match::kNone;
}

}  // namespace cairn::watchers
