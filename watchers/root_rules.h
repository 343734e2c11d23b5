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
#include <string>
#include <string_view>
#include <vector>

#include "watchers/ignore_list.h"

namespace cairn::watchers {

class RootRules {
 public:
  RootRules(std::string root, const std::vector<std::string>& include,
            const std::vector<std::string>& exclude, bool gitignore);

  // One entry whose parent directories were already found not ignored (the
  // crawler's case). `rel` is relative to the root, without a leading "/".
  bool ignored(std::string_view rel, bool is_dir);
  // Any path: checks each ancestor directory first (the watcher's case).
  bool ignored_path(std::string_view rel, bool is_dir);
  // Drops the cached .gitignore of `rel_dir` ("" for the root): it changed.
  void forget_gitignore(const std::string& rel_dir);
  bool uses_gitignore() const { return gitignore_; }

 private:
  const IgnoreList& gitignore_of(const std::string& rel_dir);

  std::string root_;
  IgnoreList include_;
  IgnoreList exclude_;
  bool gitignore_;
  IgnoreList info_exclude_;
  std::map<std::string, IgnoreList> cache_;  // rel dir -> its .gitignore
};

// Reads a small regular file without following a symlink or blocking on a FIFO;
// empty when it is absent, not a regular file, or larger than `max_bytes`.
std::string read_small_file(const std::string& path, size_t max_bytes = 1 << 20);

}  // namespace cairn::watchers
