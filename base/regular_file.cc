#include "base/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cairn {

const char* file_kind(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "not a regular file";
  }
}

Result<Fd> open_regular_file(const std::string& path, const std::string& what, bool no_follow) {
  int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  if (no_follow) flags |= O_NOFOLLOW;
  Fd fd(::open(path.c_str(), flags));
  if (!fd.valid()) {
    int e = errno;
    if (e == ENOENT) return not_found("no " + what + " at " + path);
    if (e == ELOOP && no_follow) {
      return invalid_params(what + " " + path + " is a symbolic link; name the file itself");
    }
    return invalid_params("cannot open " + what + " " + path + ": " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return invalid_params("cannot stat " + what + " " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return invalid_params(what + " " + path + " is " + file_kind(st.st_mode) +
                          ", not a regular file");
  }
  // Reads of the regular file block as usual (O_NONBLOCK only mattered for
  // the open of something that turned out not to be one).
  int fl = ::fcntl(fd.get(), F_GETFL);
  if (fl >= 0) (void)::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

Result<std::string> read_regular_file(const std::string& path, const std::string& what,
                                      size_t max_bytes, bool no_follow) {
  CAIRN_ASSIGN_OR_RETURN(Fd fd, open_regular_file(path, what, no_follow));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return invalid_params("cannot read " + what + " " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Status(Code::kTooLarge,
                    what + " " + path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace cairn
