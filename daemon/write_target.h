// Where a method may write a file a client named (db.export, db.backup and its
// sidecar): never over the daemon's own files. Refused with INVALID_PARAMS that
// names the path:
//   - a path that is a symbolic link (the link is not followed onto anything);
//   - an existing path that is not a regular file;
//   - a path whose directory does not exist or is not a directory;
//   - the live database, its -wal, -shm and -journal, the data directory's
//     lock, the socket, the log and the config file, compared by (st_dev,
//     st_ino) after resolving, so a hard link or a symlinked directory onto
//     them is caught too;
//   - anything inside the data directory except below its backup directory
//     (the directory is compared by (st_dev, st_ino) at every level, so a bind
//     mount or a symlink to it is seen as what it is).
// The checks run before the write; the writes themselves create a fresh
// `.tmp` with O_EXCL|O_NOFOLLOW and rename it into place, which replaces a
// directory entry and never writes through a link.
// Stateless; any thread.
#pragma once

#include <string>

#include "base/status.h"
#include "daemon/config.h"

namespace cairn {

Status check_write_target(const Config& config, const std::string& path);

// True when `path` names the same file as one of the daemon's own (database,
// -wal, -shm, -journal, lock, socket, log, config). For reads that must not
// touch them (db.restore, db.import).
bool is_daemon_file(const Config& config, const std::string& path);

}  // namespace cairn
