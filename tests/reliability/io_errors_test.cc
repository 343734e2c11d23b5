// Row 6 of RELIABILITY.md: random I/O errors from libfiu's POSIX preload
// (fiu-run -x) under write load. Whatever fails, cairnd does not crash, abort or
// hang, and every write it acknowledged is there after a clean restart.
//
// Which failure point: libsqlite3 writes its database and WAL with pwrite64
// (its imports: pwrite64, write, fdatasync), which libfiu names
// posix/io/rw/pwrite, so that is the one enabled. The matrix's
// posix/io/rw/write is write(2): in cairnd only libuv calls it (socket replies,
// and the eventfd behind uv_async_send), and libuv aborts when a write to its
// eventfd fails with anything but EAGAIN, which no real eventfd does; under that
// injection cairnd dies in uv_async_send within a few dozen writes, a failure of
// the injection rather than of the storage path. fdatasync errors are row 5.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/reliability/reliability.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs cairnd under fiu-run -x, enables the failure point with `errno_value`
// once it answers, and keeps 4 clients writing for CAIRN_FIU_SECONDS. An I/O
// error at commit leaves the database read-only until a restart (row 5), so a
// round ends when daemon.status says `degraded`, and the next round restarts
// cairnd under the same fault; acknowledged writes accumulate over the rounds.
void run_random_write_errors(int errno_value, const char* name) {
  if (!have_program("fiu-run") || !have_program("fiu-ctrl")) {
    GTEST_SKIP() << "fiu-run/fiu-ctrl are not installed (Debian fiu-utils, scripts/deps.sh)";
  }
  const int seconds = std::max(1, env_int("CAIRN_FIU_SECONDS", 15));
  TempDir fifo_dir;
  const std::string fifo_prefix = fifo_dir / "fiu-ctrl";
  DaemonOptions o;
  o.wrapper = {"fiu-run", "-x", "-f", fifo_prefix};
  DaemonProcess home;  // the data directory every round shares
  std::mutex mu;
  std::vector<std::string> acked;
  std::map<std::string, int> errors;  // the first words of the failures seen
  std::atomic<int> hung{0};
  std::vector<int64_t> pings;
  int unanswered_pings = 0, rounds = 0, degraded_rounds = 0, log_lines = 0;
  std::vector<int> exits;
  std::atomic<int64_t> seq{0};
  const int64_t end = monotonic_ms() + seconds * 1000;
  while (monotonic_ms() < end) {
    ++rounds;
    DaemonProcess d(home, o);
    ASSERT_TRUE(d.start().is_ok()) << d.log();
    pid_t cairnd = daemon_pid(d);
    ASSERT_EQ(cairnd, d.pid()) << "fiu-run execs cairnd in place";
    // Enabled from the outside once the daemon answers: with the fault on from
    // exec, startup's own writes fail first and the load never begins.
    const std::string failinfo = ",probability=0.01,failinfo=" + std::to_string(errno_value);
    auto enable = run_command({"fiu-ctrl", "-f", fifo_prefix, "-c",
                               "enable_random name=posix/io/rw/pwrite" + failinfo,
                               std::to_string(cairnd)},
                              {}, 10000);
    ASSERT_EQ(enable.status, 0) << enable.output;

    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int c = 0; c < 4; ++c) {
      writers.emplace_back([&, c] {
        std::optional<ipc::Client> client;
        while (!stop) {
          if (!client) {
            auto fresh = ipc::Client::connect(d.socket_path(), 2000);
            if (!fresh) {
              std::lock_guard lock(mu);
              ++errors["connect: " + fresh.status().message()];
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
              continue;
            }
            client.emplace(std::move(*fresh));
          }
          std::string key = "c" + std::to_string(c) + "k" + std::to_string(seq++);
          auto r = client->call("prefs.set", {{"category", "fiu"}, {"key", key}, {"value", 1}},
                                10000);
          std::lock_guard lock(mu);
          if (r) {
            acked.push_back(key);
            continue;
          }
          std::string m = r.status().to_string();
          if (m.find("timed out") != std::string::npos) ++hung;
          if (m.find("closed the connection") != std::string::npos) {
            ++errors["connection closed"];
            client.reset();
          } else {
            ++errors[m.substr(0, m.find(' ', m.find(' ') + 1))];
          }
        }
      });
    }
    bool degraded = false;
    while (monotonic_ms() < end && !degraded) {
      int64_t t0 = monotonic_ms();
      auto p = d.call("daemon.ping");
      // Storage errors must never stop the daemon from answering.
      if (p) pings.push_back(monotonic_ms() - t0);
      else ++unanswered_pings;
      auto st = d.call("daemon.status");
      degraded = st && (*st)["database"]["state"] == "degraded";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop = true;
    for (auto& t : writers) t.join();
    degraded_rounds += degraded;
    ASSERT_TRUE(d.running()) << "cairnd died under injected errors";
    expect_ping_within_100ms(d);
    std::string log = d.log();
    log_lines += count_of(log, "I/O error") + count_of(log, "disk full");
    // Stop with the fault still on: a clean exit, never a signal or a hang.
    int exit = d.terminate(10000);
    exits.push_back(exit);
    EXPECT_GE(exit, 0) << "cairnd did not exit within 10 s of SIGTERM";
    EXPECT_LT(exit, 128) << "cairnd died by signal " << exit - 128;
  }
  EXPECT_EQ(hung.load(), 0) << "requests went unanswered for 10 s";
  EXPECT_EQ(unanswered_pings, 0);
  int failed = 0;
  for (auto& [what, n] : errors) failed += n;
  EXPECT_GT(failed + log_lines, 0) << "no injected error was seen: the fault did not fire";

  DaemonProcess again(home, {});
  ASSERT_TRUE(again.start().is_ok()) << again.log();
  auto status = again.call("daemon.status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["database"]["state"], "ok");
  EXPECT_TRUE(again.call("prefs.set", {{"category", "fiu"}, {"key", "after"}, {"value", 1}}));
  EXPECT_EQ(again.terminate(), 0);
  auto stored = stored_prefs(home.db_path(), "fiu");
  size_t lost = 0;
  for (const auto& k : acked) lost += !stored.count(k);
  EXPECT_EQ(lost, 0u);
  expect_database_healthy(home.db_path());

  std::string seen, exit_codes;
  for (auto& [what, n] : errors) {
    seen += (seen.empty() ? "" : ", ") + what + " x" + std::to_string(n);
  }
  int clean_exits = 0;
  for (int e : exits) {
    if (e == 0) ++clean_exits;
    else exit_codes += " " + std::to_string(e);
  }
  std::printf("[ row 6 ] %s, p=0.01 on pwrite, %d s, %d daemon runs (%d ended degraded): "
              "%zu acked (%zu lost, %zu stored), %d failed [%s]; %d log lines name the "
              "error; ping p99 %lld ms (%d unanswered); %d of %zu runs exited 0 after SIGTERM%s\n",
              name, seconds, rounds, degraded_rounds, acked.size(), lost, stored.size(), failed,
              seen.c_str(), log_lines, static_cast<long long>(percentile(pings, 99)),
              unanswered_pings, clean_exits, exits.size(), exit_codes.c_str());
}

TEST(Row06, RandomEioOnWritesNeverCrashesOrLosesAnAcknowledgedWrite) {
  run_random_write_errors(5, "EIO");
}

TEST(Row06, RandomEnospcOnWritesNeverCrashesOrLosesAnAcknowledgedWrite) {
  run_random_write_errors(28, "ENOSPC");
}

}  // namespace
}  // namespace cairn::testing
