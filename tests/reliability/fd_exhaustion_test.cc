// Row 21 of RELIABILITY.md: a connection flood against a daemon whose
// descriptor limit was cut to 64 while it runs (prlimit), with files changing
// under a tracked root. Connections beyond what fits are closed, the daemon does
// not spin on a full descriptor table, the clients it already had keep working,
// and files it could not open for hashing are hashed once descriptors free up.
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "ipc/codec.h"
#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

TEST(Row21, AFullDescriptorTableRefusesExtraClientsWithoutSpinningAndHashingCatchesUp) {
  if (!have_program("prlimit")) GTEST_SKIP() << "prlimit (util-linux) is not installed";
  constexpr int kFlood = 200;
  constexpr int kExisting = 5;
  TempDir root;
  for (int i = 0; i < 10; ++i) std::ofstream(root / ("seed" + std::to_string(i) + ".txt")) << i;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("files.track", {{"path", root.path()}}));
  auto hashed = [&](const std::string& path, const std::string& want) {
    auto f = d.call("files.get", {{"path", path}});
    return f && (*f)["status"] == "ok" && (*f)["sha256"].is_string() &&
           (*f)["sha256"].get<std::string>() == want;
  };
  ASSERT_TRUE(wait_until([&] { return hashed(root / "seed9.txt", sha256sum(root / "seed9.txt")); },
                         20000));

  std::vector<ipc::Client> existing;
  for (int i = 0; i < kExisting; ++i) existing.push_back(d.client());
  for (auto& c : existing) ASSERT_TRUE(c.call("daemon.ping", nullptr, 2000));

  const pid_t pid = d.pid();
  auto lim = run_command({"prlimit", "--pid", std::to_string(pid), "--nofile=64:64"});
  ASSERT_EQ(lim.status, 0) << lim.output;
  ASSERT_NE(read_text("/proc/" + std::to_string(pid) + "/limits").find(
                "Max open files            64                   64"),
            std::string::npos);
  int fds_before = open_fds(pid);

  // File changes continue through the flood: a new file every 20 ms.
  std::atomic<bool> stop_changes{false};
  std::vector<std::string> written;
  std::thread changer([&] {
    for (int i = 0; !stop_changes; ++i) {
      std::string p = root / ("change" + std::to_string(i) + ".txt");
      std::ofstream(p) << "change " << i << "\n";
      written.push_back(p);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::vector<ipc::Client> flood;
  int connect_failed = 0;
  for (int i = 0; i < kFlood; ++i) {
    auto c = ipc::Client::connect(d.socket_path(), 1000);
    if (!c) {
      ++connect_failed;
      continue;
    }
    (void)c->send_raw(ipc::encode_request(static_cast<uint32_t>(i), "daemon.ping",
                                          Json::array()));
    flood.push_back(std::move(*c));
  }
  int answered = 0, closed = 0, silent = 0;
  for (auto& c : flood) {
    auto m = c.read_message(2000);
    if (m && m->type == ipc::MessageType::kResponse && m->error.is_null()) ++answered;
    else if (closed_within(c.fd(), 100)) ++closed;
    else ++silent;
  }
  int fds_full = open_fds(pid);

  // While the flood is held and files keep changing: no busy loop.
  const long tck = ::sysconf(_SC_CLK_TCK);
  int64_t cpu0 = cpu_ticks(pid);
  int64_t t0 = monotonic_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  double cpu_pct = 100.0 * static_cast<double>(cpu_ticks(pid) - cpu0) / tck /
                   (static_cast<double>(monotonic_ms() - t0) / 1000.0);
  int existing_ok = 0;
  for (auto& c : existing) existing_ok += c.call("daemon.ping", nullptr, 2000).has_value();
  stop_changes = true;
  changer.join();
  // Files written while the table was full could not be opened for hashing;
  // an existing connection can still ask how many of the first half (written
  // seconds ago, long past the 20 ms settle time) wait.
  int waiting = 0;
  for (size_t i = 0; i < written.size() / 2; ++i) {
    auto f = existing[0].call("files.get", {{"path", written[i]}}, 2000);
    if (!f || !(*f)["sha256"].is_string()) ++waiting;
  }

  // The load drops: the flood goes away.
  flood.clear();
  int64_t released = monotonic_ms();
  bool all_hashed = wait_until(
      [&] {
        for (const auto& p : written) {
          if (!hashed(p, sha256sum(p))) return false;
        }
        return true;
      },
      30000);
  int64_t catch_up_ms = monotonic_ms() - released;
  int errors = 0;
  for (const auto& p : written) {
    auto f = d.call("files.get", {{"path", p}});
    if (f && (*f)["status"] == "error") {
      ++errors;
      ADD_FAILURE() << p << ": " << f->dump();
    }
  }
  std::string log = d.log();
  int accept_failures = 0;
  for (size_t at = log.find("accept failed"); at != std::string::npos;
       at = log.find("accept failed", at + 1)) {
    ++accept_failures;
  }

  EXPECT_GT(closed + connect_failed, 0) << "the descriptor table never filled";
  EXPECT_GE(fds_full, 60) << "the daemon never reached its limit";
  EXPECT_EQ(answered + closed + connect_failed + silent, kFlood);
  EXPECT_EQ(silent, 0) << "connections neither answered nor closed";
  EXPECT_LT(cpu_pct, 50.0) << "the daemon spins on a full descriptor table";
  EXPECT_EQ(existing_ok, kExisting);
  EXPECT_GT(waiting, 0) << "every file was hashed while the table was full: EMFILE never met";
  EXPECT_TRUE(all_hashed) << "files changed during the flood were not all hashed";
  EXPECT_EQ(errors, 0);
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(d.db_path());
  std::printf("[ row 21 ] nofile 64 (fds %d before, %d at the peak): of %d connections %d "
              "answered, %d closed, %d refused at connect; %d 'accept failed' log lines; CPU "
              "%.1f%% over 3 s held; %d/%d existing clients answered; %zu files changed "
              "during the flood, %d of the first half unhashed while it was held, all hashed %lld ms after it "
              "ended, %d in error\n",
              fds_before, fds_full, kFlood, answered, closed, connect_failed, accept_failures,
              cpu_pct, existing_ok, kExisting, written.size(), waiting,
              static_cast<long long>(catch_up_ms), errors);
}

}  // namespace
}  // namespace cairn::testing
