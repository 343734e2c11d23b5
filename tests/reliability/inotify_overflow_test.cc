// Row 23 of ../shared/RELIABILITY.md: the kernel's inotify queue overflows.
// cairnd starts with fs.inotify.max_queued_events = 64 (the queue's size is
// fixed when the daemon opens inotify; the old value goes back right after,
// and in any case when the test ends), is stopped with SIGSTOP while files are
// created, rewritten and deleted, then continued (Watchman's
// test_force_recrawl pattern). Helpers in tests/support/files_helpers.h.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

bool put(const std::string& path, const std::string& text) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd.valid() &&
         ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// Same length for every version of a file: a rewrite changes only content and
// mtime, the sharpest case for change detection.
std::string content(int i, int version) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "file %06d version %d\n", i, version);
  return buf;
}

std::string name_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "d%02d/f%06d", i % 50, i);
  return buf;
}

// Polls until the root's live rows are exactly `want` (relative path ->
// sha256), for up to `ms`; how many rows differ at the end.
size_t converge(DaemonProcess& d, const std::string& root,
                const std::map<std::string, std::string>& want, int ms) {
  int64_t end = monotonic_ms() + ms;
  size_t wrong = SIZE_MAX;
  do {
    auto rows = all_rows(d, root);
    wrong = 0;
    for (const auto& [rel, sha] : want) {
      auto it = rows.find(root + "/" + rel);
      wrong += it == rows.end() || it->second["sha256"] != sha;
    }
    wrong += rows.size() > want.size() ? rows.size() - want.size() : 0;
    if (wrong == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  } while (monotonic_ms() < end);
  return wrong;
}

TEST(Row23, AnOverflowedQueueIsCountedLoggedAndRescannedToTheExactFilesAndHashes) {
  if (::geteuid() != 0) GTEST_SKIP() << "setting fs.inotify.max_queued_events needs root";
  // 20,000 operations (the matrix): a tenth of them rewrites, a tenth
  // deletions of files tracked before, the rest creations.
  const int ops = env_int("CAIRN_OVERFLOW_OPS", 20000);
  const int before = ops / 5, rewrites = ops / 10, deletions = ops / 10;
  const int creations = ops - rewrites - deletions;
  TempDir t;
  const std::string root = t / "root";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  for (int i = 0; i < 50; ++i) ::mkdir((root + "/" + name_of(i).substr(0, 3)).c_str(), 0755);
  std::map<std::string, std::string> want;
  for (int i = 0; i < before; ++i) {
    ASSERT_TRUE(put(root + "/" + name_of(i), content(i, 1)));
    want[name_of(i)] = sha256_of(content(i, 1));
  }

  ProcSysGuard queue("fs/inotify/max_queued_events");
  if (!queue.set("64")) {
    GTEST_SKIP() << queue.path() << " is not writable here: " << std::strerror(errno);
  }
  DaemonProcess d;
  Status started = d.start();
  // The daemon's queue is sized now; other programs get the usual one back.
  queue.restore();
  ASSERT_TRUE(started.is_ok()) << started.to_string();
  track(d, root);
  ASSERT_EQ(converge(d, root, want, 60000), 0u);
  ASSERT_EQ(status_files(d)["overflows"], 0);

  // The small queue is the daemon's: 100 new files while it is stopped (300+
  // events, far under the default 16,384) overflow it.
  d.signal(SIGSTOP);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(put(root + "/probe" + std::to_string(i), "probe\n"));
    want["probe" + std::to_string(i)] = sha256_of("probe\n");
  }
  d.signal(SIGCONT);
  EXPECT_TRUE(wait_until([&] { return status_files(d)["overflows"] >= 1; }, 10000))
      << "no overflow with max_queued_events=64: " << status_files(d).dump();
  ASSERT_EQ(converge(d, root, want, 60000), 0u);

  // The row: stopped through 20,000 operations.
  int64_t overflows0 = status_files(d)["overflows"].get<int64_t>();
  int64_t scans0 = status_files(d)["scans"].get<int64_t>();
  d.signal(SIGSTOP);
  int64_t t_ops = monotonic_ms();
  for (int i = 0; i < rewrites; ++i) {
    ASSERT_TRUE(put(root + "/" + name_of(i), content(i, 2)));
    want[name_of(i)] = sha256_of(content(i, 2));
  }
  for (int i = before - deletions; i < before; ++i) {
    ASSERT_EQ(::unlink((root + "/" + name_of(i)).c_str()), 0);
    want.erase(name_of(i));
  }
  for (int i = before; i < before + creations; ++i) {
    ASSERT_TRUE(put(root + "/" + name_of(i), content(i, 1)));
    want[name_of(i)] = sha256_of(content(i, 1));
  }
  int64_t ops_ms = monotonic_ms() - t_ops;
  int64_t t0 = monotonic_ms();
  d.signal(SIGCONT);
  size_t wrong = converge(d, root, want, 60000);
  int64_t converged = monotonic_ms() - t0;
  EXPECT_EQ(wrong, 0u) << "rows unlike the files 60 s after SIGCONT";
  Json s = status_files(d);
  EXPECT_GT(s["overflows"].get<int64_t>(), overflows0) << s.dump();
  EXPECT_GT(s["scans"].get<int64_t>(), scans0) << "no rescan after the overflow: " << s.dump();
  EXPECT_NE(d.log().find("inotify queue overflow"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "watching"; }, 20000));
  // Still watched: a file after the storm is seen by its event.
  int64_t events0 = status_files(d)["events"].get<int64_t>();
  ASSERT_TRUE(put(root + "/after.txt", "after\n"));
  EXPECT_TRUE(wait_until(
      [&] { return get(d, root + "/after.txt")["sha256"] == sha256_of("after\n"); }, 10000));
  EXPECT_GT(status_files(d)["events"].get<int64_t>(), events0);
  expect_ping_within_100ms(d);
  std::printf(
      "[ row 23 ] max_queued_events 64 (was %s); %d files tracked, then while stopped %d "
      "rewrites + %d deletions + %d creations in %lld ms; %lld overflows, %lld scans; "
      "converged to %zu files with exact hashes %lld ms after SIGCONT\n",
      queue.old_value().c_str(), before, rewrites, deletions, creations,
      static_cast<long long>(ops_ms), static_cast<long long>(s["overflows"].get<int64_t>()),
      static_cast<long long>(s["scans"].get<int64_t>() - scans0), want.size(),
      static_cast<long long>(converged));
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace cairn::testing
