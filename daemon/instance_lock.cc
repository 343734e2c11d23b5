#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/paths.h"

namespace cairn {

namespace {

Result<Fd> flock_file(const std::string& path, std::string& holder) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return Status(Code::kIoError, "cannot open lock file " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
    holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status(Code::kConflict, "locked");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), pid.data(), pid.size(), 0);
  return fd;
}

}  // namespace

Result<Fd> lock_data_dir(const std::string& data_dir) {
  CAIRN_RETURN_IF_ERROR(make_dirs(data_dir, 0700));
  std::string holder;
  auto fd = flock_file(data_dir + "/cairnd.lock", holder);
  if (!fd && fd.status().code() == Code::kConflict) {
    return Status(Code::kConflict, "cairnd is already running on " + data_dir + " (pid " +
                                       holder + ")");
  }
  return fd;
}

Result<Fd> claim_socket_path(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status(Code::kInvalidParams,
                  "socket path is longer than " +
                      std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes: " + path);
  }
  std::string dir = parent_dir(path);
  bool existed = ::access(dir.c_str(), F_OK) == 0;
  CAIRN_RETURN_IF_ERROR(make_dirs(dir, 0700));
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0) {
    return Status(Code::kIoError, "cannot stat " + dir + ": " + std::strerror(errno));
  }
  if (ds.st_uid != geteuid()) {
    return Status(Code::kUnauthorized, "socket directory " + dir + " belongs to uid " +
                                           std::to_string(ds.st_uid) + ", not to this user");
  }
  // A directory cairnd made is for it alone; one the user chose is left as it is
  // (the socket itself is 0600 either way).
  if (!existed && ::chmod(dir.c_str(), 0700) != 0) {
    return Status(Code::kIoError, "cannot chmod " + dir + ": " + std::strerror(errno));
  }
  std::string holder;
  auto lock = flock_file(path + ".lock", holder);
  if (!lock && lock.status().code() == Code::kConflict) {
    return Status(Code::kConflict, "another cairnd (pid " + holder + ") is already using " + path);
  }
  if (!lock) return lock.status();

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return lock;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    return Status(Code::kConflict, path + " exists and is not a socket; cairnd leaves it alone. "
                                          "Remove it or choose another --socket.");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    return Status(Code::kConflict, "another cairnd is already listening on " + path);
  }
  if (errno != ECONNREFUSED) {
    return Status(Code::kIoError, "cannot probe " + path + ": " + std::strerror(errno));
  }
  if (::unlink(path.c_str()) != 0) {
    return Status(Code::kIoError, "cannot remove stale socket " + path + ": " +
                                      std::strerror(errno));
  }
  return lock;
}

}  // namespace cairn
