// Backup of a large live database while clients keep writing: db.backup (the
// online backup API from one read transaction) against `sqlite3 db ".backup x"`
// and `VACUUM INTO` run by the sqlite3 shell, in the same run on the same file.
// Prints each one's time, the writes cairnd served meanwhile, and the ratios.
//
//   backup_bench [--mb N] [--writers N]   (default 1024 MB, 4 writers)
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"

using namespace cairn;
using namespace cairn::testing;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_size : -1;
}

struct Run {
  std::string name;
  double seconds = 0;
  int64_t writes = 0;
  bool ok = false;
  std::string note;
};

// Runs `copy` while `writers` clients write prefs; counts acknowledged writes.
Run measure(DaemonProcess& d, int writers, const std::string& name,
            const std::function<bool(std::string&)>& copy) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> writes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) {
    threads.emplace_back([&, i] {
      auto c = d.client();
      for (int64_t n = 0; !stop; ++n) {
        auto r = c.call("prefs.set", {{"category", "bench" + std::to_string(i)},
                                      {"key", std::to_string(n % 1000)},
                                      {"value", n}});
        if (r) ++writes;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Run run;
  run.name = name;
  int64_t w0 = writes;
  double t0 = now_s();
  run.ok = copy(run.note);
  run.seconds = now_s() - t0;
  run.writes = writes - w0;
  stop = true;
  for (auto& t : threads) t.join();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mb = 1024;
  int writers = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) mb = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--writers")) writers = std::atoi(argv[i + 1]);
  }
  DaemonProcess d;
  if (!d.start().is_ok()) {
    std::fprintf(stderr, "cairnd did not start\n");
    return 1;
  }
  d.terminate();
  // Fill the database directly (4 KB values), far faster than through RPC.
  int64_t rows = mb * 1024 * 1024 / 4200;
  std::printf("filling %s with %lld rows (~%lld MB)...\n", d.db_path().c_str(),
              static_cast<long long>(rows), static_cast<long long>(mb));
  std::fflush(stdout);
  auto filled = run_command(
      {"sqlite3", d.db_path(),
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
              std::to_string(rows) +
              ") INSERT INTO prefs(category, key, value, updated_at) "
              "SELECT 'bulk', i, '\"' || hex(randomblob(2048)) || '\"', 0 FROM n;"
              "PRAGMA wal_checkpoint(TRUNCATE);"},
      {}, 3600 * 1000);
  if (filled.status != 0) {
    std::fprintf(stderr, "filling failed: %s\n", filled.output.c_str());
    return 1;
  }
  DaemonProcess live(d, {});
  if (!live.start().is_ok()) {
    std::fprintf(stderr, "cairnd did not restart\n");
    return 1;
  }
  std::printf("database: %.1f MB, %d writers\n", file_size(live.db_path()) / 1048576.0, writers);
  std::string dir = live.home();
  std::vector<Run> runs;

  runs.push_back(measure(live, writers, "cairn db.backup", [&](std::string& note) {
    auto c = live.client();
    auto r = c.call("db.backup", {{"path", dir + "/cairn-backup.db"}}, 3600 * 1000);
    if (!r) note = r.status().to_string();
    return static_cast<bool>(r);
  }));
  std::remove((dir + "/cairn-backup.db").c_str());

  // The shell's .backup copies 100 pages per step and lets go of its read
  // transaction between steps: a write from another connection restarts it.
  double limit = std::max(60.0, runs[0].seconds * 20);
  runs.push_back(measure(live, writers, "sqlite3 .backup", [&](std::string& note) {
    auto r = run_command({"sqlite3", live.db_path(), ".backup '" + dir + "/shell-backup.db'"}, {},
                         static_cast<int>(limit * 1000));
    if (r.status != 0) note = "exit " + std::to_string(r.status) + " " + r.output;
    return r.status == 0;
  }));
  std::remove((dir + "/shell-backup.db").c_str());

  runs.push_back(measure(live, writers, "sqlite3 VACUUM INTO", [&](std::string& note) {
    auto r = run_command({"sqlite3", live.db_path(), "VACUUM INTO '" + dir + "/vacuum-into.db'"},
                         {}, static_cast<int>(limit * 1000));
    if (r.status != 0) note = "exit " + std::to_string(r.status) + " " + r.output;
    return r.status == 0;
  }));
  std::remove((dir + "/vacuum-into.db").c_str());

  std::printf("%-22s %10s %16s %12s\n", "method", "seconds", "writes served", "writes/s");
  for (const auto& r : runs) {
    std::printf("%-22s %10.2f %16lld %12.0f %s%s\n", r.name.c_str(), r.seconds,
                static_cast<long long>(r.writes), r.writes / std::max(r.seconds, 1e-9),
                r.ok ? "" : "FAILED: ", r.note.c_str());
  }
  for (size_t i = 1; i < runs.size(); ++i) {
    std::printf("ratio cairn/%s time: %.2f\n", runs[i].name.c_str(),
                runs[0].seconds / runs[i].seconds);
  }
  return 0;
}
