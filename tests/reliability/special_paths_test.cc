// Row 34 of ../shared/RELIABILITY.md, the tracked-path part: special files and
// pseudo filesystems named as a root, or met inside one. Nothing blocks, the
// refusal is clear and quick, and shutdown never waits on a read.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

struct BindGuard {
  std::string target;
  bool mounted = false;
  ~BindGuard() {
    if (mounted) ::umount2(target.c_str(), MNT_DETACH);
  }
};

// files.track of a FIFO, /dev/zero, /proc and files in it, /sys, a cgroup
// directory and a symlink to /proc: each INVALID_PARAMS within a second, its
// message naming the path and why (not a directory or regular file, or the
// pseudo filesystem it is on); no root is added. A plain directory is tracked.
TEST(Row34, SpecialFilesAndPseudoFilesystemsAsATrackedPathAreRefusedWithinASecond) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  const std::string fifo = t / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string link = t / "proc-link";
  ASSERT_EQ(::symlink("/proc", link.c_str()), 0);
  struct Case {
    std::string path;
    std::string says;
  };
  std::vector<Case> cases = {{fifo, "not a directory or regular file"},
                             {"/dev/zero", "not a directory or regular file"},
                             {"/proc", "proc filesystem"},
                             {"/proc/self", "proc filesystem"},
                             {"/proc/self/pagemap", "proc filesystem"},
                             {"/proc/self/status", "proc filesystem"},
                             {link, "proc filesystem"}};
  struct stat st {};
  if (::stat("/sys/kernel", &st) == 0) cases.push_back({"/sys/kernel", "sysfs filesystem"});
  // cgroup v2 mounts /sys/fs/cgroup itself; v1 a tmpfs there with one mount a
  // controller.
  for (const char* cg : {"/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu"}) {
    struct statfs sf {};
    if (::statfs(cg, &sf) == 0 && (sf.f_type == 0x63677270 || sf.f_type == 0x27e0eb)) {
      cases.push_back({cg, "cgroup"});
      break;
    }
  }
  int64_t slowest = 0;
  for (const auto& c : cases) {
    int64_t t0 = monotonic_ms();
    auto r = d.call("files.track", {{"path", c.path}});
    int64_t took = monotonic_ms() - t0;
    slowest = std::max(slowest, took);
    ASSERT_FALSE(r) << c.path << " was tracked";
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << c.path << ": " << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
    EXPECT_LT(took, 1000) << c.path;
  }
  auto roots = d.call("files.roots");
  ASSERT_TRUE(roots);
  EXPECT_TRUE((*roots)["roots"].empty()) << roots->dump();
  const std::string dir = t / "dir";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  write_file(dir + "/a.txt", "a\n");
  track(d, dir);
  EXPECT_EQ(listed(d, dir).size(), 1u);
  expect_ping_within_100ms(d);
  std::printf("[ row 34 ] %zu special or pseudo paths refused, slowest %lld ms\n", cases.size(),
              static_cast<long long>(slowest));
  EXPECT_EQ(d.terminate(), 0);
}

// A root holding a bind mount of /proc: the scan does not enter it (no row
// below it), finishes, says which mount it left out, and a second root tracked
// at the same time is scanned too. Skips without mount permission.
TEST(Row34, AProcMountInsideARootIsLeftOutAndTheScanFinishes) {
  TempDir t;
  const std::string root = t / "root";
  const std::string other = t / "other";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(other.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/p").c_str(), 0755), 0);
  write_file(root + "/a.txt", "a\n");
  write_file(other + "/b.txt", "b\n");
  BindGuard bind{root + "/p"};
  bind.mounted = ::mount("/proc", bind.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0;
  if (!bind.mounted) GTEST_SKIP() << "mount --bind /proc needs root: " << std::strerror(errno);
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t t0 = monotonic_ms();
  auto r = d.call("files.track", {{"path", root}});
  ASSERT_TRUE(r) << r.status().to_string();
  track(d, other);
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "watching"; }, 20000))
      << root_json(d, root).dump();
  int64_t took = monotonic_ms() - t0;
  EXPECT_EQ(listed(d, root), (std::set<std::string>{"a.txt"}));
  EXPECT_EQ(listed(d, other).size(), 1u);
  Json row = root_json(d, root);
  std::string error = row["last_error"].is_string() ? row["last_error"].get<std::string>() : "";
  EXPECT_NE(error.find(root + "/p (proc)"), std::string::npos) << row.dump();
  expect_ping_within_100ms(d);
  std::printf("[ row 34 ] root with /proc bound inside: scanned in %lld ms, %s\n",
              static_cast<long long>(took), error.c_str());
  t0 = monotonic_ms();
  EXPECT_EQ(d.terminate(5000), 0);
  EXPECT_LT(monotonic_ms() - t0, 5000);
}

// A hash in progress does not hold up SIGTERM: a 64 GiB sparse file with no
// hash cap (hash_max_bytes = 0) takes far longer to read than the shutdown
// may; SIGTERM once the read has begun exits 0 within 5 s.
TEST(Row34, SigtermDuringALongHashExitsWithinTheDeadline) {
  TempDir t;
  const std::string root = t / "root";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  const std::string big = root + "/big.bin";
  ASSERT_EQ(run_command({"truncate", "-s", "64G", big}).status, 0);
  DaemonProcess d;
  write_file(d.home() + "/cairnd.toml", "hash_max_bytes = 0\nhash_threads = 1\n");
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("files.track", {{"path", root}});
  ASSERT_TRUE(r) << r.status().to_string();
  // The read has begun: the scan handed the file to a hasher.
  EXPECT_TRUE(wait_until(
      [&] {
        Json row = root_json(d, root);
        return row.is_object() && row["progress"]["to_hash"] == 1;
      },
      10000))
      << root_json(d, root).dump();
  ::usleep(300 * 1000);
  EXPECT_EQ(state_of(d, root), "scanning");
  int64_t t0 = monotonic_ms();
  int rc = d.terminate(20000);
  int64_t took = monotonic_ms() - t0;
  EXPECT_EQ(rc, 0);
  EXPECT_LT(took, 5000);
  std::printf("[ row 34 ] SIGTERM during the hash of a 64 GiB file: exit %d after %lld ms\n", rc,
              static_cast<long long>(took));
}

}  // namespace
}  // namespace cairn::testing
