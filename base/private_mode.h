// tighten_mode: takes group and other permissions away from a file cairn owns
// that an older version (or another umask) left readable by others. By path
// (chmod), never through a descriptor, so it is safe on a SQLite database file
// (FACTS.md: a close() on one drops SQLite's locks). Any thread.
#pragma once

#include <string>

namespace cairn {

// Clears the group and other bits of `path` (0644 becomes 0600) when it is a
// regular file that grants anything to group or others; returns true when it changed the mode.
bool tighten_mode(const std::string& path);

}  // namespace cairn
