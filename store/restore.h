// Restore: replaces the live database file with a backup so that a kill -9 at
// any moment leaves either the old database or the new one, never a mix.
//
//   1. prepare_restore (any thread but the writer's, the daemon keeps serving):
//      verify the backup (integrity_check, schema not newer than the binary),
//      copy it with the backup API to `<db>.restore.tmp`, migrate the copy up
//      if it is older, give it a new db_id (clients' cursors belong to the
//      history they followed, not to this one), fsync it. cairn.db is not touched.
//   2. swap_database (on the writer thread through Writer::submit_reopen, with
//      the reader pool paused so no other connection is open): checkpoint
//      (TRUNCATE) and close the writer's connection so the old database is all
//      in cairn.db; remove the empty -wal and -shm, so that no WAL of the old
//      file can ever be applied to the new one; hard-link cairn.db to
//      `cairn.db.before-restore-<time>` (the old database kept aside); rename the
//      copy over cairn.db; fsync the directory; open the new file.
//   3. remove_old_restore_copies: only the newest few kept-aside databases stay.
// A source that is not a regular file, not SQLite, another application's
// database, corrupt or of a newer schema is refused (INVALID_PARAMS "not a
// cairn backup: ..."); the caller refuses the daemon's own files first.
// Until the rename, cairn.db is the old database whole; after it, the new one
// with no WAL beside it. A leftover .restore.tmp after a crash is inert and is
// removed by the next restore.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/backup.h"
#include "store/db.h"

namespace cairn::store {

struct PreparedRestore {
  std::string source;
  std::string tmp_path;
  int source_version = 0;  // the backup's schema version
  int schema_version = 0;  // after migrating the copy
};

Result<PreparedRestore> prepare_restore(const std::string& source, const std::string& db_path,
                                        const BackupOptions& copy_options = {});

struct SwapOutcome {
  std::unique_ptr<Db> db;  // always an open connection: the new one, or the old on failure
  Status status;
  std::string kept_aside;  // where the old database now is
  std::string db_id;       // of the database `db` is connected to
};

// Removes the oldest `<db>.before-restore-*` files beyond the newest `keep`
// (at least 1), `newest` (the copy just made) always kept; returns the paths
// removed. Any thread but the writer's.
std::vector<std::string> remove_old_restore_copies(const std::string& db_path, int keep,
                                                   const std::string& newest);

// Writer thread, readers paused. `now_ms` names the kept-aside file.
SwapOutcome swap_database(std::unique_ptr<Db> current, const PreparedRestore& prepared,
                          int64_t now_ms);

}  // namespace cairn::store
