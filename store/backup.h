// Online backup: a consistent copy of a live cairn database, made with SQLite's
// backup API (never a file copy: rows still in -wal would be missing, see
// FACTS.md) from a read-only connection opened for the purpose. That
// connection holds one read transaction for the whole copy, so the copy is the
// snapshot taken when it began and the backup never restarts, while the writer
// keeps committing beside it (WAL). The copy goes to `<path>.tmp`, is fsynced,
// renamed over `<path>`, and the directory fsynced; a sidecar `<path>.json`
// records the schema version and the file's SHA-256.
//
// Also the file helpers that restore shares. Any thread except the writer's
// (backup_database blocks for as long as the copy takes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace cairn::store {

struct BackupOptions {
  int pages_per_step = 256;
  // Called after each step with pages copied and the total; returning false
  // cancels the backup (the .tmp file is removed).
  std::function<bool(int64_t done, int64_t total)> progress;
  // Checks integrity_check of the copy before it is renamed into place.
  bool verify = false;
};

struct BackupInfo {
  std::string path;
  int64_t bytes = 0;
  int schema_version = 0;
  std::string sha256;
  std::string db_id;
  int64_t created_at_ms = 0;
  int64_t pages = 0;

  Json to_json() const;
};

// Copies the database at `src_path` to `dest_path` (replaced atomically, mode
// 0600) and writes the sidecar. The destination directory must exist; the
// caller checks that `dest_path` is a place it may write (daemon/write_target.h).
Result<BackupInfo> backup_database(const std::string& src_path, const std::string& dest_path,
                                   const BackupOptions& options = {});

// Copies of the database running now (backup_database, copy_database): each
// holds one read snapshot for its whole length, so no checkpoint can start the
// -wal over meanwhile. Any thread.
int snapshot_copies_running();

// Copies with the backup API only: no sidecar, no rename (restore's first step).
Status copy_database(const std::string& src_path, const std::string& dest_path,
                     const BackupOptions& options = {});

// The default name of a backup made at `at_ms`: <dir>/cairn-YYYYmmddTHHMMSS.mmmZ.db.
std::string default_backup_path(const std::string& dir, int64_t at_ms);
bool is_default_backup_name(const std::string& file_name);
// Removes the oldest default-named backups (and their sidecars) in `dir` beyond
// the newest `keep`; returns the paths removed. Other files are never touched.
std::vector<std::string> rotate_backups(const std::string& dir, int keep);

// Refuses a file that is not a healthy cairn database of a schema this binary
// knows: check_database_file, then a full integrity_check, then the version.
// Returns the file's schema version.
Result<int> verify_database_file(const std::string& path);

Result<std::string> sha256_file(const std::string& path);
Status fsync_file(const std::string& path);
Status fsync_dir(const std::string& dir);
// Writes `text` to `path` through a fresh `path.tmp` (O_EXCL|O_NOFOLLOW, 0600),
// fsync and rename: the rename replaces the entry at `path`, never a link's target.
Status write_file_atomic(const std::string& path, const std::string& text);
std::string dir_of(const std::string& path);

}  // namespace cairn::store
