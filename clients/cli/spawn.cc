#include "clients/cli/spawn.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/clock.h"
#include "base/fd.h"
#include "base/paths.h"
#include "ipc/client.h"

namespace cairn::cli {

std::string cairnd_path() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    std::string beside = parent_dir(self) + "/cairnd";
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return "cairnd";
}

namespace {

// True when `exe` names a program execlp() would find.
bool executable_found(const std::string& exe) {
  if (exe.find('/') != std::string::npos) return ::access(exe.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + exe;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

namespace {

bool answers(const std::string& socket) {
  auto c = ipc::Client::connect(socket, 500);
  if (!c) return false;
  return c->call("daemon.ping", nullptr, 1000).has_value();
}

}  // namespace

Status spawn_daemon(const std::string& socket, int wait_ms) {
  std::string dir = parent_dir(socket);
  CAIRN_RETURN_IF_ERROR(make_dirs(dir, 0700));
  Fd lock(::open((socket + ".spawn").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.valid()) (void)::flock(lock.get(), LOCK_EX);
  if (answers(socket)) return Status::ok();  // another CLI started it meanwhile

  std::string exe = cairnd_path();
  if (!executable_found(exe)) {
    return Status(Code::kIoError, "cannot start the daemon: no cairnd beside this cairn or on "
                                  "PATH; install cairn or start cairnd yourself");
  }
  pid_t pid = ::fork();
  if (pid < 0) return Status(Code::kIoError, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Detach fully: a grandchild in its own session, so the CLI can exit.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execlp(exe.c_str(), exe.c_str(), "--socket", socket.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  int64_t deadline = monotonic_ms() + wait_ms;
  while (monotonic_ms() < deadline) {
    if (answers(socket)) return Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status(Code::kIoError, "started " + exe + " but it did not answer on " + socket +
                                    " within " + std::to_string(wait_ms) +
                                    " ms; see its log (cairnd --help shows where)");
}

}  // namespace cairn::cli
