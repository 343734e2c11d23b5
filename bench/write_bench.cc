// write_bench: acknowledged prefs.set per second with 1, 10 and 50 clients
// (each write committed with synchronous=FULL before its reply), against the
// same rows inserted by the sqlite3 CLI in WAL mode with synchronous=FULL, one
// transaction per row and all rows in one transaction, in the same run.
//
//   write_bench [--writes N]   (N per client count; default 20000)
#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include "base/clock.h"
#include "bench/bench_util.h"

namespace cairn::bench {
namespace {

struct Run {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  size_t failed = 0;
};

Run cairn_writes(const std::string& socket, int clients, int total) {
  std::vector<std::vector<int64_t>> lat(clients);
  std::atomic<size_t> failed{0};
  int per_client = total / clients;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = ipc::Client::connect(socket);
      ++ready;
      if (!client) return;
      while (!go) std::this_thread::yield();
      for (int i = 0; i < per_client; ++i) {
        int64_t t0 = monotonic_us();
        auto r = client->call("prefs.set", {{"category", "bench" + std::to_string(clients)},
                                            {"key", std::to_string(c) + "." + std::to_string(i)},
                                            {"value", i}});
        if (!r) ++failed;
        lat[c].push_back(monotonic_us() - t0);
      }
    });
  }
  while (ready < clients) std::this_thread::yield();
  int64_t start = monotonic_us();
  go = true;
  for (auto& t : threads) t.join();
  double elapsed = (monotonic_us() - start) / 1e6;
  std::vector<int64_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  Run r;
  r.per_second = all.size() / elapsed;
  r.p50_us = percentile_us(all, 50);
  r.p99_us = percentile_us(all, 99);
  r.failed = failed;
  return r;
}

// The sqlite3 shell inserting `rows` rows into a prefs-shaped table.
double sqlite_writes(const std::string& dir, int rows, bool one_transaction) {
  std::string db = dir + (one_transaction ? "/one.db" : "/each.db");
  std::string sql = dir + "/inserts.sql";
  {
    std::ofstream f(sql);
    f << "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
         "CREATE TABLE prefs(category TEXT, key TEXT, value TEXT, updated_at INTEGER, "
         "PRIMARY KEY(category, key));\n";
    if (one_transaction) f << "BEGIN;\n";
    for (int i = 0; i < rows; ++i) {
      f << "INSERT INTO prefs VALUES('bench','" << i << "','" << i << "'," << i << ");\n";
    }
    if (one_transaction) f << "COMMIT;\n";
  }
  int64_t start = monotonic_us();
  shell("sqlite3 " + db + " < " + sql + " > /dev/null");
  return rows / ((monotonic_us() - start) / 1e6);
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::bench;
  int writes = 20000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--writes") == 0) writes = std::atoi(argv[i + 1]);
  }
  testing::DaemonOptions o;
  o.args = {"--log-level", "warn"};
  testing::DaemonProcess d(o);
  if (Status st = d.start(); !st.is_ok()) {
    std::fprintf(stderr, "write_bench: cairnd did not start: %s\n", st.to_string().c_str());
    return 1;
  }
  testing::TempDir dir;
  double each = sqlite_writes(dir.path(), std::min(writes, 5000), false);
  double one = sqlite_writes(dir.path(), writes, true);
  std::printf("write_bench: %d acknowledged prefs.set per run (synchronous=FULL, group commit)\n",
              writes);
  std::printf("  sqlite3 CLI, WAL + synchronous=FULL, one transaction per row: %10.0f rows/s\n",
              each);
  std::printf("  sqlite3 CLI, WAL + synchronous=FULL, all rows in one transaction: %8.0f rows/s\n",
              one);
  std::printf("%8s %14s %10s %10s %16s %16s %7s %9s\n", "clients", "cairn writes/s", "p50 us",
              "p99 us", "vs txn-per-row", "vs one-txn", "failed", "jobs/txn");
  for (int clients : {1, 10, 50}) {
    int n = clients == 1 ? std::min(writes, 5000) : writes;
    auto before = d.call("daemon.status");
    Run r = cairn_writes(d.socket_path(), clients, n);
    auto after = d.call("daemon.status");
    double per_commit = 0;
    if (before && after) {
      double jobs = (*after)["writer"]["jobs"].get<double>() - (*before)["writer"]["jobs"].get<double>();
      double commits =
          (*after)["writer"]["commits"].get<double>() - (*before)["writer"]["commits"].get<double>();
      per_commit = commits > 0 ? jobs / commits : 0;
    }
    std::printf("%8d %14.0f %10.0f %10.0f %16.2f %16.2f %7zu %9.1f\n", clients, r.per_second,
                r.p50_us, r.p99_us, r.per_second / each, r.per_second / one, r.failed, per_commit);
  }
  return 0;
}
