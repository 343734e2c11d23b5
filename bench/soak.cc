// soak: row 30 of the reliability matrix. The real cairnd under a steady mixed
// load for a long time, to find what short tests cannot: leaks (RSS, file
// descriptors), a WAL that never shrinks, latency that creeps up, rare errors.
//
//   soak [--minutes N | --seconds N] [--cairnd PATH] [--clients N] [--rate R]
//        [--file-rate F] [--readers N]
//
// Default: 10 minutes; 20 clients, each on its own connection, at R = 25
// requests/s on average (independent random arrivals, not a saturating loop, so
// latency is measured under a known load); 2 event subscribers draining every
// event; F = 200 file changes/s in a tracked tree of 200 text files;
// index.rebuild every 60 s (half the run when shorter). Progress lines give the
// p99s of their interval. After a warm-up (up to the first index.rebuild and
// 15 s more, or 10% of a shorter run more: every part of the load has run once) and
// again at the end it prints the daemon's RSS, open descriptors, WAL size and the read and write
// p99 of the preceding window (up to 60 s), then row 30's pass conditions, each
// PASS or FAIL. Then SIGTERM (exit 0 expected) and PRAGMA integrity_check.
// Exits 1 when any condition fails. `--cairnd` runs another build's cairnd (e.g.
// a TSan build) through CAIRN_CAIRND, which DaemonProcess::binary honours;
// `--readers` passes cairnd's own flag.
#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include "bench/bench_util.h"
#include "bench/soak_load.h"

namespace cairn::bench {
namespace {

struct Options {
  int seconds = 600;
  int clients = 20;
  double rate = 25;        // requests per second per client
  double file_rate = 200;  // file changes per second
  int readers = 0;         // cairnd --readers; 0: its default
};

std::atomic<bool> g_stop{false};

void sleep_ms(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Sleeps until the next tick of a pace; a thread that fell more than a second
// behind starts a new schedule instead of bursting to catch up. A steady pace
// ticks every 1/rate s. A random one (the clients) draws each gap from an
// exponential distribution with the same mean, so clients arrive independently
// like separate users: 20 clients on one steady pace started together and sent
// their requests in lockstep, 20 at a time every 40 ms.
struct Pace {
  explicit Pace(double per_second, std::optional<uint32_t> seed = std::nullopt)
      : step_us(1e6 / per_second) {
    if (seed) rng.emplace(*seed);
  }
  void wait() {
    next += rng ? static_cast<int64_t>(std::exponential_distribution<double>(1.0 / step_us)(*rng))
                : static_cast<int64_t>(step_us);
    int64_t now = monotonic_us();
    if (next < now - 1000000) next = now;
    if (next > now) std::this_thread::sleep_for(std::chrono::microseconds(next - now));
  }
  double step_us;
  std::optional<std::mt19937> rng;
  int64_t next = monotonic_us();
};

// ---- what the daemon looks like from outside ----------------------------------

// Resident memory in KiB, whole and in its kinds: anonymous (heaps, stacks:
// where a leak shows), file-backed (the code of cairnd and its libraries as it
// runs, mapped files) and shared memory (the WAL index, -shm).
struct Rss {
  int64_t total = -1, anon = 0, file = 0, shmem = 0;
};

Rss rss_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  Rss r;
  auto field = [&](const char* name, int64_t& out) {
    size_t n = std::strlen(name);
    if (line.compare(0, n, name) == 0) out = std::atoll(line.c_str() + n);
  };
  while (std::getline(f, line)) {
    field("VmRSS:", r.total);
    field("RssAnon:", r.anon);
    field("RssFile:", r.file);
    field("RssShmem:", r.shmem);
  }
  return r;
}

int count_fds_once(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// The smallest of five counts 100 ms apart: a file the hasher has open for a
// moment is not a leak, a descriptor that stays open is.
int count_fds(pid_t pid) {
  int best = count_fds_once(pid);
  for (int i = 0; i < 4; ++i) {
    sleep_ms(100);
    best = std::min(best, count_fds_once(pid));
  }
  return best;
}

int64_t file_bytes(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// ---- the file churn: a tracked tree changing at a steady pace -----------------

class FileChurn {
 public:
  explicit FileChurn(std::string root) : root_(std::move(root)) {
    for (int d = 0; d < 10; ++d) std::filesystem::create_directories(dir(d));
    for (int i = 0; i < 200; ++i) create();
  }
  void run(double per_second) {
    Pace pace(per_second);
    while (!g_stop) {
      pace.wait();
      change();
    }
  }
  int64_t changes() const { return changes_; }
  int64_t failures() const { return failures_; }

 private:
  std::string dir(int d) const { return root_ + "/d" + std::to_string(d); }
  std::string content(int lines) {
    std::string s;
    for (int i = 0; i < lines; ++i) {
      s += "line " + std::to_string(i) + " of change " + std::to_string(changes_) +
           " retry.backoff parse_config writer socket delta\n";
    }
    return s;
  }
  void create() {
    std::string path = dir(next_ % 10) + "/f" + std::to_string(next_) + ".txt";
    ++next_;
    std::ofstream(path) << content(20);
    files_.push_back(path);
  }
  // Rewrite, append, create and delete in a 2:1:1:1 mix, keeping 150-300 files.
  void change() {
    ++changes_;
    int what = static_cast<int>(changes_ % 5);
    if ((what == 3 && files_.size() < 300) || files_.size() < 150) return create();
    size_t i = (changes_ * 7919) % files_.size();
    if (what == 4) {
      if (::unlink(files_[i].c_str()) != 0) ++failures_;
      files_[i] = files_.back();
      files_.pop_back();
    } else if (what == 2) {
      std::ofstream(files_[i], std::ios::app) << content(1);
    } else {
      std::ofstream(files_[i], std::ios::trunc) << content(5 + changes_ % 30);
    }
  }

  std::string root_;
  std::vector<std::string> files_;
  int64_t next_ = 0;
  std::atomic<int64_t> changes_{0};
  int64_t failures_ = 0;
};

// ---- event subscribers ----------------------------------------------------------

struct Subscriber {
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> out_of_order{0};

  // Drains events as fast as they come; a disconnect (e.g. as a slow reader)
  // or a notification that is not an event is an unexpected error.
  void run(const std::string& socket, Json topics, SoakStats& stats) {
    auto c = ipc::Client::connect(socket);
    if (!c) return stats.error("connect", c.status());
    if (auto r = c->call("events.subscribe", {{"topics", topics}}); !r) {
      return stats.error("events.subscribe", r.status());
    }
    int64_t last = 0;
    while (!g_stop) {
      auto n = c->next_notification(300);
      if (!n) {
        // A quiet moment times out (two wordings); only a closed connection is an error.
        if (n.status().message().find("closed") == std::string::npos) continue;
        return stats.error("events (subscriber)", n.status());
      }
      if (n->method != "event") {
        stats.error("events (subscriber)", Status(Code::kInternal, "notification " + n->method));
        continue;
      }
      ++events;
      const Json& e = n->params[0];
      int64_t cursor = e.contains("cursor") && e["cursor"].is_number() ? e["cursor"].get<int64_t>() : 0;
      if (cursor > 0) {
        if (cursor <= last) ++out_of_order;
        last = cursor;
      }
    }
  }
};

// ---- samples and the report -----------------------------------------------------

struct Snapshot {
  double at_s = 0;
  Rss rss;
  int64_t sqlite_kib = 0, heap_kib = 0, heap_free_kib = 0;  // daemon.status "memory"
  Json methods;                          // daemon.status "methods": handler time so far
  int fds = 0;
  int64_t wal = 0;
  double read_p99_ms = 0, write_p99_ms = 0, ping_p99_ms = 0;
  size_t reads_in_window = 0, writes_in_window = 0;
  int64_t reads = 0, writes = 0, unexpected = 0;
};

Snapshot snapshot(const char* name, testing::DaemonProcess& d, SoakStats& stats,
                  int64_t start_ms, int64_t window_from_ms) {
  Snapshot s;
  s.at_s = (monotonic_ms() - start_ms) / 1000.0;
  s.rss = rss_of(d.pid());
  if (auto st = d.call("daemon.status")) {
    s.sqlite_kib = (*st)["memory"].value("sqlite_bytes", int64_t{0}) / 1024;
    s.heap_kib = (*st)["memory"].value("heap_in_use_bytes", int64_t{0}) / 1024;
    s.heap_free_kib = (*st)["memory"].value("heap_free_bytes", int64_t{0}) / 1024;
    s.methods = (*st)["methods"];
  }
  s.fds = count_fds(d.pid());
  s.wal = file_bytes(d.db_path() + "-wal");
  auto r = stats.window(window_from_ms, kRead);
  auto w = stats.window(window_from_ms, kWrite);
  auto p = stats.window(window_from_ms, kProbe);
  s.reads_in_window = r.size();
  s.writes_in_window = w.size();
  s.read_p99_ms = percentile_us(r, 99) / 1000;
  s.write_p99_ms = percentile_us(w, 99) / 1000;
  s.ping_p99_ms = percentile_us(p, 99) / 1000;
  s.reads = stats.reads;
  s.writes = stats.writes;
  s.unexpected = stats.unexpected;
  std::printf("sample %-5s at %6.1f s: RSS %.1f MiB, %d fds, WAL %.2f MiB, "
              "window %.0f s: %zu reads p50 %.2f / p99 %.2f ms, %zu writes p50 %.2f / p99 %.2f ms; "
              "total %lld reads, %lld writes, %lld unexpected errors\n",
              name, s.at_s, s.rss.total / 1024.0, s.fds, s.wal / 1048576.0,
              (monotonic_ms() - window_from_ms) / 1000.0, s.reads_in_window,
              percentile_us(r, 50) / 1000, s.read_p99_ms, s.writes_in_window,
              percentile_us(w, 50) / 1000, s.write_p99_ms, static_cast<long long>(s.reads),
              static_cast<long long>(s.writes), static_cast<long long>(s.unexpected));
  std::printf("  baseline: %zu daemon.ping p50 %.2f / p99 %.2f ms (no database, the machine's "
              "scheduling)\n", p.size(), percentile_us(p, 50) / 1000, s.ping_p99_ms);
  std::printf("  memory: RSS anonymous %.1f MiB, file-backed %.1f MiB, shared %.1f MiB; C heap "
              "in use %.1f MiB, of it SQLite %.1f MiB (page caches); free but kept by malloc "
              "%.1f MiB\n",
              s.rss.anon / 1024.0, s.rss.file / 1024.0, s.rss.shmem / 1024.0,
              s.heap_kib / 1024.0, s.sqlite_kib / 1024.0, s.heap_free_kib / 1024.0);
  if (auto st = d.call("index.status")) {
    int64_t docs = 0, dirty = 0;
    for (const auto& k : (*st)["kinds"]) {
      docs += k.value("documents", int64_t{0});
      dirty += k.value("dirty", int64_t{0});
    }
    std::printf("  index: %lld documents, %lld dirty, %.1f MiB; database %.1f MiB\n",
                static_cast<long long>(docs), static_cast<long long>(dirty),
                (*st)["index_bytes"].get<double>() / 1048576.0,
                file_bytes(d.db_path()) / 1048576.0);
  }
  std::fflush(stdout);
  return s;
}

bool check(const char* what, bool pass, const std::string& measured) {
  std::printf("  %-4s %-34s %s\n", pass ? "PASS" : "FAIL", what, measured.c_str());
  return pass;
}

// The daemon's own time per call (the handler alone, no queueing) for the
// methods that cost it most in the last interval, beside the same figure over
// the warm-up: a method whose calls grow slower as the data grows shows here.
void print_handler_costs(const Json& warmup, const Json& before, const Json& end) {
  auto avg = [](const Json& a, const Json& b, const std::string& m, int64_t* busy) {
    auto get = [&](const Json& j, const char* k) {
      return j.contains(m) ? j[m].value(k, int64_t{0}) : int64_t{0};
    };
    int64_t calls = get(b, "calls") - get(a, "calls");
    int64_t ms = get(b, "busy_ms") - get(a, "busy_ms");
    if (busy) *busy = ms;
    return calls > 0 ? static_cast<double>(ms) / static_cast<double>(calls) : 0.0;
  };
  std::vector<std::tuple<int64_t, std::string, double, double>> rows;
  for (auto it = end.begin(); it != end.end(); ++it) {
    int64_t busy = 0;
    double last = avg(before, end, it.key(), &busy);
    rows.emplace_back(busy, it.key(), avg(Json::object(), warmup, it.key(), nullptr), last);
  }
  std::sort(rows.rbegin(), rows.rend());
  std::printf("daemon time per call (handler only), warm-up vs last interval:\n");
  for (size_t i = 0; i < rows.size() && i < 8; ++i) {
    auto& [busy, m, first, last] = rows[i];
    std::printf("  %-28s %7.2f ms -> %7.2f ms  (%lld ms busy in the interval)\n", m.c_str(),
                first, last, static_cast<long long>(busy));
  }
}

std::string fmt(const char* f, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--minutes") o.seconds = std::atoi(v) * 60;
    else if (k == "--seconds") o.seconds = std::atoi(v);
    else if (k == "--clients") o.clients = std::atoi(v);
    else if (k == "--rate") o.rate = std::atof(v);
    else if (k == "--file-rate") o.file_rate = std::atof(v);
    else if (k == "--readers") o.readers = std::atoi(v);
    else if (k == "--cairnd") ::setenv("CAIRN_CAIRND", v, 1);
    else std::fprintf(stderr, "soak: unknown flag %s\n", k.c_str()), std::exit(2);
  }
  if (o.seconds < 1 || o.clients < 1 || o.rate <= 0 || o.file_rate < 0) {
    std::fprintf(stderr, "soak: --seconds, --clients and --rate must be positive\n"), std::exit(2);
  }
  if (argc % 2 == 0) std::fprintf(stderr, "soak: a flag without a value\n"), std::exit(2);
  return o;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::bench;
  Options o = parse(argc, argv);
  const int64_t rebuild_s = std::min<int64_t>(60, o.seconds / 2);
  const int64_t warmup_s = rebuild_s + std::min<int64_t>(15, o.seconds / 10);

  testing::TempDir tree;
  FileChurn churn(tree.path());
  testing::DaemonOptions dopt;
  dopt.args = {"--log-level", "warn"};
  if (o.readers > 0) dopt.args.insert(dopt.args.end(), {"--readers", std::to_string(o.readers)});
  testing::DaemonProcess d(dopt);
  if (Status st = d.start(); !st.is_ok()) {
    std::fprintf(stderr, "soak: cairnd did not start: %s\n", st.to_string().c_str());
    return 1;
  }
  std::printf("soak: %s (pid %d), %d s; %d clients at %.0f requests/s each, 2 subscribers, "
              "%.0f file changes/s, index.rebuild every %lld s, warm-up %lld s\n",
              testing::DaemonProcess::binary("cairnd").c_str(), d.pid(), o.seconds, o.clients,
              o.rate, o.file_rate, static_cast<long long>(rebuild_s),
              static_cast<long long>(warmup_s));
  if (auto r = d.call("files.track", {{"path", tree.path()}}); !r) {
    std::fprintf(stderr, "soak: files.track: %s\n", r.status().to_string().c_str());
    return 1;
  }

  SoakStats stats;
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = ipc::Client::connect(d.socket_path());
      if (!conn) return stats.error("connect", conn.status());
      SoakClient client(std::move(*conn), c, stats);
      client.setup();
      Pace pace(o.rate, 1000 + c);
      while (!g_stop) {
        pace.wait();
        client.step();
      }
    });
  }
  Subscriber all, some;
  threads.emplace_back([&] { all.run(d.socket_path(), Json::array({"*"}), stats); });
  threads.emplace_back(
      [&] { some.run(d.socket_path(), Json::array({"tasks", "files", "index"}), stats); });
  if (o.file_rate > 0) threads.emplace_back([&] { churn.run(o.file_rate); });

  // The baseline, in the same run: daemon.ping 20 times a second on its own
  // connection. It touches no database, so its p99 is what the loaded machine
  // (2 shared cores) adds to any request; read and write p99 are judged beside it.
  threads.emplace_back([&] {
    auto conn = ipc::Client::connect(d.socket_path());
    if (!conn) return stats.error("connect", conn.status());
    Pace pace(20);
    while (!g_stop) {
      pace.wait();
      int64_t t0 = monotonic_us();
      if (auto r = conn->call("daemon.ping", nullptr, 60000); !r) stats.error("daemon.ping", r.status());
      stats.latency("daemon.ping", monotonic_us() - t0, kProbe);
    }
  });

  // The rebuilds: each one marks every document dirty and re-chunks it while the
  // load goes on. Their latency is not a client read or write, so it is kept apart.
  std::atomic<int> rebuilds{0};
  std::atomic<int64_t> rebuild_max_ms{0};
  threads.emplace_back([&] {
    auto conn = ipc::Client::connect(d.socket_path());
    if (!conn) return stats.error("connect", conn.status());
    int64_t next = monotonic_ms() + rebuild_s * 1000;
    while (!g_stop) {
      if (monotonic_ms() < next) { sleep_ms(100); continue; }
      next += rebuild_s * 1000;
      int64_t t0 = monotonic_ms();
      if (auto r = conn->call("index.rebuild", Json::object(), 60000); !r) {
        stats.error("index.rebuild", r.status());
      }
      rebuild_max_ms = std::max<int64_t>(rebuild_max_ms, monotonic_ms() - t0);
      ++rebuilds;
    }
  });

  // The main thread samples: WAL every second (its largest size is a pass
  // condition), a progress line every `every` seconds, the two snapshots.
  const int64_t start = monotonic_ms();
  const int64_t every = std::clamp<int64_t>(o.seconds / 10, 10, 60);
  int64_t wal_max = 0, fds_max = 0;
  std::optional<Snapshot> first;
  Json methods_before_end;  // daemon.status "methods" at the last progress line
  for (int64_t s = 1; s <= o.seconds; ++s) {
    while (monotonic_ms() < start + s * 1000) sleep_ms(20);
    wal_max = std::max(wal_max, file_bytes(d.db_path() + "-wal"));
    fds_max = std::max<int64_t>(fds_max, count_fds_once(d.pid()));
    if (s == warmup_s) first = snapshot("start", d, stats, start, start);
    if (s % every == 0 && s != o.seconds) {
      if (auto st = d.call("daemon.status")) methods_before_end = (*st)["methods"];
      // p99 of the interval since the last line: a slow stretch shows where it was.
      int64_t from = start + (s - every) * 1000;
      auto r = stats.window(from, kRead), w = stats.window(from, kWrite);
      std::printf("  %4lld s: RSS %.1f MiB, %d fds, WAL %.2f MiB, p99 read %.1f / write %.1f "
                  "ms, %lld reads, %lld writes, "
                  "%lld events, %lld file changes, %d rebuilds, %lld unexpected errors\n",
                  static_cast<long long>(s), rss_of(d.pid()).total / 1024.0, count_fds_once(d.pid()),
                  file_bytes(d.db_path() + "-wal") / 1048576.0,
                  percentile_us(r, 99) / 1000, percentile_us(w, 99) / 1000,
                  static_cast<long long>(stats.reads.load()),
                  static_cast<long long>(stats.writes.load()),
                  static_cast<long long>(all.events.load()),
                  static_cast<long long>(churn.changes()), rebuilds.load(),
                  static_cast<long long>(stats.unexpected.load()));
      std::fflush(stdout);
    }
  }
  const int64_t end_from = std::max(start, monotonic_ms() - 60000);
  Snapshot last = snapshot("end", d, stats, start, end_from);
  auto slow_reads = stats.over(end_from, kRead, 20000);
  if (!first) first = last;
  g_stop = true;
  for (auto& t : threads) t.join();
  double secs = (monotonic_ms() - start) / 1000.0;

  std::printf("load: %.0f s, %lld reads + %lld writes (%.0f/s), %lld expected errors; "
              "%lld events to the '*' subscriber, %lld to the other; %lld file changes "
              "(%.0f/s, %lld failed); %d rebuilds (slowest reply %lld ms); "
              "largest WAL %.2f MiB; most fds %lld\n",
              secs, static_cast<long long>(stats.reads.load()),
              static_cast<long long>(stats.writes.load()),
              (stats.reads + stats.writes) / secs,
              static_cast<long long>(stats.expected_errors.load()),
              static_cast<long long>(all.events.load()), static_cast<long long>(some.events.load()),
              static_cast<long long>(churn.changes()), churn.changes() / secs,
              static_cast<long long>(churn.failures()), rebuilds.load(),
              static_cast<long long>(rebuild_max_ms.load()), wal_max / 1048576.0,
              static_cast<long long>(fds_max));
  // The slowest methods by p99 over the whole run: where the time goes.
  std::vector<std::tuple<double, std::string, size_t, double>> slow;
  for (auto& [m, us] : stats.by_method()) {
    double p50 = percentile_us(us, 50) / 1000;
    slow.emplace_back(percentile_us(us, 99) / 1000, m, us.size(), p50);
  }
  std::sort(slow.rbegin(), slow.rend());
  std::printf("slowest methods over the run (p99):\n");
  for (size_t i = 0; i < slow.size() && i < 8; ++i) {
    auto& [p99, m, n, p50] = slow[i];
    std::printf("  %-28s %8zu calls  p50 %7.2f ms  p99 %7.2f ms\n", m.c_str(), n, p50, p99);
  }
  // What the end sample's read p99 is made of: the reads over its limit, by method.
  std::vector<std::tuple<int64_t, std::string, int64_t>> over;
  for (auto& [m, n] : slow_reads) {
    if (n.second > 0) over.emplace_back(n.second, m, n.first);
  }
  std::sort(over.rbegin(), over.rend());
  std::printf("reads over 20 ms in the end sample (1%% of its reads is %zu):\n",
              last.reads_in_window / 100);
  for (auto& [n, m, all] : over) {
    std::printf("  %-28s %6lld of %6lld calls\n", m.c_str(), static_cast<long long>(n),
                static_cast<long long>(all));
  }
  print_handler_costs(first->methods, methods_before_end, last.methods);
  for (const auto& [key, n] : stats.by_code()) {
    std::printf("  unexpected: %-40s %lld\n", key.c_str(), static_cast<long long>(n));
  }
  for (const auto& m : stats.first()) std::printf("    %s\n", m.c_str());

  int64_t order = all.out_of_order + some.out_of_order;
  double growth = 100.0 * (last.rss.total - first->rss.total) / first->rss.total;
  bool ok = true;
  std::printf("row 30 (warm-up sample at %.0f s, end sample at %.0f s):\n", first->at_s, last.at_s);
  ok &= check("zero unexpected errors", stats.unexpected == 0 && order == 0,
              fmt("%.0f unexpected, %.0f events out of order", stats.unexpected, order));
  ok &= check("RSS growth < 10% after warm-up", growth < 10,
              fmt("%.1f%%", growth) +
                  fmt(" (%.1f -> %.1f MiB", first->rss.total / 1024.0, last.rss.total / 1024.0) +
                  fmt("; SQLite heap %+.1f MiB,", (last.sqlite_kib - first->sqlite_kib) / 1024.0) +
                  fmt(" rest of the C heap %+.1f MiB;",
                      (last.heap_kib - last.sqlite_kib - first->heap_kib + first->sqlite_kib) /
                          1024.0) +
                  fmt(" free but kept by malloc %+.1f MiB;",
                      (last.heap_free_kib - first->heap_free_kib) / 1024.0) +
                  fmt(" RSS anonymous %+.1f MiB,", (last.rss.anon - first->rss.anon) / 1024.0) +
                  fmt(" file-backed %+.1f MiB,", (last.rss.file - first->rss.file) / 1024.0) +
                  fmt(" shared %+.1f MiB)", (last.rss.shmem - first->rss.shmem) / 1024.0));
  // Stable: the end count (the least of five reads) is at most 2 above the
  // start's, room for a scan or an index batch caught with a file open.
  ok &= check("fd count stable", last.fds <= first->fds + 2,
              fmt("%.0f -> %.0f", first->fds, last.fds) + fmt(" (most seen %.0f)", fds_max));
  ok &= check("WAL < 64 MiB", wal_max < 64 << 20,
              fmt("largest %.2f MiB, at the end %.2f MiB", wal_max / 1048576.0,
                  last.wal / 1048576.0));
  ok &= check("read p99 < 20 ms", first->read_p99_ms < 20 && last.read_p99_ms < 20,
              fmt("start %.2f ms, end %.2f ms", first->read_p99_ms, last.read_p99_ms));
  ok &= check("write p99 < 100 ms", first->write_p99_ms < 100 && last.write_p99_ms < 100,
              fmt("start %.2f ms, end %.2f ms", first->write_p99_ms, last.write_p99_ms));
  std::printf("  (info) daemon.ping p99          start %.2f ms, end %.2f ms\n", first->ping_p99_ms,
              last.ping_p99_ms);

  int64_t t0 = monotonic_ms();
  int code = d.terminate(30000);
  ok &= check("SIGTERM exits 0", code == 0,
              fmt("exit %.0f after %.0f ms", code, monotonic_ms() - t0));
  std::string integrity = testing::sqlite3(d.db_path(), "PRAGMA integrity_check;");
  while (!integrity.empty() && integrity.back() == '\n') integrity.pop_back();
  ok &= check("PRAGMA integrity_check", integrity == "ok", integrity);
  if (!ok) {
    std::string log = d.log();
    std::printf("cairnd log (last 4 KiB):\n%s\n",
                log.substr(log.size() > 4096 ? log.size() - 4096 : 0).c_str());
  }
  std::printf("soak: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
