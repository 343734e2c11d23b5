// Rows 7 and 10 of RELIABILITY.md: another process holding the write lock, and
// the settings every connection runs with.
#include <sqlite3.h>

#include <time.h>

#include <atomic>
#include <mutex>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

// Another process's connection (this test process, not cairnd) that takes the
// write lock with BEGIN IMMEDIATE and keeps it for `hold_ms`.
class ExternalLock {
 public:
  ExternalLock(const std::string& db, int hold_ms) {
    thread_ = std::thread([this, db, hold_ms] {
      ::sqlite3* raw = nullptr;
      // Taking the lock waits for a transaction of the daemon's own (a write
      // that just went through may still be committing) as any other process would.
      if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
          sqlite3_busy_timeout(raw, 5000) == SQLITE_OK &&
          sqlite3_exec(raw, "BEGIN IMMEDIATE; SELECT 1;", nullptr, nullptr, nullptr) ==
              SQLITE_OK) {
        held_ = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
        sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
      }
      sqlite3_close_v2(raw);
      done_ = true;
    });
    while (!held_ && !done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ExternalLock() { thread_.join(); }
  bool held() const { return held_; }

 private:
  std::atomic<bool> held_{false}, done_{false};
  std::thread thread_;
};

// Reads while the lock is held: each must answer, none with BUSY, quickly.
void expect_reads_unaffected(DaemonProcess& d, int count) {
  for (int i = 0; i < count; ++i) {
    int64_t t0 = monotonic_ms();
    auto r = d.call("prefs.get", {{"category", "lock"}, {"key", "seed"}});
    ASSERT_TRUE(r) << "read " << i << " under an external write lock: " << r.status().to_string();
    EXPECT_LT(monotonic_ms() - t0, 500) << "read " << i << " waited for the write lock";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Row 7. A 2 s hold: a write waits (busy_timeout 5 s) and succeeds. A 10 s hold:
// the write fails with an explicit BUSY error after the timeout, reads never
// see BUSY, the daemon stays up, and the same write succeeds once the lock is
// gone.
TEST(Row07, AnExternalWriteLockDelaysWritesThenFailsThemAsBusyAndNeverBlocksReads) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "lock"}, {"key", "seed"}, {"value", 0}}));

  {
    ExternalLock lock(d.db_path(), 2000);
    ASSERT_TRUE(lock.held());
    int64_t t0 = monotonic_ms();
    auto w = d.call("prefs.set", {{"category", "lock"}, {"key", "two"}, {"value", 2}});
    int64_t took = monotonic_ms() - t0;
    EXPECT_TRUE(w) << "write under a 2 s lock: " << w.status().to_string();
    EXPECT_GT(took, 1000) << "the write did not wait for the lock";
    std::cout << "[ row 7 ] write under a 2 s external lock succeeded after " << took << " ms\n";
  }

  {
    ExternalLock lock(d.db_path(), 10000);
    ASSERT_TRUE(lock.held());
    std::atomic<bool> reads_done{false};
    std::thread reader([&] {
      expect_reads_unaffected(d, 30);
      reads_done = true;
    });
    int64_t t0 = monotonic_ms();
    auto w = d.call("prefs.set", {{"category", "lock"}, {"key", "ten"}, {"value", 10}});
    int64_t took = monotonic_ms() - t0;
    expect_ping_within_100ms(d);
    reader.join();
    std::cout << "[ row 7 ] write under a 10 s external lock "
              << (w ? std::string("succeeded") : "failed: " + w.status().to_string())
              << " after " << took << " ms\n";
    ASSERT_FALSE(w) << "a write succeeded while another process held the write lock";
    EXPECT_EQ(w.status().code(), Code::kBusy) << w.status().to_string();
    EXPECT_NE(w.status().message().find("locked"), std::string::npos) << w.status().to_string();
    EXPECT_GE(took, 4500);
    EXPECT_LT(took, 9000);
  }
  auto retry = d.call("prefs.set", {{"category", "lock"}, {"key", "ten"}, {"value", 10}});
  ASSERT_TRUE(retry) << retry.status().to_string();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["database"]["state"], "ok");
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(d.db_path());
}

void expect_designed_pragmas(const Json& p, const std::string& who) {
  EXPECT_EQ(p["journal_mode"], "wal") << who << ": " << p.dump();
  EXPECT_EQ(p["foreign_keys"], 1) << who << ": " << p.dump();
  EXPECT_EQ(p["trusted_schema"], 0) << who << ": " << p.dump();
  EXPECT_EQ(p["busy_timeout"], 5000) << who << ": " << p.dump();
}

// Row 10, part one: every reader connection and the writer report the designed
// pragmas; the writer runs client writes with synchronous=FULL (2); readers
// are query_only.
TEST(Row10, EveryConnectionRunsWithTheDesignedPragmas) {
  const int readers = 3;
  DaemonOptions o;
  DaemonProcess d(o);
  {
    // The config file is appended to, never replaced, by the fixture.
    std::ofstream cfg(d.home() + "/cairnd.toml", std::ios::app);
    cfg << "reader_threads = " << readers << "\n";
  }
  ASSERT_TRUE(d.start().is_ok()) << d.log();
  auto w = d.call("debug.writer_pragmas", Json::object());
  ASSERT_TRUE(w) << w.status().to_string();
  expect_designed_pragmas(*w, "writer");
  EXPECT_EQ((*w)["synchronous"], 2) << "writer: " << w->dump();
  EXPECT_EQ((*w)["query_only"], 0);

  std::mutex mu;
  std::set<int64_t> threads;
  std::vector<std::thread> callers;
  for (int i = 0; i < readers; ++i) {
    callers.emplace_back([&] {
      auto r = d.call("debug.reader_pragmas", {{"ms", 500}});
      ASSERT_TRUE(r) << r.status().to_string();
      expect_designed_pragmas(*r, "reader");
      EXPECT_EQ((*r)["query_only"], 1) << r->dump();
      std::lock_guard<std::mutex> lock(mu);
      threads.insert((*r)["thread"].get<int64_t>());
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(threads.size(), static_cast<size_t>(readers)) << "not every reader was checked";
  EXPECT_EQ(d.terminate(), 0);
  std::cout << "[ row 10 ] writer and " << threads.size() << " of " << readers
            << " readers checked\n";
}

// Row 10, part two: 1000 acknowledged client writes (the FULL class) make at
// least 1000 fdatasync calls on the -wal file, counted with strace.
TEST(Row10, AThousandAcknowledgedWritesMakeAThousandFdatasyncsOnTheWal) {
  if (!have_program("strace")) GTEST_SKIP() << "strace is not installed (scripts/deps.sh)";
  TempDir out;
  std::string trace = out / "fdatasync.trace";
  DaemonOptions o;
  o.wrapper = {"strace", "-f", "-qq", "-y", "-ttt", "-o", trace, "-e", "trace=fdatasync", "--"};
  DaemonProcess d(o);
  Status started = d.start();
  if (!started.is_ok() && d.log().find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "ptrace is not permitted here: " << d.log();
  }
  ASSERT_TRUE(started.is_ok()) << started.to_string();
  pid_t cairnd = daemon_pid(d);
  ASSERT_NE(cairnd, d.pid());
  // Successful fdatasync calls on the -wal file between two wall-clock
  // instants (strace -ttt stamps each line with seconds since the epoch).
  auto count_wal_syncs = [&](double from, double to) {
    std::ifstream in(trace);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.find("cairn.db-wal>") == std::string::npos || line.find(") = 0") == std::string::npos) {
        continue;
      }
      std::istringstream fields(line);
      long pid = 0;
      double at = 0;
      fields >> pid >> at;
      n += at >= from && at <= to;
    }
    return n;
  };
  auto now_s = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  };
  double from = now_s();
  auto client = d.client();
  int acked = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = client.call("prefs.set", {{"category", "sync"}, {"key", "k" + std::to_string(i)},
                                       {"value", i}});
    ASSERT_TRUE(r) << r.status().to_string();
    ++acked;
  }
  double to = now_s();
  ::kill(cairnd, SIGTERM);
  EXPECT_EQ(d.terminate(10000), 0);
  int syncs = count_wal_syncs(from, to);
  EXPECT_GE(syncs, acked);
  std::cout << "[ row 10 ] " << acked << " acknowledged FULL writes, " << syncs
            << " successful fdatasync calls on cairn.db-wal\n";
}

}  // namespace
}  // namespace cairn::testing
