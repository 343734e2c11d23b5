// The daemon's life: start, answer, refuse a second instance, survive kill -9,
// recover a stale socket, stop cleanly, run background threads at a lower
// priority.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/thread_priority.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

TEST(Lifecycle, AnswersHelloPingAndStatus) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto hello = d.call("daemon.hello");
  ASSERT_TRUE(hello) << hello.status().to_string();
  EXPECT_EQ((*hello)["protocol"], 1);
  EXPECT_FALSE((*hello)["version"].get<std::string>().empty());
  auto caps = (*hello)["capabilities"];
  EXPECT_NE(std::find(caps.begin(), caps.end(), "prefs"), caps.end());
  auto ping = d.call("daemon.ping", Json::object());
  ASSERT_TRUE(ping);
  EXPECT_EQ(*ping, "pong");
  auto status = d.call("daemon.status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["pid"], d.pid());
  EXPECT_EQ((*status)["database"]["path"], d.db_path());
  EXPECT_EQ((*status)["database"]["state"], "ok");
  EXPECT_GE((*status)["database"]["schema_version"].get<int>(), 1);
}

TEST(Lifecycle, ErrorsNameTheirCodeAndTheOffendingKey) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto unknown = d.call("no.such_method");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.status().code(), Code::kMethodNotFound);
  auto bad = d.call("daemon.ping", {{"verbose", true}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), Code::kInvalidParams);
  EXPECT_NE(bad.status().message().find("verbose"), std::string::npos);
}

TEST(Lifecycle, SocketIsPrivateToItsOwner) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  struct stat st {};
  ASSERT_EQ(::stat(d.socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((d.home() + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(Lifecycle, SecondDaemonOnTheSameDataDirExitsAtOnce) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  DaemonOptions other_socket;
  other_socket.args = {"--socket", a.home() + "/run/other.sock"};
  DaemonProcess b(a, other_socket);
  int64_t start = monotonic_ms();
  int rc = b.run_to_exit(5000);
  EXPECT_EQ(rc, 3);
  EXPECT_LT(monotonic_ms() - start, 1000);
  EXPECT_NE(b.log().find("already running"), std::string::npos);
  // A's socket is untouched and still answers.
  EXPECT_TRUE(a.call("daemon.ping"));
}

TEST(Lifecycle, SecondDaemonOnTheSameSocketNeverUnlinksIt) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  TempDir other_data;
  DaemonOptions o;
  o.args = {"--data-dir", other_data.path()};
  DaemonProcess b(a, o);
  EXPECT_EQ(b.run_to_exit(5000), 3);
  EXPECT_NE(b.log().find("already using"), std::string::npos);
  EXPECT_TRUE(a.call("daemon.ping"));
}

TEST(Lifecycle, RestartsAfterKill9WithTheStaleSocketLeftBehind) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  ASSERT_TRUE(a.call("prefs.set", {{"category", "c"}, {"key", "k"}, {"value", 1}}));
  a.kill9();
  struct stat st {};
  ASSERT_EQ(::stat(a.socket_path().c_str(), &st), 0) << "kill -9 leaves the socket file";
  DaemonProcess b(a, {});
  int64_t start = monotonic_ms();
  ASSERT_TRUE(b.start().is_ok());
  EXPECT_LT(monotonic_ms() - start, 2000);
  auto v = b.call("prefs.get", {{"category", "c"}, {"key", "k"}});
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["value"], 1);
}

TEST(Lifecycle, RefusesARegularFileOrSymlinkAtTheSocketPath) {
  for (bool symlink : {false, true}) {
    DaemonProcess d;
    ::mkdir((d.home() + "/run").c_str(), 0700);
    if (symlink) {
      ASSERT_EQ(::symlink("/etc/passwd", d.socket_path().c_str()), 0);
    } else {
      std::ofstream(d.socket_path()) << "precious";
    }
    EXPECT_EQ(d.run_to_exit(5000), 3);
    EXPECT_NE(d.log().find("not a socket"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::lstat(d.socket_path().c_str(), &st), 0);
    if (symlink) {
      EXPECT_TRUE(S_ISLNK(st.st_mode));
    } else {
      std::ifstream in(d.socket_path());
      std::string text;
      in >> text;
      EXPECT_EQ(text, "precious");
    }
  }
}

TEST(Lifecycle, SigtermExitsZeroAndRemovesTheSocket) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  EXPECT_EQ(d.terminate(5000), 0);
  struct stat st {};
  EXPECT_NE(::stat(d.socket_path().c_str(), &st), 0);
}

TEST(Lifecycle, ShutdownMethodRepliesThenStops) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("daemon.shutdown");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ((*r)["stopping"], true);
  int64_t deadline = monotonic_ms() + 5000;
  while (d.running() && monotonic_ms() < deadline) ::usleep(10000);
  EXPECT_FALSE(d.running());
}

// Background work (index, crawl, hash) yields the CPU to the threads that
// answer clients: its threads run kBackgroundNice nice levels below the others.
// Each thread's nice value, by thread name.
std::map<std::string, std::set<int>> nice_by_thread_name(pid_t pid) {
  std::map<std::string, std::set<int>> out;
  std::error_code ec;
  for (const auto& t :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream comm(t.path() / "comm"), stat(t.path() / "stat");
    std::string name, line;
    if (!std::getline(comm, name) || !std::getline(stat, line)) continue;  // it ended
    // Field 19 is the nice value; fields count on after the ")" that ends the name.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
    }
    out[name].insert(std::stoi(field));
  }
  return out;
}

TEST(Lifecycle, BackgroundThreadsRunAtALowerPriorityThanTheOnesThatAnswer) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  const std::vector<std::string> answering = {"cairn-writer", "cairn-read-0", "cairn-read-1"};
  const std::vector<std::string> background = {"cairn-index", "cairn-crawl", "cairn-hash"};
  // Threads start and name themselves after the daemon answers: wait until every
  // one is named (an unnamed one still shows as "cairnd").
  std::map<std::string, std::set<int>> nice;
  int64_t deadline = monotonic_ms() + 10000;
  for (;;) {
    nice = nice_by_thread_name(d.pid());
    bool all = nice["cairnd"].size() == 1;
    for (const auto& n : answering) all &= nice.count(n) > 0;
    for (const auto& n : background) all &= nice.count(n) > 0;
    if (all || monotonic_ms() > deadline) break;
    ::usleep(20000);
  }
  ASSERT_EQ(nice["cairnd"].size(), 1u);
  int normal = *nice["cairnd"].begin();  // the test's own, inherited
  for (const auto& n : answering) EXPECT_EQ(nice[n], std::set<int>{normal}) << n;
  for (const auto& n : background) {
    EXPECT_EQ(nice[n], std::set<int>{std::min(normal + kBackgroundNice, 19)}) << n;
  }
}

}  // namespace
}  // namespace cairn::testing
