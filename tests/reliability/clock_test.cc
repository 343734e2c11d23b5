// Row 29 of ../shared/RELIABILITY.md: wall-clock jumps (libfaketime) and odd
// file timestamps (1970, 2100) under the real daemon.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

int year_of(const std::string& iso) { return iso.size() >= 4 ? std::stoi(iso.substr(0, 4)) : 0; }

// The checks made under each faked wall clock. Returns a line of figures.
std::string check_under_clock(DaemonProcess& d, const std::string& root, const std::string& tag) {
  char line[512];
  // The wall clock the daemon sees.
  auto task = d.call("tasks.create", {{"title", "clock " + tag}});
  EXPECT_TRUE(task.has_value()) << task.status().to_string();
  int year = task ? year_of((*task)["created_at"].get<std::string>()) : 0;

  // Change detection by stat equality: a new file and a content change whose
  // mtime moves backwards (to 1970), or stays in 2100.
  const std::string back = root + "/back-" + tag, future = root + "/future-" + tag;
  write_file(back, "first " + tag + "\n");
  write_file(future, "first " + tag + "\n");
  EXPECT_EQ(run_command({"touch", "-d", "@4102444800", future}).status, 0);  // 2100-01-01
  EXPECT_TRUE(wait_until(
      [&] {
        Json f = get(d, future);
        return f["sha256"] == sha256sum(future) && f["mtime_ns"] == int64_t{4102444800} * 1000000000;
      },
      5000))
      << "a file dated 2100: " << get(d, future).dump();
  EXPECT_TRUE(wait_until([&] { return get(d, back)["sha256"] == sha256sum(back); }, 5000));
  write_file(back, "other " + tag + "\n");  // same size, new bytes
  EXPECT_EQ(run_command({"touch", "-d", "@0", back}).status, 0);  // 1970-01-01
  write_file(future, "changed later " + tag + "\n");  // now older than 2100
  EXPECT_TRUE(wait_until([&] { return get(d, back)["sha256"] == sha256sum(back); }, 5000))
      << "a change dated 1970 was missed: " << get(d, back).dump();
  EXPECT_TRUE(wait_until([&] { return get(d, future)["sha256"] == sha256sum(future); }, 5000))
      << "a change to a file dated 2100 was missed: " << get(d, future).dump();
  EXPECT_EQ(get(d, back)["mtime_ns"], 0);

  // The index worker still indexes a new file promptly.
  const std::string word = "clockword" + tag;
  int64_t t0 = monotonic_ms();
  write_file(root + "/note-" + tag + ".txt", "a note with " + word + " in it\n");
  bool found = wait_until(
      [&] {
        auto r = d.call("search.query", {{"q", word}});
        return r && !(*r)["results"].empty();
      },
      15000);
  int64_t index_ms = monotonic_ms() - t0;
  EXPECT_TRUE(found) << "search did not find " << word;

  // The read deadline still cuts a connection that sends half a request.
  auto c = d.client();
  std::string req = ipc::encode_request(1, "daemon.ping", Json::array());
  (void)c.send_raw(req.substr(0, 2));
  t0 = monotonic_ms();
  pollfd p{c.fd(), POLLIN, 0};
  bool closed = false;
  while (!closed && monotonic_ms() - t0 < 6000) {
    if (::poll(&p, 1, 100) > 0) {
      char b;
      closed = ::recv(c.fd(), &b, 1, MSG_DONTWAIT) == 0;
    }
  }
  int64_t cut_ms = monotonic_ms() - t0;
  EXPECT_TRUE(closed) << "the read deadline never cut a half request";
  EXPECT_GE(cut_ms, 500);

  // Idle: no timer storm.
  pid_t pid = daemon_pid(d);
  int64_t c0 = cpu_ticks(pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int64_t idle_ticks = cpu_ticks(pid) - c0;
  EXPECT_LT(idle_ticks, 20) << "CPU ticks in 2 s idle";
  expect_ping_within_100ms(d);
  std::snprintf(line, sizeof line,
                "daemon's year %d; 1970 and 2100 changes detected; new file searchable after "
                "%lld ms; half request cut after %lld ms; %lld CPU ticks in 2 s idle",
                year, static_cast<long long>(index_ms), static_cast<long long>(cut_ms),
                static_cast<long long>(idle_ticks));
  return line;
}

const char* kClockConfig = "read_deadline_ms = 1000\nindex_interval_s = 2\n";

const char* kFaketimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

// libfaketime as `faketime -m --exclude-monotonic -f OFFSET` sets it up, but
// without the faketime program in between: it forks and does not pass SIGTERM
// on, so the daemon would outlive a stop. Only the wall clock is faked
// (CLOCK_REALTIME, time(2), gettimeofday): real CLOCK_MONOTONIC never jumps, so
// faking it would not be a clock jump. File timestamps from stat(2) stay real
// (NO_FAKE_STAT), as they do after a real jump.
DaemonOptions under_faketime(std::map<std::string, std::string> env) {
  DaemonOptions o;
  o.env = std::move(env);
  o.env["LD_PRELOAD"] = kFaketimeLib;
  o.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
  o.env["NO_FAKE_STAT"] = "1";
  return o;
}

TEST(Row29, TenYearsAheadThenOneYearBackTimersDeadlinesAndChangeDetectionHold) {
  if (::access(kFaketimeLib, R_OK) != 0) {
    GTEST_SKIP() << kFaketimeLib << " is not installed (Debian faketime, scripts/deps.sh)";
  }
  TempDir t;
  DaemonProcess d(under_faketime({{"FAKETIME", "+10y"}}));
  write_file(d.home() + "/cairnd.toml", kClockConfig);
  ASSERT_TRUE(d.start().is_ok()) << d.log();
  track(d, t.path());
  std::string ahead = check_under_clock(d, t.path(), "ahead");
  ASSERT_EQ(d.terminate(), 0);
  // The same database one year behind real time: its rows are 11 years ahead.
  DaemonProcess b(d, under_faketime({{"FAKETIME", "-1y"}}));
  ASSERT_TRUE(b.start().is_ok()) << b.log();
  EXPECT_TRUE(wait_until([&] { return state_of(b, t.path()) == "watching"; }, 20000));
  EXPECT_EQ(rows_unlike_the_files(b, t.path()), std::vector<std::string>{});
  std::string behind = check_under_clock(b, t.path(), "behind");
  std::printf("[ row 29 ] faketime +10y: %s\n", ahead.c_str());
  std::printf("[ row 29 ] faketime -1y (restart on the same data): %s\n", behind.c_str());
  EXPECT_EQ(b.terminate(), 0);
}

TEST(Row29, WallClockJumpsWhileRunningNeitherStormNorStall) {
  if (::access(kFaketimeLib, R_OK) != 0) {
    GTEST_SKIP() << kFaketimeLib << " is not installed (Debian faketime, scripts/deps.sh)";
  }
  TempDir t;
  TempDir clock;
  const std::string rc = clock / "faketimerc";
  write_file(rc, "+0\n");
  // The offset is read from a file, again at most a second after it changes.
  DaemonProcess d(
      under_faketime({{"FAKETIME_TIMESTAMP_FILE", rc}, {"FAKETIME_CACHE_DURATION", "1"}}));
  write_file(d.home() + "/cairnd.toml", kClockConfig);
  ASSERT_TRUE(d.start().is_ok()) << d.log();
  track(d, t.path());
  std::string now = check_under_clock(d, t.path(), "now");
  write_file(rc, "+10y\n");  // forwards 10 years, while running
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::string fwd = check_under_clock(d, t.path(), "jumpedahead");
  write_file(rc, "-1y\n");  // backwards 11 years, while running
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::string bwd = check_under_clock(d, t.path(), "jumpedback");
  std::printf("[ row 29 ] running, real clock: %s\n", now.c_str());
  std::printf("[ row 29 ] running, jumped +10y: %s\n", fwd.c_str());
  std::printf("[ row 29 ] running, jumped to -1y: %s\n", bwd.c_str());
  EXPECT_EQ(rows_unlike_the_files(d, t.path()), std::vector<std::string>{});
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace cairn::testing
