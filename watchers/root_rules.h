// RootRules: which paths of one tracked root are tracked. Combines, in order:
//   1. ".git" (a directory or a worktree's file) is never tracked, at any depth;
//   2. the root's --exclude globs (gitignore syntax, relative to the root; a
//      "!" pattern re-includes);
//   3. .gitignore files, when enabled: each directory's file applies to what is
//      below it, a deeper file overrides a shallower one, and .git/info/exclude
//      of the root applies last. They are honoured whether or not the root is a
//      git repository (ripgrep's --no-require-git), which is what a user who
//      wrote one expects;
//   4. the --include globs: when any is given, only files matching one are
//      tracked (directories are still walked).
// A path under an ignored directory is ignored: git never looks inside one,
// and neither does the crawler, which saves inotify watches.
//
// Owned by the watcher's worker thread, which is the only thread that calls it
// (it caches .gitignore files as it reads them).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "watchers/ignore_list.h"

namespace cairn::watchers {

// The .gitignore lists in force inside one directory of a walk: its own and
// its ancestors', only those that hold patterns, deepest first. Built once per
// directory from its parent's (RootRules::enter), so deciding on an entry costs
// the lists that exist, not one lookup per ancestor: a 10,000-level chain with
// no .gitignore below the root costs one list per entry, not 10,000.
struct GitignoreFrame {
  std::shared_ptr<const GitignoreFrame> up;
  size_t dir_len = 0;  // length of the list's directory, relative to the root
  // Shared with the RootRules' cache: a .gitignore forgotten (changed) while a
  // walk that began before is paused keeps its list until that walk ends.
  std::shared_ptr<const IgnoreList> list;
};
using GitignoreChain = std::shared_ptr<const GitignoreFrame>;

class RootRules {
 public:
  RootRules(std::string root, const std::vector<std::string>& include,
            const std::vector<std::string>& exclude, bool gitignore);

  // One entry whose parent directories were already found not ignored. `rel`
  // is relative to the root, without a leading "/". (The crawler uses
  // ignored_in with the chain of the directory it lists.)
  bool ignored(std::string_view rel, bool is_dir);
  // The same for an entry of a walked directory, with the chain enter() gave
  // that directory: what the crawler calls, at a cost independent of depth.
  bool ignored_in(const GitignoreChain& chain, std::string_view rel, bool is_dir);
  // The chain inside `rel_dir` (open as `dirfd`), whose parent's chain is
  // `parent` (null for the root): its .gitignore is read through `dirfd`, so
  // no path is resolved again from the root (and one deeper than PATH_MAX is
  // read too).
  GitignoreChain enter(const GitignoreChain& parent, const std::string& rel_dir, int dirfd);
  // The chain of the directory holding `rel` (its ancestors' .gitignore files),
  // built down from the root one openat at a time. With `check`, stops at the
  // first ancestor directory that is ignored and sets `above_ignored`.
  GitignoreChain chain_above(std::string_view rel, bool check, bool& above_ignored);
  // Any path: checks each ancestor directory first (the watcher's case).
  bool ignored_path(std::string_view rel, bool is_dir);
  // Drops the cached .gitignore of `rel_dir` ("" for the root): it changed.
  void forget_gitignore(const std::string& rel_dir);
  bool uses_gitignore() const { return gitignore_; }

 private:
  // Decides by the rules above the .gitignore files, then asks `gitignore` (the
  // .gitignore verdict, kNone when none has an opinion) if it is needed.
  template <typename Gitignore>
  bool decide(std::string_view rel, bool is_dir, Gitignore gitignore);

  std::string root_;
  IgnoreList include_;
  IgnoreList exclude_;
  bool gitignore_;
  IgnoreList info_exclude_;
  // rel dir -> its .gitignore, for directories whose file holds patterns.
  std::map<std::string, std::shared_ptr<const IgnoreList>> cache_;
};

// Reads a small regular file without following a symlink or blocking on a FIFO;
// empty when it is absent, not a regular file, or larger than `max_bytes`.
std::string read_small_file(const std::string& path, size_t max_bytes = 1 << 20);
// The same for `name` inside the open directory `dirfd`.
std::string read_small_file_at(int dirfd, const char* name, size_t max_bytes = 1 << 20);

}  // namespace cairn::watchers
