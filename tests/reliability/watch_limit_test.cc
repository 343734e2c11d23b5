// Row 24 of ../shared/RELIABILITY.md: the inotify watch limit is exhausted.
// fs.inotify.max_user_watches is set to 200 while a tree of 1000 directories
// is tracked, then put back. The limit counts every watch of the user (uid 0
// here: other daemons and tests running beside this one too), so it is low
// only from just before the track until the root is seen degraded and a file
// found by the periodic rescan; a guard restores it whatever happens.
// Helpers in tests/support/files_helpers.h.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

// 10 x 10 x 10 leaf directories (1,110 in all), a file in each leaf.
std::string leaf(int i) {
  return "a" + std::to_string(i / 100) + "/b" + std::to_string(i / 10 % 10) + "/c" +
         std::to_string(i % 10);
}

TEST(Row24, OutOfWatchesTheRootSaysDegradedIsRescannedAndRecoversOnceTheLimitIsRaised) {
  if (::geteuid() != 0) GTEST_SKIP() << "setting fs.inotify.max_user_watches needs root";
  TempDir t;
  const std::string root = t / "root";
  const int leaves = 1000;
  std::vector<std::string> argv{"mkdir", "-p"};
  for (int i = 0; i < leaves; ++i) argv.push_back(root + "/" + leaf(i));
  ASSERT_EQ(run_command(argv).status, 0);
  for (int i = 0; i < leaves; ++i) write_file(root + "/" + leaf(i) + "/f.txt", leaf(i) + "\n");
  DaemonProcess d;
  // Degraded roots are rescanned every second (the default is 60 s).
  write_file(d.home() + "/cairnd.toml", "watch_degraded_scan_s = 1\n");
  ASSERT_TRUE(d.start().is_ok());

  ProcSysGuard watches("fs/inotify/max_user_watches");
  int64_t low_at = monotonic_ms();
  if (!watches.set("200")) {
    GTEST_SKIP() << watches.path() << " is not writable here: " << std::strerror(errno);
  }
  ASSERT_TRUE(d.call("files.track", {{"path", root}}).has_value());
  // Never "watching" while watches are missing: scanning, then degraded.
  std::string claimed;
  bool degraded = wait_until(
      [&] {
        std::string st = state_of(d, root);
        if (st == "watching") claimed = "watching";
        return st == "degraded";
      },
      20000);
  Json r = root_json(d, root);
  Json s = status_files(d);
  std::string why = r["last_error"].is_string() ? r["last_error"].get<std::string>() : "";
  // The periodic rescan stands in for the missing watches: a new file in an
  // unwatched leaf is found without any event.
  int64_t t_new = monotonic_ms();
  write_file(root + "/" + leaf(leaves - 1) + "/while-degraded.txt", "new\n");
  bool found_degraded = wait_until(
      [&] {
        return get(d, root + "/" + leaf(leaves - 1) + "/while-degraded.txt")["status"] == "ok";
      },
      10000);
  int64_t found_ms = monotonic_ms() - t_new;
  std::string state_low = state_of(d, root);
  watches.restore();
  int64_t low_ms = monotonic_ms() - low_at;

  EXPECT_TRUE(degraded) << r.dump();
  EXPECT_EQ(claimed, "") << "the root said watching while out of watches";
  EXPECT_NE(why.find("watch limit"), std::string::npos) << r;
  EXPECT_EQ(s["roots_degraded"], 1) << s.dump();
  EXPECT_LT(r["watches"].get<int64_t>(), 1111) << r;
  EXPECT_TRUE(found_degraded) << "the periodic rescan did not find a new file";
  EXPECT_EQ(state_low, "degraded");
  // Every file was scanned all the same.
  EXPECT_EQ(all_rows(d, root).size(), static_cast<size_t>(leaves + 1));
  expect_ping_within_100ms(d);

  // The limit is back: the next degraded rescan watches everything.
  int64_t t_up = monotonic_ms();
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "watching"; }, 20000))
      << root_json(d, root).dump();
  int64_t recovered_ms = monotonic_ms() - t_up;
  Json after = root_json(d, root);
  EXPECT_EQ(after["watches"], 1111) << after;
  EXPECT_TRUE(after["last_error"].is_null()) << after;
  // Watched again: a file in the deepest, last leaf is seen by its event, with
  // no rescan (healthy roots are not rescanned but hourly).
  int64_t events0 = status_files(d)["events"].get<int64_t>();
  int64_t scans0 = status_files(d)["scans"].get<int64_t>();
  int64_t t_evt = monotonic_ms();
  write_file(root + "/" + leaf(leaves - 1) + "/after.txt", "after\n");
  EXPECT_TRUE(wait_until(
      [&] { return get(d, root + "/" + leaf(leaves - 1) + "/after.txt")["status"] == "ok"; },
      10000));
  int64_t event_ms = monotonic_ms() - t_evt;
  EXPECT_GT(status_files(d)["events"].get<int64_t>(), events0);
  EXPECT_EQ(status_files(d)["scans"].get<int64_t>(), scans0);
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  std::printf(
      "[ row 24 ] max_user_watches 200 (was %s) for %lld ms: root degraded with %lld of "
      "1111 watches (\"%s\"), a new file found by the periodic rescan after %lld ms; limit "
      "back: watching with %lld watches after %lld ms, a new deep file seen by its event "
      "after %lld ms\n",
      watches.old_value().c_str(), static_cast<long long>(low_ms),
      static_cast<long long>(r["watches"].get<int64_t>()), why.substr(0, 40).c_str(),
      static_cast<long long>(found_ms), static_cast<long long>(after["watches"].get<int64_t>()),
      static_cast<long long>(recovered_ms), static_cast<long long>(event_ms));
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace cairn::testing
