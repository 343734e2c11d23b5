// IgnoreList: gitignore-style patterns and the matcher for them. Used for
// .gitignore files (one list per directory, relative to it) and for a root's
// --include/--exclude globs (relative to the root).
//
// Debian has no well-kept C++ gitignore library, so this is a small one: a
// pattern is split at "/" and each segment is matched against one path
// component with fnmatch(3)'s syntax ("*", "?", "[...]" with ranges, "!"/"^"
// and [:classes:], "\" escapes) under FNM_PATHNAME semantics ("*" and "?" never
// cross a "/"). fnmatch itself is not used: it backtracks over every "*" and is
// exponential in their number. Both levels (characters in a segment, segments
// over components with "**") are matched by the greedy wildcard walk, which
// retries only the latest star: time at most pattern length x path length, for
// any pattern a .gitignore or a client may hold. gitignore's rules on top:
//   - blank lines and lines starting with "#" are skipped; "\#" and "\!" escape;
//     trailing spaces are dropped unless escaped with "\";
//   - "!" negates: a later negated match re-includes;
//   - a trailing "/" matches directories only;
//   - a pattern with a "/" at its start or middle is anchored to the list's
//     directory (a leading "/" is removed); without one it matches a name at
//     any depth;
//   - "**/" at the start matches in every directory, "/**" at the end matches
//     everything inside (not the directory itself), "/**/" matches zero or more
//     directories.
// Within one list the last matching pattern wins.
//
// Immutable after construction: any thread may call match() concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::watchers {

enum class Match { kNone, kIgnore, kInclude };

// One glob segment ("*.log", "[a-c]?x") against one name, "*" and "?" matching
// any character (a "/" included: callers pass single components). Time at most
// pattern x name.
bool glob_segment_matches(std::string_view pattern, std::string_view name);

class IgnoreList {
 public:
  IgnoreList() = default;
  // One pattern per line (the text of a .gitignore).
  static IgnoreList parse(std::string_view text);
  // One pattern per element (globs from the command line).
  static IgnoreList from_patterns(const std::vector<std::string>& patterns);

  void add(std::string_view line);
  bool empty() const { return patterns_.empty(); }
  size_t size() const { return patterns_.size(); }

  // `rel_path` is relative to the list's directory, "/"-separated, without a
  // leading "/". kIgnore: the last matching pattern was a plain one; kInclude:
  // it was negated ("!"); kNone: nothing matched.
  Match match(std::string_view rel_path, bool is_dir) const;

 private:
  // How much of a path a pattern looks at: kTail ("**/x/y", no other "**")
  // only its last segments, kFixed (no "**") exactly as many components as it
  // has segments, kAny the whole path. The first two never split a path of
  // 10,000 components.
  enum class Shape { kTail, kFixed, kAny };
  struct Pattern {
    std::vector<std::string> segments;  // "**" is its own segment
    bool negate = false;
    bool dir_only = false;
    Shape shape = Shape::kAny;
  };
  std::vector<Pattern> patterns_;
  size_t max_tail_ = 0;  // the most components a kTail or kFixed pattern needs
  bool any_ = false;     // a kAny pattern exists
};

}  // namespace cairn::watchers
