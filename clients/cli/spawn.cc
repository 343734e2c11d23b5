#include "clients/cli/spawn.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
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
