#include "store/backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>

#include "base/clock.h"
#include "base/fd.h"
#include "store/db.h"
#include "store/migration.h"
#include "store/sqlite_status.h"

namespace cairn::store {

namespace {

Status errno_status(const std::string& what) {
  return Status(Code::kIoError, what + ": " + std::strerror(errno));
}

void remove_with_sidecars(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    ::unlink((path + suffix).c_str());
  }
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using RawDb = std::unique_ptr<sqlite3, SqliteCloser>;

// The copy itself. `src` already holds the read transaction that pins the
// snapshot; sqlite3_backup_step leaves a transaction it did not open alone, so
// every step reads the same snapshot and a write elsewhere never restarts it.
Status run_backup(Db& src, const std::string& dest_path, const BackupOptions& options,
                  int64_t* pages_out) {
  remove_with_sidecars(dest_path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(dest_path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                               SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  RawDb dest(raw);
  if (rc != SQLITE_OK) return sqlite_status(raw, rc, "open " + dest_path);
  // The file is private until renamed and fsynced as a whole afterwards, so the
  // copy needs no journal and no syncs of its own.
  sqlite3_exec(raw, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nullptr, nullptr, nullptr);
  sqlite3_backup* b = sqlite3_backup_init(raw, "main", src.get(), "main");
  if (!b) return sqlite_status(raw, sqlite3_errcode(raw), "backup init");
  Status result;
  for (;;) {
    rc = sqlite3_backup_step(b, std::max(1, options.pages_per_step));
    int64_t total = sqlite3_backup_pagecount(b);
    int64_t done = total - sqlite3_backup_remaining(b);
    if (rc == SQLITE_DONE) {
      if (options.progress) options.progress(total, total);
      *pages_out = total;
      break;
    }
    if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (options.progress && !options.progress(done, total)) {
        result = Status(Code::kBusy, "the copy was cancelled");
        break;
      }
      if (rc != SQLITE_OK) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::yield();
      continue;
    }
    result = sqlite_status(raw, rc, "backup step");
    break;
  }
  rc = sqlite3_backup_finish(b);
  if (result.is_ok() && rc != SQLITE_OK) result = sqlite_status(raw, rc, "backup finish");
  if (result.is_ok()) {
    // The copied header says WAL (as the source); a backup file is one
    // self-contained file, so turn it into a rollback-journal database.
    rc = sqlite3_exec(raw, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) result = sqlite_status(raw, rc, "journal_mode of the copy");
  }
  dest.reset();
  if (!result.is_ok()) remove_with_sidecars(dest_path);
  return result;
}

struct Snapshot {
  int schema_version = 0;
  std::string db_id;
};

Result<Snapshot> read_snapshot_facts(Db& src) {
  Snapshot s;
  CAIRN_ASSIGN_OR_RETURN(int64_t has_versions,
                         src.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                       "AND name = 'schema_version'"));
  if (has_versions) {
    CAIRN_ASSIGN_OR_RETURN(int64_t v,
                           src.query_int("SELECT coalesce(max(version), 0) FROM schema_version"));
    s.schema_version = static_cast<int>(v);
  }
  CAIRN_ASSIGN_OR_RETURN(int64_t has_meta,
                         src.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                       "AND name = 'meta'"));
  if (has_meta) {
    CAIRN_ASSIGN_OR_RETURN(Stmt q, src.prepare("SELECT value FROM meta WHERE key = 'db_id'"));
    CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
    if (row) s.db_id = q.text(0);
  }
  return s;
}

std::atomic<int> g_snapshot_copies{0};

struct CountedCopy {
  CountedCopy() { ++g_snapshot_copies; }
  ~CountedCopy() { --g_snapshot_copies; }
};

Result<std::pair<Snapshot, int64_t>> copy_snapshot(const std::string& src_path,
                                                   const std::string& dest_path,
                                                   const BackupOptions& options) {
  CountedCopy counted;
  CAIRN_ASSIGN_OR_RETURN(auto src, Db::open(src_path, OpenMode::kReadOnly));
  CAIRN_RETURN_IF_ERROR(src->exec("BEGIN"));
  // The first read starts the read transaction: the snapshot is fixed here.
  auto facts = read_snapshot_facts(*src);
  int64_t pages = 0;
  Status st = facts ? run_backup(*src, dest_path, options, &pages) : facts.status();
  (void)src->exec("COMMIT");
  CAIRN_RETURN_IF_ERROR(st);
  return std::make_pair(*facts, pages);
}

}  // namespace

int snapshot_copies_running() { return g_snapshot_copies.load(); }

Json BackupInfo::to_json() const {
  return Json{{"path", path},
              {"bytes", bytes},
              {"schema_version", schema_version},
              {"sha256", sha256},
              {"db_id", db_id},
              {"created_at", format_iso8601(created_at_ms)}};
}

Status copy_database(const std::string& src_path, const std::string& dest_path,
                     const BackupOptions& options) {
  return copy_snapshot(src_path, dest_path, options).status();
}

Result<BackupInfo> backup_database(const std::string& src_path, const std::string& dest_path,
                                   const BackupOptions& options) {
  std::string tmp = dest_path + ".tmp";
  BackupInfo info;
  info.created_at_ms = wall_ms();
  CAIRN_ASSIGN_OR_RETURN(auto copied, copy_snapshot(src_path, tmp, options));
  info.schema_version = copied.first.schema_version;
  info.db_id = copied.first.db_id;
  info.pages = copied.second;
  auto fail = [&](Status st) {
    remove_with_sidecars(tmp);
    return st;
  };
  if (options.verify) {
    if (auto v = verify_database_file(tmp); !v) return fail(v.status());
  }
  if (Status st = fsync_file(tmp); !st.is_ok()) return fail(st);
  auto sum = sha256_file(tmp);
  if (!sum) return fail(sum.status());
  info.sha256 = *sum;
  struct stat stt {};
  if (::stat(tmp.c_str(), &stt) != 0) return fail(errno_status("stat " + tmp));
  info.bytes = stt.st_size;
  // Private whatever the umask: a backup holds everything the database does.
  if (::chmod(tmp.c_str(), 0600) != 0) return fail(errno_status("chmod " + tmp));
  if (::rename(tmp.c_str(), dest_path.c_str()) != 0) {
    return fail(errno_status("rename " + tmp + " to " + dest_path));
  }
  CAIRN_RETURN_IF_ERROR(fsync_dir(dir_of(dest_path)));
  info.path = dest_path;
  CAIRN_RETURN_IF_ERROR(write_file_atomic(dest_path + ".json", info.to_json().dump(2) + "\n"));
  return info;
}

std::string default_backup_path(const std::string& dir, int64_t at_ms) {
  std::time_t t = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(at_ms % 1000));
  return dir + "/cairn-" + buf + ms + ".db";
}

bool is_default_backup_name(const std::string& n) {
  // cairn-YYYYmmddTHHMMSS.mmmZ.db
  if (n.size() != 29 || n.rfind("cairn-", 0) != 0 || n.compare(26, 3, ".db") != 0) return false;
  if (n[14] != 'T' || n[21] != '.' || n[25] != 'Z') return false;
  for (size_t i : {6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 15u, 16u, 17u, 18u, 19u, 20u, 22u, 23u,
                   24u}) {
    if (n[i] < '0' || n[i] > '9') return false;
  }
  return true;
}

std::vector<std::string> rotate_backups(const std::string& dir, int keep) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (is_default_backup_name(n)) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());  // the timestamp sorts as text
  std::vector<std::string> removed;
  if (keep < 0) keep = 0;
  while (names.size() > static_cast<size_t>(keep)) {
    std::string p = dir + "/" + names.front();
    names.erase(names.begin());
    ::unlink((p + ".json").c_str());
    if (::unlink(p.c_str()) == 0) removed.push_back(p);
  }
  if (!removed.empty()) (void)fsync_dir(dir);
  return removed;
}

Result<int> verify_database_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return not_found("no file " + path);
  if (st.st_size == 0) return invalid_params(path + " is empty");
  CAIRN_RETURN_IF_ERROR(check_database_file(path));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  RawDb db(raw);
  if (rc != SQLITE_OK) return sqlite_status(raw, rc, "open " + path);
  sqlite3_stmt* s = nullptr;
  std::string problems;
  rc = sqlite3_prepare_v2(raw, "PRAGMA integrity_check(20)", -1, &s, nullptr);
  while (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(s, 0);
    std::string line = t ? reinterpret_cast<const char*>(t) : "";
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_OK) return sqlite_status(raw, rc, "integrity_check of " + path);
  if (!problems.empty()) {
    return Status(Code::kInvalidParams, path + " is corrupt (integrity_check: " + problems + ")");
  }
  int version = 0;
  rc = sqlite3_prepare_v2(raw, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &s,
                          nullptr);
  if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_OK || version == 0) {
    return Status(Code::kInvalidParams, path + " is not a cairn database (no schema version)");
  }
  if (version > latest_version()) {
    return Status(Code::kInvalidParams,
                  path + " has schema version " + std::to_string(version) +
                      ", newer than this cairnd knows (" + std::to_string(latest_version()) +
                      "): restore it with the cairn that made it");
  }
  return version;
}

Result<std::string> sha256_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("open " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("read " + path);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

Status fsync_file(const std::string& path) {
  // Only ever called on files no SQLite connection of this process has open
  // (a close() here would otherwise drop SQLite's locks, FACTS.md).
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("open " + path);
  if (::fsync(fd.get()) != 0) return errno_status("fsync " + path);
  return Status::ok();
}

Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("open " + dir);
  if (::fsync(fd.get()) != 0) return errno_status("fsync " + dir);
  return Status::ok();
}

Status write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    // A fresh file: a link (or anything else) left at the .tmp name is removed,
    // never written through.
    ::unlink(tmp.c_str());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) return errno_status("open " + tmp);
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_status("write " + tmp);
      off += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return errno_status("fsync " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_status("rename " + tmp);
  return fsync_dir(dir_of(path));
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace cairn::store
