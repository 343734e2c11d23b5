// Pseudo filesystems: proc, sysfs, cgroup, debugfs, tracefs, securityfs,
// pstore, bpf, configfs, fusectl, ... Their files report sizes that are not
// what a read returns (st_size 0 for /proc/<pid>/pagemap, which reads for
// hundreds of GiB), can block or change on every read, and mean nothing to a
// user's file list, so they are never tracked: files.track refuses a path on
// one, and a walk does not enter one mounted inside a root. Told by statfs(2)
// f_type, so a bind mount of /proc elsewhere is recognised too.
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>

namespace cairn::watchers {

// The filesystem's name ("proc", "sysfs", ...) when `f_type` is a pseudo one.
std::optional<std::string> pseudo_fs_name(long f_type);
// The same for the filesystem holding the open `fd` (nothing if fstatfs fails).
std::optional<std::string> pseudo_filesystem(int fd);
// The same for `path` (statfs follows a final symlink, as open would).
std::optional<std::string> pseudo_filesystem_at(const std::string& path);

}  // namespace cairn::watchers
