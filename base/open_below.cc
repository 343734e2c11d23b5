#include "base/open_below.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace cairn {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// `path` relative to `root`, or false when it is not below it.
bool relative(const std::string& root, const std::string& path, std::string& rel) {
  if (root == "/") {
    if (path.size() < 2 || path[0] != '/') return false;
    rel = path.substr(1);
    return true;
  }
  if (path.size() <= root.size() + 1 || path.compare(0, root.size(), root) != 0 ||
      path[root.size()] != '/') {
    return false;
  }
  rel = path.substr(root.size() + 1);
  return true;
}

// Whether `dir` is the directory holding `path`.
bool is_parent(const std::string& dir, const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return false;
  return slash == 0 ? dir == "/" : path.compare(0, slash, dir) == 0 && dir.size() == slash;
}

// One name at a time with O_NOFOLLOW, for kernels without openat2.
Fd open_names(Fd cur, const std::string& part) {
  for (size_t pos = 0; pos < part.size();) {
    size_t slash = part.find('/', pos);
    if (slash == std::string::npos) slash = part.size();
    if (slash > pos) {
      Fd next(::openat(cur.get(), part.substr(pos, slash - pos).c_str(), kDirFlags));
      if (!next.valid()) return Fd();
      cur = std::move(next);
    }
    pos = slash + 1;
  }
  return cur;
}

}  // namespace

Fd open_dir_below(const std::string& root, const std::string& dir) {
  Fd cur(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid() && errno == ENOTDIR && is_parent(dir, root)) {
    // A root that is one file: its directory is where it is read from, and
    // nothing else of that directory is reachable through this root.
    return Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  if (!cur.valid() || dir == root) return cur;
  std::string rel;
  if (!relative(root, dir, rel)) {
    errno = EXDEV;
    return Fd();
  }
  // A path longer than PATH_MAX goes in pieces of whole names, each resolved
  // below the directory the previous one opened: two calls at depth 300, not
  // one per name (which made every walk of a deep tree quadratic).
  bool have_openat2 = true;
  for (size_t pos = 0; pos < rel.size();) {
    size_t end = rel.size();
    if (end - pos >= PATH_MAX) {
      end = rel.rfind('/', pos + PATH_MAX - 1);
      if (end == std::string::npos || end <= pos) {
        errno = ENAMETOOLONG;
        return Fd();
      }
    }
    std::string part = rel.substr(pos, end - pos);
    pos = end + 1;
    if (have_openat2) {
      open_how how{};
      how.flags = kDirFlags;
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
      long fd = ::syscall(SYS_openat2, cur.get(), part.c_str(), &how, sizeof how);
      if (fd >= 0) {
        cur = Fd(static_cast<int>(fd));
        continue;
      }
      // Without openat2 (old kernel, a seccomp filter) one name at a time.
      if (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG) return Fd();
      have_openat2 = false;
    }
    cur = open_names(std::move(cur), part);
    if (!cur.valid()) return Fd();
  }
  return cur;
}

int lstat_below(const std::string& root, const std::string& path, struct stat* st) {
  if (path == root) return ::lstat(path.c_str(), st);
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    errno = EXDEV;
    return -1;
  }
  Fd dir = open_dir_below(root, slash == 0 ? "/" : path.substr(0, slash));
  if (!dir.valid()) return -1;
  return ::fstatat(dir.get(), path.c_str() + slash + 1, st, AT_SYMLINK_NOFOLLOW);
}

}  // namespace cairn
