// rpc_bench: daemon.ping over the Unix socket with 1, 10 and 50 concurrent
// clients (one request in flight per client), against redis-benchmark's
// ping_inline on a redis-server Unix socket in the same run.
//
//   rpc_bench [--seconds S]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <regex>
#include <thread>

#include "base/clock.h"
#include "bench/bench_util.h"

namespace cairn::bench {
namespace {

struct Run {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

Run cairn_ping(const std::string& socket, int clients, double seconds) {
  std::vector<std::vector<int64_t>> lat(clients);
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = ipc::Client::connect(socket);
      if (!client) return;
      lat[c].reserve(200000);
      while (!go) std::this_thread::yield();
      while (!stop) {
        int64_t t0 = monotonic_us();
        if (!client->call("daemon.ping")) return;
        lat[c].push_back(monotonic_us() - t0);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all connected
  int64_t start = monotonic_us();
  go = true;
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = (monotonic_us() - start) / 1e6;
  std::vector<int64_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  Run r;
  r.per_second = all.size() / elapsed;
  r.p50_us = percentile_us(all, 50);
  r.p99_us = percentile_us(all, 99);
  return r;
}

// redis-benchmark -q prints "PING_INLINE: 81234.55 requests per second, p50=0.287 msec".
Run redis_ping(const std::string& socket, int clients, int requests) {
  std::string out = shell("redis-benchmark -s " + socket + " -t ping_inline -c " +
                          std::to_string(clients) + " -n " + std::to_string(requests) + " -q");
  Run r;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(([0-9.]+) requests per second)"))) {
    r.per_second = std::stod(m[1]);
  }
  if (std::regex_search(out, m, std::regex(R"(p50=([0-9.]+) msec)"))) {
    r.p50_us = std::stod(m[1]) * 1000;
  }
  return r;
}

pid_t start_redis(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execlp("redis-server", "redis-server", "--port", "0", "--unixsocket",
             (dir + "/redis.sock").c_str(), "--save", "", "--appendonly", "no", "--dir",
             dir.c_str(), "--daemonize", "no", "--loglevel", "warning", nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200 && ::access((dir + "/redis.sock").c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pid;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::bench;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  testing::DaemonOptions o;
  o.args = {"--log-level", "warn", "--max-clients", "256"};
  testing::DaemonProcess d(o);
  if (Status st = d.start(); !st.is_ok()) {
    std::fprintf(stderr, "rpc_bench: cairnd did not start: %s\n%s", st.to_string().c_str(),
                 d.log().c_str());
    return 1;
  }
  testing::TempDir redis_dir;
  pid_t redis = start_redis(redis_dir.path());
  bool have_redis = ::access((redis_dir / "redis.sock").c_str(), F_OK) == 0;
  std::printf("rpc_bench: daemon.ping, one request in flight per client, %.0f s per run\n",
              seconds);
  std::printf("%8s %14s %10s %10s %14s %10s %8s\n", "clients", "cairn req/s", "p50 us",
              "p99 us", "redis req/s", "p50 us", "ratio");
  for (int clients : {1, 10, 50}) {
    Run c = cairn_ping(d.socket_path(), clients, seconds);
    Run r;
    if (have_redis) {
      int n = std::max(10000, static_cast<int>(c.per_second * seconds));
      r = redis_ping(redis_dir / "redis.sock", clients, n);
    }
    std::printf("%8d %14.0f %10.0f %10.0f %14.0f %10.0f %8.2f\n", clients, c.per_second,
                c.p50_us, c.p99_us, r.per_second, r.p50_us,
                r.per_second > 0 ? c.per_second / r.per_second : 0.0);
  }
  std::printf("ratio = cairn req/s / redis req/s (redis-benchmark ping_inline -s SOCKET)\n");
  if (redis > 0) {
    ::kill(redis, SIGTERM);
    ::waitpid(redis, nullptr, 0);
  }
  return 0;
}
