// Shared pieces of the reliability suite (../shared/RELIABILITY.md): what
// "healthy" means, knobs read from the environment, and a child process that
// runs as another user.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "base/fd.h"
#include "tests/support/daemon_process.h"
#include "tests/support/probes.h"

namespace cairn::testing {

inline int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

inline bool have_program(const std::string& name) {
  return run_command({"sh", "-c", "command -v " + name}).status == 0;
}

// The running half of "healthy": daemon.ping answers within 100 ms. The best
// of three tries counts, so that one scheduling hiccup of a loaded machine (two
// heavy tests side by side under ctest -j2) is not taken for a stuck daemon.
inline void expect_ping_within_100ms(DaemonProcess& d) {
  int64_t best = INT64_MAX;
  for (int i = 0; i < 3 && best >= 100; ++i) {
    int64_t t0 = monotonic_ms();
    auto ping = d.call("daemon.ping");
    int64_t took = monotonic_ms() - t0;
    EXPECT_TRUE(ping) << ping.status().to_string();
    if (!ping) return;
    best = std::min(best, took);
  }
  EXPECT_LT(best, 100) << "daemon.ping took " << best << " ms at best of three";
}

// The stopped half of "healthy": integrity_check ok, foreign_key_check empty,
// both FTS5 tables pass their integrity check against their content.
inline void expect_database_healthy(const std::string& db) {
  EXPECT_EQ(sqlite3(db, "PRAGMA integrity_check;"), "ok\n");
  EXPECT_EQ(sqlite3(db, "PRAGMA foreign_key_check;"), "");
  EXPECT_EQ(sqlite3(db, "INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1);"),
            "");
  EXPECT_EQ(sqlite3(db, "INSERT INTO chunks_tri(chunks_tri, rank) VALUES('integrity-check', 1);"),
            "");
}

// Every row of category `category` as key -> value text, read with sqlite3
// from a stopped daemon's database.
inline std::map<std::string, std::string> stored_prefs(const std::string& db,
                                                       const std::string& category) {
  std::map<std::string, std::string> out;
  std::istringstream in(
      sqlite3(db, "SELECT key || '|' || value FROM prefs WHERE category = '" + category + "';"));
  for (std::string line; std::getline(in, line);) {
    auto bar = line.find('|');
    if (bar != std::string::npos) out[line.substr(0, bar)] = line.substr(bar + 1);
  }
  return out;
}

// Runs `body` in a forked child as uid/gid 65534 (nobody); returns its exit
// code, or -1 when it could not be run. The test process must have no other
// threads when this is called.
inline int run_as_nobody(const std::function<int()>& body, int timeout_ms = 60000) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(99);
    }
    ::_exit(body());
  }
  if (pid < 0) return -1;
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (monotonic_ms() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    ::usleep(5000);
  }
}

// connect(2) on a Unix socket path; true when it succeeded.
inline bool raw_connect(const std::string& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// Lowercase hex of `n` bytes, as files.get reports a hash.
inline std::string hex_of(const unsigned char* d, unsigned n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kDigits[d[i] >> 4];
    out += kDigits[d[i] & 15];
  }
  return out;
}

// Lowercase hex SHA-256 of `data`, as files.get reports a file's hash.
inline std::string sha256_of(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex_of(md, len);
}

// A kernel setting under /proc/sys (e.g. fs/inotify/max_queued_events) changed
// for one test: the old value goes back on restore() or when the guard goes
// out of scope, so a failing test leaves the machine as it found it. Before the
// first change the old value is also written to a record under kRecordDir, and
// removed once restored: a run killed while it held the setting leaves the
// record, and the next guard of that setting puts the value back first. (/run
// is emptied at boot, when the kernel's settings are reset too.)
class ProcSysGuard {
 public:
  static constexpr const char* kRecordDir = "/run/cairn-tests-sysctl";

  explicit ProcSysGuard(const std::string& name)
      : path_("/proc/sys/" + name), record_(std::string(kRecordDir) + "/" + dotted(name)) {
    std::string left = trimmed(read_text(record_));
    if (!left.empty() && write_value(left)) ::unlink(record_.c_str());
    old_ = trimmed(read_text(path_));
  }
  ~ProcSysGuard() { restore(); }
  ProcSysGuard(const ProcSysGuard&) = delete;
  ProcSysGuard& operator=(const ProcSysGuard&) = delete;

  // False (errno set) when the file cannot be written, e.g. not root.
  bool set(const std::string& value) {
    if (old_.empty()) return false;
    if (!changed_ && !write_record()) return false;
    if (!write_value(value)) {
      if (!changed_) ::unlink(record_.c_str());
      return false;
    }
    changed_ = true;
    return true;
  }
  void restore() {
    if (changed_ && write_value(old_)) {
      changed_ = false;
      ::unlink(record_.c_str());
    }
  }
  const std::string& old_value() const { return old_; }
  const std::string& path() const { return path_; }

 private:
  static std::string dotted(std::string name) {
    std::replace(name.begin(), name.end(), '/', '.');
    return name;
  }
  static std::string trimmed(std::string v) {
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  }
  bool write_value(const std::string& v) {
    Fd fd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return false;
    std::string line = v + "\n";
    return ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }
  // The old value, whole or not at all (a new file renamed over the name).
  bool write_record() {
    if (::mkdir(kRecordDir, 0700) != 0 && errno != EEXIST) return false;
    std::string tmp = record_ + ".new";
    {
      Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
      if (!fd.valid()) return false;
      std::string line = old_ + "\n";
      if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        return false;
      }
    }
    return ::rename(tmp.c_str(), record_.c_str()) == 0;
  }

  std::string path_;
  std::string record_;
  std::string old_;
  bool changed_ = false;
};

// The pid of the cairnd behind `d` (which may be a wrapper such as strace).
inline pid_t daemon_pid(DaemonProcess& d) {
  auto st = d.call("daemon.status");
  return st ? static_cast<pid_t>((*st)["pid"].get<int64_t>()) : -1;
}

}  // namespace cairn::testing
