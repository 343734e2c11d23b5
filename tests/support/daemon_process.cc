#include "tests/support/daemon_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/clock.h"

#ifndef CAIRN_BINARY_DIR
#error "CAIRN_BINARY_DIR must be defined by the build"
#endif

namespace cairn::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/cairn-test-XXXXXX";
  path_ = ::mkdtemp(tmpl);
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::all, ec);
  std::filesystem::remove_all(path_, ec);
}

std::string DaemonProcess::binary(const std::string& name) {
  // CAIRN_CAIRND runs another build's daemon (e.g. a TSan build under bench/soak).
  if (const char* other = std::getenv("CAIRN_CAIRND"); name == "cairnd" && other && *other) {
    return other;
  }
  // CAIRN_CLI: the CLI of another build (sanitizer builds do not build their own).
  if (const char* other = std::getenv("CAIRN_CLI"); name == "cairn" && other && *other) {
    return other;
  }
  if (name == "cairnd") return std::string(CAIRN_BINARY_DIR) + "/bin/cairnd";
  if (name == "cairn") return std::string(CAIRN_BINARY_DIR) + "/bin/cairn";
  return std::string(CAIRN_BINARY_DIR) + "/" + name;
}

DaemonProcess::DaemonProcess(DaemonOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/cairnd-test-XXXXXX";
  home_ = ::mkdtemp(tmpl);
  ::chmod(home_.c_str(), 0755);
}

DaemonProcess::DaemonProcess(const DaemonProcess& previous, DaemonOptions options)
    : options_(std::move(options)), home_(previous.home_), owns_home_(false) {}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill9();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info && owns_home_) expect_no_sanitizer_report();
  if (info && ::testing::Test::HasFailure() && owns_home_) {
    std::fprintf(stderr, "---- cairnd log (%s) ----\n%s---- end of log ----\n",
                 log_path().c_str(), log().c_str());
  }
  if (owns_home_) {
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);
  }
}

// In a sanitizer build a report goes to cairnd's stderr, and the daemon may go
// on (UBSan, TSan without halt_on_error) or be killed by the test before anyone
// looks: every report there fails the test that owns the daemon's home.
void DaemonProcess::expect_no_sanitizer_report() const {
  std::ifstream in(home_ + "/stderr.log");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  for (const char* marker : {"SUMMARY: AddressSanitizer", "SUMMARY: LeakSanitizer",
                             "SUMMARY: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer",
                             "LeakSanitizer has encountered a fatal error"}) {
    size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    size_t from = at > 4000 ? at - 4000 : 0;
    ADD_FAILURE() << "cairnd printed a sanitizer report (" << marker << "):\n"
                  << text.substr(from, at - from + 200);
    return;
  }
}

pid_t DaemonProcess::spawn() {
  std::vector<std::string> argv = options_.wrapper;
  if (options_.socket_activated) {
    for (const auto& a : {std::string("systemd-socket-activate"), std::string("-l"), socket_path()}) {
      argv.push_back(a);
    }
    // systemd-socket-activate passes on only the variables it is told to.
    for (const auto& [k, v] : options_.env) argv.push_back("--setenv=" + k + "=" + v);
  }
  argv.push_back(binary("cairnd"));
  for (const auto& a : {std::string("--socket"), socket_path(), std::string("--data-dir"),
                        data_dir(), std::string("--state-dir"), home_ + "/state",
                        std::string("--log-file"), log_path(), std::string("--log-level"),
                        std::string("debug"), std::string("--config"), home_ + "/cairnd.toml"}) {
    argv.push_back(a);
  }
  if (options_.debug_methods) argv.push_back("--debug-methods");
  for (const auto& a : options_.args) argv.push_back(a);
  {
    std::ofstream cfg(home_ + "/cairnd.toml", std::ios::app);
  }
  ::mkdir((home_ + "/run").c_str(), 0700);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    for (const auto& [k, v] : options_.env) ::setenv(k.c_str(), v.c_str(), 1);
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_PID");
    if (options_.listen_fd >= 0) {
      // dup2 clears FD_CLOEXEC on the copy; fd 3 itself needs it cleared.
      if (options_.listen_fd == 3) ::fcntl(3, F_SETFD, 0);
      else ::dup2(options_.listen_fd, 3);
      ::setenv("LISTEN_FDS", "1", 1);
      ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    }
    if (!options_.env.count("NOTIFY_SOCKET")) ::unsetenv("NOTIFY_SOCKET");
    // Under a wrapper (strace, fiu-run) or a preloaded library, a sanitizer
    // build needs two ASan options: LeakSanitizer cannot run under ptrace, and
    // ASan refuses a library loaded ahead of its runtime. Other builds ignore them.
    if (!options_.wrapper.empty() || options_.env.count("LD_PRELOAD")) {
      const char* given = std::getenv("ASAN_OPTIONS");
      std::string asan = given && *given ? std::string(given) + ":" : "";
      asan += "detect_leaks=0:verify_asan_link_order=0";
      ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
    }
    int out = ::open((home_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid;
}

Status DaemonProcess::start(int timeout_ms) {
  pid_ = spawn();
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status(Code::kInternal, "cairnd exited during startup: " + log());
    }
    if (auto c = ipc::Client::connect(socket_path(), 200)) {
      if (c->call("daemon.ping", nullptr, 1000)) return Status::ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status(Code::kIoError, "cairnd did not answer within the timeout");
}

int DaemonProcess::run_to_exit(int timeout_ms) {
  pid_ = spawn();
  return wait_for_exit(timeout_ms);
}

int DaemonProcess::wait_for_exit(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill9();
  return -1;
}

void DaemonProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void DaemonProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int DaemonProcess::terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return wait_for_exit(timeout_ms);
}

bool DaemonProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

ipc::Client DaemonProcess::client() {
  auto c = ipc::Client::connect(socket_path(), 2000);
  if (!c) {
    ADD_FAILURE() << "cannot connect to cairnd: " << c.status().to_string();
    std::abort();
  }
  return std::move(*c);
}

Result<Json> DaemonProcess::call(const std::string& method, const Json& args) {
  CAIRN_ASSIGN_OR_RETURN(ipc::Client c, ipc::Client::connect(socket_path(), 2000));
  return c.call(method, args, 30000);
}

std::string DaemonProcess::log() const {
  std::string out;
  // stderr carries every log line too, and what was printed before logging began.
  for (const auto& f : {home_ + "/stderr.log"}) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > 20000) text = "...\n" + text.substr(text.size() - 20000);
    out += text;
  }
  return out;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, int timeout_ms) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  CommandResult r;
  int64_t deadline = monotonic_ms() + timeout_ms;
  ::fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  for (;;) {
    char buf[4096];
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n > 0) {
      r.output.append(buf, static_cast<size_t>(n));
      continue;
    }
    int status;
    if (n == 0 && ::waitpid(pid, &status, 0) == pid) {
      r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (monotonic_ms() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::close(pipefd[0]);
  return r;
}

std::string sqlite3(const std::string& db, const std::string& sql) {
  return run_command({"sqlite3", db, sql}).output;
}

}  // namespace cairn::testing
