// Row 4 of ../shared/RELIABILITY.md: the database directory fills up. Writes
// fail with a clear "disk full", reads go on, nothing acknowledged is lost, and
// once space is freed writes resume in the same daemon.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "tests/reliability/reliability.h"
#include "tests/support/tmpfs_mount.h"

namespace cairn::testing {
namespace {

// Writes `bytes` of filler to `path`; false when they did not all fit.
bool write_filler(const std::string& path, size_t bytes) {
  std::ofstream f(path, std::ios::binary);
  std::string block(64 * 1024, 'f');
  for (size_t done = 0; done < bytes; done += block.size()) {
    if (!f.write(block.data(), static_cast<std::streamsize>(block.size()))) return false;
  }
  f.flush();
  return static_cast<bool>(f);
}

// A 4 MiB tmpfs holds the data directory and a 1 MiB filler file. Four clients
// write 4 KiB preferences until every one of them has been refused five times
// in a row; each acknowledged key is recorded. While the disk is full, reads and
// pings answer. Removing the filler frees space: a write succeeds again in the
// same process (no restart), more writes follow, and after a clean stop every
// acknowledged key is in the database, which is healthy.
TEST(Row04, AFullDiskRefusesWritesAsDiskFullKeepsReadsAndResumesWithoutARestart) {
  TempDir t;
  const std::string mnt = t / "mnt";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  TmpfsMount m{mnt, "size=4m,mode=0755"};
  if (!m.mount()) {
    GTEST_SKIP() << "mount -t tmpfs needs root or CAP_SYS_ADMIN: " << std::strerror(errno);
  }
  const std::string filler = mnt + "/filler";
  ASSERT_TRUE(write_filler(filler, 1 << 20));
  DaemonOptions o;
  o.args = {"--data-dir", mnt + "/data"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  const pid_t pid = d.pid();
  const std::string db = mnt + "/data/cairn.db";

  constexpr int kClients = 4;
  std::mutex mu;
  std::set<std::string> acked;
  std::vector<Status> refusals;
  std::atomic<int64_t> first_refusal_ms{0};
  const int64_t t0 = monotonic_ms();
  std::vector<std::thread> writers;
  for (int c = 0; c < kClients; ++c) {
    writers.emplace_back([&, c] {
      auto client = ipc::Client::connect(d.socket_path());
      if (!client) return;
      std::string value(4096, static_cast<char>('a' + c));
      int refused_in_a_row = 0;
      for (int i = 0; refused_in_a_row < 5 && monotonic_ms() - t0 < 30000; ++i) {
        value[i % value.size()] = static_cast<char>('0' + i % 10);
        std::string key = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto r = client->call("prefs.set", {{"category", "full"}, {"key", key}, {"value", value}},
                              10000);
        std::lock_guard<std::mutex> lock(mu);
        if (r) {
          acked.insert(key);
          refused_in_a_row = 0;
        } else {
          refusals.push_back(r.status());
          ++refused_in_a_row;
          int64_t zero = 0;
          first_refusal_ms.compare_exchange_strong(zero, monotonic_ms() - t0);
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_FALSE(refusals.empty()) << "the disk never filled";
  ASSERT_GT(acked.size(), 50u);
  size_t disk_full = 0;
  for (const auto& st : refusals) {
    EXPECT_EQ(st.code(), Code::kIoError) << st.to_string();
    if (st.message().find("disk full") != std::string::npos) ++disk_full;
  }
  EXPECT_EQ(disk_full, refusals.size()) << "a refusal did not say disk full, e.g. "
                                        << refusals.back().to_string();

  // Full: no crash, reads answer and see what was acknowledged, ping is fast.
  EXPECT_TRUE(d.running());
  int64_t r0 = monotonic_ms();
  auto one = d.call("prefs.get", {{"category", "full"}, {"key", *acked.begin()}});
  ASSERT_TRUE(one) << one.status().to_string();
  auto all = d.call("prefs.list", {{"category", "full"}});
  int64_t read_ms = monotonic_ms() - r0;
  ASSERT_TRUE(all) << all.status().to_string();
  EXPECT_EQ((*all)["prefs"].size(), acked.size());
  expect_ping_within_100ms(d);
  auto again = d.call("prefs.set", {{"category", "full"}, {"key", "while-full"}, {"value", std::string(64 * 1024, 'x')}});
  ASSERT_FALSE(again) << "a 64 KiB write succeeded on the full disk";
  EXPECT_NE(again.status().message().find("disk full"), std::string::npos)
      << again.status().to_string();

  // Free the filler's megabyte: writes resume in the same process.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  int64_t freed = monotonic_ms();
  Result<Json> resumed = Status(Code::kIoError, "not tried");
  while (!resumed && monotonic_ms() - freed < 10000) {
    resumed = d.call("prefs.set", {{"category", "full"}, {"key", "resumed"}, {"value", 1}});
    if (!resumed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int64_t resume_ms = monotonic_ms() - freed;
  ASSERT_TRUE(resumed) << "no write succeeded within 10 s of freeing space: "
                       << resumed.status().to_string();
  acked.insert("resumed");
  size_t after = 0;
  {
    auto client = d.client();
    for (int i = 0; i < 20; ++i) {
      std::string key = "after-" + std::to_string(i);
      auto r = client.call("prefs.set", {{"category", "full"}, {"key", key}, {"value", i}}, 10000);
      EXPECT_TRUE(r) << key << ": " << r.status().to_string();
      if (r) {
        acked.insert(key);
        ++after;
      }
    }
  }
  EXPECT_EQ(d.pid(), pid);
  EXPECT_TRUE(d.running()) << "the daemon was restarted or died";
  expect_ping_within_100ms(d);
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["database"]["state"], "ok") << st->dump();

  EXPECT_EQ(d.terminate(), 0);
  auto stored = stored_prefs(db, "full");
  size_t lost = 0;
  for (const auto& key : acked) {
    if (!stored.count(key)) {
      ++lost;
      ADD_FAILURE() << "acknowledged write lost: " << key;
    }
  }
  expect_database_healthy(db);
  std::printf("[ row 4 ] %zu acked before the disk filled (first refusal after %lld ms), %zu "
              "refusals (%zu say disk full); while full: reads answered in %lld ms; after "
              "freeing 1 MiB a write succeeded after %lld ms without a restart, then %zu more; "
              "%zu acked in all, %zu lost\n",
              acked.size() - after - 1, static_cast<long long>(first_refusal_ms.load()),
              refusals.size(), disk_full, static_cast<long long>(read_ms),
              static_cast<long long>(resume_ms), after, acked.size(), lost);
}

}  // namespace
}  // namespace cairn::testing
