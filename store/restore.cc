#include "store/restore.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "base/regular_file.h"

#include "store/check.h"
#include "store/migration.h"

namespace cairn::store {

namespace {

bool exists(const std::string& p, off_t* size = nullptr) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return false;
  if (size) *size = st.st_size;
  return true;
}

Result<std::string> read_db_id(Db& db) {
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db.prepare("SELECT value FROM meta WHERE key = 'db_id'"));
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return internal_error(db.path() + " has no database id in its meta table");
  return s.text(0);
}

constexpr const char* kAsideInfix = ".before-restore-";

std::string aside_name(const std::string& db_path, int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(now_ms % 1000));
  // A later copy sorts after an earlier one (remove_old_restore_copies): in the
  // same millisecond it takes a suffix above every one taken, never a freed one.
  std::string base = db_path + kAsideInfix + buf + ms;
  int last = exists(base) ? 0 : -1;
  for (int i = 1; i <= last + 1 + 16; ++i) {
    if (exists(base + "-" + std::to_string(i))) last = i;
  }
  return last < 0 ? base : base + "-" + std::to_string(last + 1);
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Status not_a_backup(const std::string& why) {
  return invalid_params("not a cairn backup: " + why);
}

// The source must be a regular file (opened without blocking: a FIFO or a
// device named as a backup never hangs the restore) holding a SQLite database
// that is cairn's (application_id) and sound. Every refusal is the caller's
// mistake: INVALID_PARAMS "not a cairn backup: ...", or NOT_FOUND.
Result<int> check_source(const std::string& source) {
  {
    CAIRN_ASSIGN_OR_RETURN(Fd fd, open_regular_file(source, "backup"));
    unsigned char header[100] = {};
    ssize_t n = ::pread(fd.get(), header, sizeof header, 0);
    if (n < 0) return not_a_backup("cannot read " + source + ": " + std::strerror(errno));
    if (n == 0) return not_a_backup(source + " is empty");
    if (n < static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, "SQLite format 3", 16) != 0) {
      return not_a_backup(source + " is not a SQLite database");
    }
    uint32_t app = be32(header + 68);
    if (app != 0 && app != static_cast<uint32_t>(kApplicationId)) {
      return not_a_backup(source + " is another application's SQLite database (application_id " +
                          std::to_string(app) + ")");
    }
  }  // not the live database (the caller checked), so this close drops no lock
  auto version = verify_database_file(source);
  if (!version && version.status().code() != Code::kNotFound) {
    std::string why = version.status().message();
    if (why.rfind(source, 0) != 0) why = source + ": " + why;
    return not_a_backup(why);
  }
  return version;
}

}  // namespace

std::vector<std::string> remove_old_restore_copies(const std::string& db_path, int keep,
                                                   const std::string& newest) {
  std::string dir = dir_of(db_path);
  std::string prefix = db_path.substr(db_path.rfind('/') + 1) + kAsideInfix;
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(prefix, 0) == 0 && n.find('/') == std::string::npos) names.push_back(n);
    }
    ::closedir(d);
  }
  // <time> is YYYYmmddTHHMMSS.mmmZ with an optional -N within one millisecond:
  // the name order is the age order once the suffix is read as a number. The
  // copy just made is the newest whatever its name says (a clock set back).
  auto key = [&](const std::string& n) {
    std::string rest = n.substr(prefix.size());
    auto dash = rest.find('-');
    long seq = dash == std::string::npos ? 0 : std::atol(rest.c_str() + dash + 1);
    return std::make_pair(rest.substr(0, dash), seq);
  };
  std::string newest_name = newest.substr(newest.rfind('/') + 1);
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    if (a == newest_name || b == newest_name) return b == newest_name && a != newest_name;
    return key(a) < key(b);
  });
  std::vector<std::string> removed;
  if (keep < 1) keep = 1;
  while (names.size() > static_cast<size_t>(keep)) {
    std::string p = dir + "/" + names.front();
    names.erase(names.begin());
    if (::unlink(p.c_str()) == 0) removed.push_back(p);
  }
  if (!removed.empty()) (void)fsync_dir(dir);
  return removed;
}

Result<PreparedRestore> prepare_restore(const std::string& source, const std::string& db_path,
                                        const BackupOptions& copy_options) {
  PreparedRestore p;
  p.source = source;
  p.tmp_path = db_path + ".restore.tmp";
  CAIRN_ASSIGN_OR_RETURN(p.source_version, check_source(source));
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    ::unlink((p.tmp_path + suffix).c_str());
  }
  CAIRN_RETURN_IF_ERROR(copy_database(source, p.tmp_path, copy_options));
  {
    auto db = Db::open(p.tmp_path, OpenMode::kReadWrite);
    Status st = db.status();
    if (st.is_ok()) st = migrate_to(**db, latest_version());
    if (st.is_ok()) st = (*db)->exec("PRAGMA application_id=" + std::to_string(kApplicationId));
    // A restored database continues another history than the one clients
    // followed: a new id makes changes.since tell them to resync.
    if (st.is_ok()) {
      // (A file whose meta lacks the id gets one: the swap reads it back.)
      st = (*db)->exec(
          "INSERT OR REPLACE INTO meta(key, value) VALUES('db_id', lower(hex(randomblob(16))))");
    }
    if (st.is_ok()) st = (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!st.is_ok()) {
      ::unlink(p.tmp_path.c_str());
      // The file passed every check yet its schema does not migrate: a file
      // made to look like a backup, the caller's mistake. Disk and I/O errors
      // keep their code.
      if (st.code() == Code::kInternal || st.code() == Code::kConflict) {
        return not_a_backup(source + ": " + st.message());
      }
      return Status(st.code(), "cannot prepare " + source + " for restore: " + st.message());
    }
  }  // the last connection closes: SQLite checkpoints and removes the copy's -wal
  off_t wal = 0;
  if (exists(p.tmp_path + "-wal", &wal) && wal > 0) {
    return internal_error(p.tmp_path + "-wal was left behind; not restoring");
  }
  ::unlink((p.tmp_path + "-wal").c_str());
  ::unlink((p.tmp_path + "-shm").c_str());
  CAIRN_RETURN_IF_ERROR(fsync_file(p.tmp_path));
  p.schema_version = latest_version();
  return p;
}

SwapOutcome swap_database(std::unique_ptr<Db> current, const PreparedRestore& prepared,
                          int64_t now_ms) {
  SwapOutcome out;
  const std::string db_path = current->path();
  auto keep_old = [&](Status why) {
    out.status = std::move(why);
    if (!current) {
      auto reopened = Db::open(db_path, OpenMode::kReadWrite);
      // Failing to reopen the file we just closed leaves nothing to write with;
      // the writer would crash on a null connection, so this is fatal.
      if (!reopened) std::abort();
      current = std::move(*reopened);
    }
    out.db = std::move(current);
    if (auto id = read_db_id(*out.db)) out.db_id = *id;
    return std::move(out);
  };
  // Everything committed moves into cairn.db and the WAL is emptied.
  current->reset_statements();
  {
    auto ck = current->prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!ck) return keep_old(ck.status());
    auto row = ck->step();
    if (!row) return keep_old(row.status());
    if (*row && ck->int64(0) != 0) {
      return keep_old(Status(Code::kConflict,
                             "another process has the database open; the WAL cannot be emptied"));
    }
  }
  current.reset();  // the last connection: SQLite removes -wal and -shm
  off_t wal = 0;
  if (exists(db_path + "-wal", &wal) && wal > 0) {
    return keep_old(Status(Code::kConflict, db_path + "-wal is still in use; not restoring"));
  }
  // An empty WAL left by another reader would be harmless for the old file but
  // must not sit beside the new one.
  ::unlink((db_path + "-wal").c_str());
  ::unlink((db_path + "-shm").c_str());
  std::string aside = aside_name(db_path, now_ms);
  if (::link(db_path.c_str(), aside.c_str()) != 0) {
    return keep_old(Status(Code::kIoError, "cannot keep the current database aside as " + aside +
                                               ": " + std::strerror(errno)));
  }
  if (::rename(prepared.tmp_path.c_str(), db_path.c_str()) != 0) {
    int e = errno;
    ::unlink(aside.c_str());
    return keep_old(Status(Code::kIoError, "cannot rename " + prepared.tmp_path + ": " +
                                               std::strerror(e)));
  }
  Status synced = fsync_dir(dir_of(db_path));
  auto opened = Db::open(db_path, OpenMode::kReadWrite);
  if (!opened) {
    // Put the old database back (rename is atomic) and go on with it.
    ::rename(aside.c_str(), db_path.c_str());
    return keep_old(Status(opened.status().code(),
                           "the restored database did not open: " + opened.status().message()));
  }
  out.db = std::move(*opened);
  out.kept_aside = aside;
  out.status = synced;
  if (auto id = read_db_id(*out.db)) {
    out.db_id = *id;
  } else if (out.status.is_ok()) {
    out.status = id.status();
  }
  return out;
}

}  // namespace cairn::store
