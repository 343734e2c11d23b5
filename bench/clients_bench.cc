// clients_bench: the Python (blocking and asyncio) and Node client libraries
// against the C++ client (ipc/client.h): daemon.ping and prefs.set (an
// acknowledged write), one client with one request in flight, on one cairnd in
// the same run; the ratio is each library's rate over the C++ client's. The
// clients take turns for several rounds and each keeps its best round, so that a
// burst of load on a shared machine does not land on one client only.
//
//   clients_bench [--seconds S] [--rounds R]   (per measurement; default 2 s, 3 rounds)
// The drivers are bench/clients/py_driver.py (run with /usr/bin/python3, or
// $CAIRN_PYTHON) and bench/clients/node_driver.js (clients/node must be compiled).
#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>

#include "base/clock.h"
#include "bench/bench_util.h"

namespace cairn::bench {
namespace {

struct Run {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

Run cpp_run(const std::string& socket, bool write, double seconds) {
  auto client = ipc::Client::connect(socket);
  Run r;
  if (!client) return r;
  std::vector<int64_t> lat;
  int64_t start = monotonic_us();
  int64_t end = start + static_cast<int64_t>(seconds * 1e6);
  for (int i = 0;; ++i) {
    int64_t t0 = monotonic_us();
    if (t0 >= end) break;
    bool ok = write ? client
                          ->call("prefs.set", Json{{"category", "bench-cpp"},
                                                   {"key", "k" + std::to_string(i % 1000)},
                                                   {"value", i}})
                          .has_value()
                    : client->call("daemon.ping").has_value();
    if (!ok) return r;
    lat.push_back(monotonic_us() - t0);
  }
  r.per_second = lat.size() / ((monotonic_us() - start) / 1e6);
  r.p50_us = percentile_us(lat, 50);
  r.p99_us = percentile_us(lat, 99);
  return r;
}

Run driver(const std::string& command) {
  std::istringstream in(shell(command));
  Run r;
  in >> r.per_second >> r.p50_us >> r.p99_us;
  return r;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::bench;
  double seconds = 2;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  testing::DaemonOptions o;
  o.args = {"--log-level", "warn"};
  testing::DaemonProcess d(o);
  if (Status st = d.start(); !st.is_ok()) {
    std::fprintf(stderr, "clients_bench: cairnd did not start: %s\n%s", st.to_string().c_str(),
                 d.log().c_str());
    return 1;
  }
  const char* py_env = std::getenv("CAIRN_PYTHON");
  std::string python = py_env && *py_env ? py_env : "/usr/bin/python3";
  std::string dir = std::string(CAIRN_SOURCE_DIR) + "/bench/clients/";
  std::string secs = std::to_string(seconds);
  std::printf(
      "clients_bench: one client, one request in flight, %.1f s per run, best of %d "
      "rounds\n",
      seconds, rounds);
  std::printf("%-8s %-14s %12s %10s %10s %8s\n", "op", "client", "req/s", "p50 us", "p99 us",
              "ratio");
  for (const char* op : {"ping", "write"}) {
    bool write = std::strcmp(op, "write") == 0;
    std::string args = d.socket_path() + " ";
    std::vector<std::pair<const char*, std::function<Run()>>> clients = {
        {"C++", [&] { return cpp_run(d.socket_path(), write, seconds); }},
        {"Python sync",
         [&] {
           return driver(python + " " + dir + "py_driver.py " + args + "sync " + op + " " + secs);
         }},
        {"Python async",
         [&] {
           return driver(python + " " + dir + "py_driver.py " + args + "async " + op + " " + secs);
         }},
        {"Node",
         [&] { return driver("node " + dir + "node_driver.js " + args + op + " " + secs); }},
    };
    std::vector<Run> best(clients.size());
    for (int round = 0; round < rounds; ++round) {
      for (size_t i = 0; i < clients.size(); ++i) {
        Run r = clients[i].second();
        if (r.per_second > best[i].per_second) best[i] = r;
      }
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      std::printf("%-8s %-14s %12.0f %10.0f %10.0f %8.2f\n", op, clients[i].first,
                  best[i].per_second, best[i].p50_us, best[i].p99_us,
                  best[0].per_second > 0 ? best[i].per_second / best[0].per_second : 0.0);
    }
  }
  std::printf("ratio = the library's req/s / the C++ client's req/s (ipc::Client)\n");
  return 0;
}
