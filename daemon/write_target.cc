#include "daemon/write_target.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/paths.h"
#include "base/regular_file.h"

namespace cairn {

namespace {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};

bool id_of(const std::string& path, FileId* out, bool follow = true) {
  struct stat st {};
  int rc = follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (rc != 0) return false;
  *out = {st.st_dev, st.st_ino};
  return true;
}

struct DaemonFile {
  std::string path;
  const char* label;
};

std::vector<DaemonFile> daemon_files(const Config& c) {
  std::string db = c.db_path();
  return {{db, "the live database"},
          {db + "-wal", "the live database's -wal"},
          {db + "-shm", "the live database's -shm"},
          {db + "-journal", "the live database's -journal"},
          {c.data_dir + "/cairnd.lock", "cairnd's lock file"},
          {c.socket_path, "cairnd's socket"},
          {c.socket_path + ".lock", "cairnd's socket lock"},
          {c.log_file, "cairnd's log"},
          {c.config_file, "cairnd's config file"}};
}

// "the live database (/path/cairn.db)" when `target` is one of the daemon's
// files, else "".
std::string matching_daemon_file(const Config& c, const FileId& target) {
  for (const DaemonFile& f : daemon_files(c)) {
    FileId id;
    if (!f.path.empty() && id_of(f.path, &id) && id == target) {
      return std::string(f.label) + " (" + f.path + ")";
    }
  }
  return "";
}

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return "";
  return buf;
}

}  // namespace

bool is_daemon_file(const Config& config, const std::string& path) {
  FileId id;
  return id_of(path, &id) && !matching_daemon_file(config, id).empty();
}

Status check_write_target(const Config& c, const std::string& path) {
  if (path.empty() || path[0] != '/') return invalid_params("path must be absolute: " + path);
  if (path.back() == '/') return invalid_params(path + " names a directory, not a file");
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return invalid_params(path + " is a symbolic link; cairnd does not write through links");
    }
    if (!S_ISREG(st.st_mode)) {
      return invalid_params(path + " is " + file_kind(st.st_mode) + "; cannot write over it");
    }
    std::string own = matching_daemon_file(c, {st.st_dev, st.st_ino});
    if (!own.empty()) {
      return invalid_params(path + " is " + own +
                            "; cairnd never writes over its own files: choose another path");
    }
  }
  std::string dir = parent_dir(path);
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0) {
    return invalid_params("cannot write " + path + ": directory " + dir + " " +
                          (errno == ENOENT ? "does not exist" : std::strerror(errno)));
  }
  if (!S_ISDIR(ds.st_mode))
    return invalid_params("cannot write " + path + ": " + dir + " is not a directory");
  // Walk up from the resolved directory: the backup directory first means it
  // is ours to write; the data directory means it is not.
  FileId data, backups;
  bool have_data = id_of(c.data_dir, &data);
  // A backup directory that is the data directory itself opens nothing up.
  bool have_backups = id_of(c.backups_path(), &backups) && !(have_data && backups == data);
  std::string at = real(dir);
  if (at.empty()) return invalid_params("cannot resolve " + dir + ": " + std::strerror(errno));
  for (;;) {
    FileId id;
    if (id_of(at, &id)) {
      if (have_backups && id == backups) break;
      if (have_data && id == data) {
        return invalid_params(path + " is inside cairnd's data directory " + c.data_dir +
                              "; write backups to " + c.backups_path() +
                              " or anywhere outside the data directory");
      }
    }
    if (at == "/") break;
    at = parent_dir(at);
    if (at.empty()) break;
  }
  return Status::ok();
}

}  // namespace cairn
