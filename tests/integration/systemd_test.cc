// cairnd under systemd: the unit files verify, socket activation hands cairnd
// its listening socket, and sd_notify reaches NOTIFY_SOCKET with READY=1,
// watchdog pings and STOPPING=1. None of this needs a running user manager.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "base/clock.h"
#include "base/fd.h"
#include "tests/support/daemon_process.h"
#include "tests/support/notify_socket.h"
#include "tests/support/probes.h"
#include "tests/support/systemd_units.h"

namespace cairn::testing {
namespace {

TEST(Systemd, UnitsPassSystemdAnalyzeVerify) {
  TempDir dir;
  // ExecStart names the installed cairnd; verify against the one just built.
  std::string service = write_built_units(dir);
  auto r = run_command({"systemd-analyze", "verify", "--user", dir / "cairnd.socket",
                        dir / "cairnd.service"},
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

}  // namespace
}  // namespace cairn::testing
