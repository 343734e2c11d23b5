// cairnd under systemd: the unit files verify, socket activation hands cairnd
// its listening socket, and sd_notify reaches NOTIFY_SOCKET with READY=1,
// watchdog pings and STOPPING=1. None of this needs a running user manager.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/fd.h"
#include "tests/support/daemon_process.h"
#include "tests/support/notify_socket.h"
#include "tests/support/probes.h"
#include "tests/support/syscall_filter.h"
#include "tests/support/systemd_units.h"

namespace cairn::testing {
namespace {

TEST(Systemd, UnitsPassSystemdAnalyzeVerify) {
  TempDir dir;
  // ExecStart names the installed cairnd; verify against the one just built.
  std::string service = write_built_units(dir);
  auto r = run_command(
      {"systemd-analyze", "verify", "--user", dir / "cairnd.socket", dir / "cairnd.service"},
      {{"XDG_RUNTIME_DIR", dir / "run"}});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd-analyze had complaints";
  std::string socket = read_text(dir / "cairnd.socket");
  EXPECT_NE(socket.find("SocketMode=0600"), std::string::npos);
  EXPECT_NE(service.find("Type=notify"), std::string::npos);
  EXPECT_NE(service.find("WatchdogSec="), std::string::npos);
}

TEST(Systemd, SocketActivationAnswersARequestSentBeforeTheDaemonIsUp) {
  DaemonOptions o;
  o.socket_activated = true;
  DaemonProcess d(o);
  // start() connects and sends daemon.ping at once: systemd-socket-activate only
  // execs cairnd when that connection arrives, so the request waits in the
  // inherited socket's backlog.
  ASSERT_TRUE(d.start().is_ok()) << d.log();
  EXPECT_NE(d.log().find("passed by systemd"), std::string::npos) << d.log();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["pid"], d.pid());  // exec'd in place of systemd-socket-activate
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Systemd, NotifiesReadyPingsTheWatchdogAndSaysStopping) {
  NotifySocket notify;
  DaemonOptions o;
  o.env = {{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "200000"}};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  std::string got = NotifySocket::joined(notify.receive(5000, "READY=1"));
  EXPECT_NE(got.find("READY=1"), std::string::npos) << got;
  got = NotifySocket::joined(notify.receive(2000, "WATCHDOG=1"));
  EXPECT_NE(got.find("WATCHDOG=1"), std::string::npos) << got;
  EXPECT_EQ(d.terminate(), 0);
  got = NotifySocket::joined(notify.receive(2000, "STOPPING=1"));
  EXPECT_NE(got.find("STOPPING=1"), std::string::npos) << got;
}

// The unit's SystemCallFilter= kills cairnd on any other system call; what
// cairnd does from start to exit (tracking, indexing, search, writes, events,
// backup, shutdown) must stay within it. strace records every call made.
TEST(Systemd, EverySystemCallCairndMakesIsInTheUnitsFilter) {
  if (run_command({"sh", "-c", "command -v strace && command -v systemd-analyze"}).status != 0) {
    GTEST_SKIP() << "strace or systemd-analyze is not installed";
  }
  TempDir dir;
  std::string service = write_built_units(dir);
  std::set<std::string> allowed = unit_syscall_allow_list(service);
  ASSERT_GT(allowed.size(), 20u) << "no SystemCallFilter= allow list in the unit:\n" << service;

  const std::string trace = dir / "syscalls.trace";
  DaemonOptions o;
  o.wrapper = {"strace", "-f", "-qq", "-o", trace, "--"};
  DaemonProcess d(o);
  Status started = d.start();
  if (!started.is_ok() && read_text(trace).empty()) {
    GTEST_SKIP() << "strace cannot trace here: " << started.to_string();
  }
  ASSERT_TRUE(started.is_ok()) << started.to_string() << d.log();

  ::mkdir((dir / "root").c_str(), 0700);
  std::ofstream(dir / "root/a.txt") << "a word to find: syscallprobe\n";
  ASSERT_TRUE(d.call("files.track", {{"path", dir / "root"}}));
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"tasks"}}}, 2000));
  ASSERT_TRUE(d.call("tasks.create", {{"title", "traced"}}));
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    auto r = d.call("search.query", {{"q", "syscallprobe"}});
    found = r && !(*r)["results"].empty();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(found) << "the tracked file was not indexed";
  ASSERT_TRUE(d.call("db.backup", {{"path", dir / "b.db"}})) << d.log();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  // Under strace, DaemonProcess's process is strace: stop cairnd itself.
  ::kill(static_cast<pid_t>((*st)["pid"].get<int64_t>()), SIGTERM);
  EXPECT_EQ(d.terminate(), 0);

  std::set<std::string> made = traced_syscalls(trace);
  ASSERT_GT(made.size(), 10u) << "no system calls in " << trace;
  std::string outside;
  for (const auto& name : made) {
    if (!allowed.count(name)) outside += " " + name;
  }
  EXPECT_EQ(outside, "") << "system calls outside the unit's SystemCallFilter=";
  std::printf(
      "[ systemd ] cairnd made %zu distinct system calls, all within the unit's "
      "filter of %zu\n",
      made.size(), allowed.size());
}

// What of the unit's process settings can be applied without a user manager:
// a user namespace mapping only the user (PrivateUsers=yes), no_new_privs
// (NoNewPrivileges=yes) and UMask=0077. cairnd starts, answers, writes, and
// what it creates is private to the user.
TEST(Systemd, CairndStartsAndAnswersInAPrivateUserNamespaceWithNoNewPrivsAndUmask077) {
  if (run_command({"unshare", "--user", "--map-current-user", "true"}).status != 0) {
    GTEST_SKIP() << "unshare --user is not allowed here";
  }
  std::string service = read_text(std::string(CAIRN_BINARY_DIR) + "/systemd/cairnd.service");
  for (const char* line : {"PrivateUsers=yes", "NoNewPrivileges=yes", "UMask=0077"}) {
    ASSERT_NE(service.find(std::string("\n") + line + "\n"), std::string::npos) << line;
  }
  DaemonOptions o;
  o.wrapper = {
      "unshare", "--user", "--map-current-user",        "--", "setpriv", "--no-new-privs", "--",
      "sh",      "-c",     "umask 0077 && exec \"$@\"", "sh"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok()) << d.log();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["pid"], d.pid());
  TempDir root;
  std::ofstream(root / "a.txt") << "private\n";
  EXPECT_TRUE(d.call("files.track", {{"path", root.path()}}));
  EXPECT_TRUE(d.call("tasks.create", {{"title", "under the unit's settings"}}));
  const std::string status = read_text("/proc/" + std::to_string(d.pid()) + "/status");
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << status;
  for (const std::string& path : {d.db_path(), d.db_path() + "-wal", d.socket_path()}) {
    struct stat s {};
    ASSERT_EQ(::stat(path.c_str(), &s), 0) << path;
    EXPECT_EQ(s.st_mode & 077, 0u)
        << path << " is open to group or others: " << std::oct << (s.st_mode & 0777);
  }
  EXPECT_EQ(d.terminate(), 0);
}

// The directories `systemd-analyze --user unit-paths` lists for `env`.
std::vector<std::string> user_unit_paths(const std::map<std::string, std::string>& env) {
  // XDG_DATA_HOME and XDG_CONFIG_HOME unset: the user manager's defaults
  // under HOME (systemd takes an empty one as set).
  CommandResult r = run_command({"env", "-u", "XDG_DATA_HOME", "-u", "XDG_CONFIG_HOME",
                                 "systemd-analyze", "--user", "unit-paths"},
                                env);
  EXPECT_EQ(r.status, 0) << r.output;
  std::vector<std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// `cmake --install` of the systemd component into `prefix` with `env`.
CommandResult install_units(const std::string& prefix,
                            const std::map<std::string, std::string>& env) {
  return run_command(
      {"cmake", "--install", CAIRN_BINARY_DIR, "--prefix", prefix, "--component", "systemd"}, env);
}

TEST(Systemd, AnInstallWithAPrefixUnderHomePutsTheUnitsWhereTheUserManagerLooks) {
  if (run_command({"sh", "-c", "command -v systemd-analyze && command -v cmake"}).status != 0) {
    GTEST_SKIP() << "systemd-analyze or cmake is not installed";
  }
  TempDir home;
  ::mkdir((home / "run").c_str(), 0700);
  std::map<std::string, std::string> env = {
      {"HOME", home.path()}, {"XDG_RUNTIME_DIR", home / "run"}, {"DESTDIR", ""}};
  CommandResult r = install_units(home / ".local", env);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string dir = home / ".local/share/systemd/user";
  std::string service = read_text(dir + "/cairnd.service");
  EXPECT_NE(read_text(dir + "/cairnd.socket").find("ListenStream="), std::string::npos);
  EXPECT_NE(service.find("ExecStart=" + home / ".local/bin/cairnd "), std::string::npos)
      << "ExecStart names the cairnd of the install's prefix:\n"
      << service;
  auto paths = user_unit_paths(env);
  EXPECT_NE(std::find(paths.begin(), paths.end(), dir), paths.end())
      << dir << " is not among the user manager's unit paths:\n"
      << ::testing::PrintToString(paths);
}

TEST(Systemd, AnInstallToUsrLocalPutsTheUnitsWhereTheUserManagerLooks) {
  if (run_command({"sh", "-c", "command -v systemd-analyze && command -v cmake"}).status != 0) {
    GTEST_SKIP() << "systemd-analyze or cmake is not installed";
  }
  TempDir dest;
  ::mkdir((dest / "run").c_str(), 0700);
  std::map<std::string, std::string> env = {
      {"HOME", dest / "home"}, {"XDG_RUNTIME_DIR", dest / "run"}, {"DESTDIR", dest.path()}};
  CommandResult r = install_units("/usr/local", env);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(read_text(dest / "usr/local/lib/systemd/user/cairnd.service")
                .find("ExecStart=/usr/local/bin/cairnd "),
            std::string::npos);
  auto paths = user_unit_paths(env);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/usr/local/lib/systemd/user"), paths.end())
      << ::testing::PrintToString(paths);
}

}  // namespace
}  // namespace cairn::testing
