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

}  // namespace

Fd open_dir_below(const std::string& root, const std::string& dir) {
  Fd cur(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid() || dir == root) return cur;
  std::string rel;
  if (!relative(root, dir, rel)) {
    errno = EXDEV;
    return Fd();
  }
  if (rel.size() < PATH_MAX) {
    open_how how{};
    how.flags = kDirFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    long fd = ::syscall(SYS_openat2, cur.get(), rel.c_str(), &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    // Without openat2 (old kernel, a seccomp filter) the walk below does it.
    if (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG) return Fd();
  }
  for (size_t pos = 0; pos < rel.size();) {
    size_t slash = rel.find('/', pos);
    if (slash == std::string::npos) slash = rel.size();
    if (slash > pos) {
      Fd next(::openat(cur.get(), rel.substr(pos, slash - pos).c_str(), kDirFlags));
      if (!next.valid()) return Fd();
      cur = std::move(next);
    }
    pos = slash + 1;
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
