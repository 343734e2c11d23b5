// Opening what lies below a tracked root without leaving it. Every component
// below the root is resolved with no symlink followed (one openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or openat with O_NOFOLLOW one name at
// a time where openat2 is missing or the path is too long), so a directory
// swapped for a symlink while the tree is walked or hashed is refused (ELOOP
// or ENOTDIR) instead of being followed out of the root, and no path longer
// than PATH_MAX is ever handed to the kernel: a tree deeper than that is read
// like any other. The root itself is opened as its path names it.
//
// Used by the watcher (walks, hashes) and the indexer (reading a file's text).
// Pure functions; any thread. On failure they return an invalid Fd or -1
// with errno set.
#pragma once

#include <sys/stat.h>

#include <string>

#include "base/fd.h"

namespace cairn {

// The directory `dir` (the root itself, or a path below it). For a root that
// is a regular file (a single tracked file), `dir` may be its parent, the
// directory it is read from.
Fd open_dir_below(const std::string& root, const std::string& dir);

// lstat(2) of `path` (below `root`) through its parent opened as above.
int lstat_below(const std::string& root, const std::string& path, struct stat* st);

}  // namespace cairn
