// cli_bench: how long a `cairn` command takes with a warm daemon and when it
// must start cairnd first (cold), against watchman's CLI doing the same
// (`watchman get-pid`, warm and after `watchman shutdown-server`), same run.
//
//   cli_bench [--runs N]
#include <cstring>
#include <unistd.h>

#include "base/clock.h"
#include "bench/bench_util.h"

namespace cairn::bench {
namespace {

using Env = std::map<std::string, std::string>;

// Median and p99 in ms of `runs` runs of argv, each after `before` (untimed).
std::pair<double, double> time_runs(const std::vector<std::string>& argv, const Env& env,
                                    int runs, const std::vector<std::string>& before = {}) {
  std::vector<int64_t> us;
  for (int i = 0; i < runs; ++i) {
    if (!before.empty()) testing::run_command(before, env);
    int64_t t0 = monotonic_us();
    auto r = testing::run_command(argv, env);
    int64_t t = monotonic_us() - t0;
    if (r.status != 0) {
      std::fprintf(stderr, "cli_bench: %s failed: %s\n", argv[0].c_str(), r.output.c_str());
      return {0, 0};
    }
    us.push_back(t);
  }
  return {percentile_us(us, 50) / 1000, percentile_us(us, 99) / 1000};
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::bench;
  int runs = 30;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  testing::TempDir home;
  Env env = {{"XDG_RUNTIME_DIR", home / "run"},     {"XDG_DATA_HOME", home / "data"},
             {"XDG_STATE_HOME", home / "state"},    {"XDG_CONFIG_HOME", home / "config"},
             {"HOME", home.path()}};
  shell("mkdir -p -m 700 " + home / "run");
  std::string cairn_bin = testing::DaemonProcess::binary("cairn");

  std::printf("cli_bench: %d runs each, median / p99 in ms\n", runs);
  auto cold = time_runs({cairn_bin, "status"}, env, runs, {cairn_bin, "--no-spawn", "stop"});
  auto warm = time_runs({cairn_bin, "ping"}, env, runs);
  testing::run_command({cairn_bin, "stop"}, env);

  std::string wsock = home / "watchman.sock";
  std::vector<std::string> watchman = {"watchman", "--sockname", wsock, "--statefile",
                                       home / "watchman.state", "--logfile",
                                       home / "watchman.log", "--no-save-state"};
  auto with = [&](std::vector<std::string> tail) {
    auto v = watchman;
    v.insert(v.end(), tail.begin(), tail.end());
    return v;
  };
  bool have_watchman = testing::run_command({"sh", "-c", "command -v watchman"}).status == 0;
  std::pair<double, double> wcold{0, 0}, wwarm{0, 0};
  if (have_watchman) {
    wcold = time_runs(with({"get-pid"}), env, runs, with({"shutdown-server"}));
    wwarm = time_runs(with({"get-pid"}), env, runs);
    testing::run_command(with({"shutdown-server"}), env);
  }
  std::printf("  %-34s %8.2f / %8.2f   watchman get-pid %8.2f / %8.2f   ratio %.2f\n",
              "cold (starts the daemon)", cold.first, cold.second, wcold.first, wcold.second,
              wcold.first > 0 ? cold.first / wcold.first : 0.0);
  std::printf("  %-34s %8.2f / %8.2f   watchman get-pid %8.2f / %8.2f   ratio %.2f\n",
              "warm (daemon running)", warm.first, warm.second, wwarm.first, wwarm.second,
              wwarm.first > 0 ? warm.first / wwarm.first : 0.0);
  std::printf("ratio = cairn median / watchman median (lower is faster)\n");
  return 0;
}
