// Row 28 of ../shared/RELIABILITY.md: a watched root removed, renamed or
// unmounted, then back (helpers in tests/support/files_helpers.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"
#include "tests/support/tmpfs_mount.h"

namespace cairn::testing {
namespace {

// Error roots are rescanned every second here (the default is 60 s).
const char* kFastRecovery = "watch_degraded_scan_s = 1\n";

void expect_missing(DaemonProcess& d, const std::string& root, const std::vector<std::string>& files) {
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "error"; }, 10000)) << state_of(d, root);
  Json r = root_json(d, root);
  EXPECT_NE(r.value("last_error", Json("")).dump().find(root), std::string::npos) << r.dump();
  for (const auto& f : files) {
    EXPECT_TRUE(wait_until([&] { return get(d, root + "/" + f)["status"] == "deleted"; }, 5000))
        << f << ": " << get(d, root + "/" + f).dump();
  }
  EXPECT_TRUE(listed(d, root).empty());
  // Its watches are cancelled: none left for the root, none in the daemon.
  EXPECT_TRUE(wait_until([&] { return root_json(d, root)["watches"] == 0; }, 5000))
      << root_json(d, root).dump();
  EXPECT_TRUE(wait_until([&] { return status_files(d)["watches"] == 0; }, 5000))
      << status_files(d).dump();
  expect_ping_within_100ms(d);
}

// Times how long a new file in the (re-created) root takes to be listed.
int64_t expect_resumes(DaemonProcess& d, const std::string& root, const std::string& name) {
  int64_t t0 = monotonic_ms();
  write_file(root + "/" + name, name + "\n");
  EXPECT_TRUE(wait_until([&] { return get(d, root + "/" + name)["status"] == "ok"; }, 15000))
      << get(d, root + "/" + name).dump() << root_json(d, root).dump();
  int64_t took = monotonic_ms() - t0;
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "watching"; }, 5000));
  // Watched again, not only rescanned: a second file is seen by its event.
  EXPECT_GE(root_json(d, root)["watches"].get<int64_t>(), 1);
  write_file(root + "/" + name + ".2", "again\n");
  EXPECT_TRUE(wait_until([&] { return get(d, root + "/" + name + ".2")["status"] == "ok"; }, 5000));
  return took;
}

void populate(const std::string& root) {
  ::mkdir(root.c_str(), 0755);
  ::mkdir((root + "/sub").c_str(), 0755);
  write_file(root + "/a.txt", "a\n");
  write_file(root + "/sub/b.txt", "b\n");
}

// `d` started with the fast recovery settings, tracking `root` with its two files.
void start_and_track(DaemonProcess& d, const std::string& root) {
  write_file(d.home() + "/cairnd.toml", kFastRecovery);
  ASSERT_TRUE(d.start().is_ok());
  populate(root);
  track(d, root);
}

TEST(Row28, ARemovedRootIsMarkedMissingItsFilesDeletedAndARecreatedRootIsWatched) {
  TempDir t;
  DaemonProcess d;
  const std::string root = t / "root";
  ASSERT_NO_FATAL_FAILURE(start_and_track(d, root));
  ASSERT_EQ(listed(d, root).size(), 2u);
  int64_t t0 = monotonic_ms();
  ASSERT_EQ(run_command({"rm", "-rf", root}).status, 0);
  expect_missing(d, root, {"a.txt", "sub/b.txt"});
  int64_t noticed = monotonic_ms() - t0;
  std::string error = root_json(d, root).value("last_error", Json("")).dump();
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  int64_t resumed = expect_resumes(d, root, "new.txt");
  std::printf("[ row 28 ] rm -rf: state error after %lld ms (%s), re-created root listed a new file "
              "after %lld ms\n",
              static_cast<long long>(noticed), error.c_str(), static_cast<long long>(resumed));
}

TEST(Row28, ARenamedRootIsMarkedMissingItsWatchesCancelledAndMovingItBackResumes) {
  TempDir t;
  DaemonProcess d;
  const std::string root = t / "root";
  ASSERT_NO_FATAL_FAILURE(start_and_track(d, root));
  int64_t t0 = monotonic_ms();
  ASSERT_EQ(::rename(root.c_str(), (t / "moved").c_str()), 0);
  expect_missing(d, root, {"a.txt", "sub/b.txt"});
  int64_t noticed = monotonic_ms() - t0;
  // Writes in the moved tree are not the root's any more.
  write_file(t / "moved/sub/after-move.txt", "x\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(get(d, root + "/sub/after-move.txt").is_null() ||
              get(d, root + "/sub/after-move.txt")["status"] == "deleted");
  EXPECT_TRUE(get(d, t / "moved/sub/after-move.txt").is_null());
  // Moved back: the rows come back to life and the root is watched again.
  ASSERT_EQ(::rename((t / "moved").c_str(), root.c_str()), 0);
  int64_t resumed = expect_resumes(d, root, "new.txt");
  EXPECT_EQ(get(d, root + "/a.txt")["status"], "ok");
  EXPECT_EQ(get(d, root + "/sub/after-move.txt")["status"], "ok");
  std::printf("[ row 28 ] mv: state error after %lld ms, watches 0; moved back, a new file listed "
              "after %lld ms\n",
              static_cast<long long>(noticed), static_cast<long long>(resumed));
}

TEST(Row28, AnUnmountedTmpfsRootLosesItsFilesAndARemountIsWatchedAgain) {
  TempDir t;
  const std::string root = t / "mnt";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  TmpfsMount m{root};
  if (!m.mount()) {
    GTEST_SKIP() << "mount -t tmpfs needs root or CAP_SYS_ADMIN: " << std::strerror(errno);
  }
  DaemonProcess d;
  ASSERT_NO_FATAL_FAILURE(start_and_track(d, root));
  ASSERT_EQ(listed(d, root).size(), 2u);
  int64_t t0 = monotonic_ms();
  ASSERT_TRUE(m.unmount()) << std::strerror(errno);
  for (const char* f : {"a.txt", "sub/b.txt"}) {
    EXPECT_TRUE(wait_until([&] { return get(d, root + "/" + f)["status"] == "deleted"; }, 10000))
        << f << ": " << get(d, root + "/" + f).dump();
  }
  int64_t noticed = monotonic_ms() - t0;
  EXPECT_TRUE(listed(d, root).empty());
  expect_ping_within_100ms(d);
  // What is left is the empty mount point: an existing directory, watched.
  std::string state_after = state_of(d, root);
  ASSERT_TRUE(m.mount());
  int64_t resumed = expect_resumes(d, root, "new.txt");
  EXPECT_TRUE(m.unmount());
  std::printf("[ row 28 ] umount: files deleted after %lld ms, root state %s; remounted, a new file "
              "listed after %lld ms\n",
              static_cast<long long>(noticed), state_after.c_str(), static_cast<long long>(resumed));
}

}  // namespace
}  // namespace cairn::testing
