// cairnd under systemd: the unit files verify, socket activation hands cairnd
// its listening socket, and sd_notify reaches NOTIFY_SOCKET with READY=1,
// watchdog pings and STOPPING=1. None of this needs a running user manager.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

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

}  // namespace
}  // namespace cairn::testing
