// latency_bench: time from a write to the file event, for cairn (an
// events.subscribe client) at the default 20 ms settle and at 1 ms, against
// `inotifywait -m` (raw kernel events, no hashing) in the same run.
// 200 edits each; prints p50/p99 in ms.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"

using cairn::Json;
using cairn::testing::DaemonOptions;
using cairn::testing::DaemonProcess;
using cairn::testing::TempDir;

namespace {

constexpr int kEdits = 200;

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

void report(const char* what, std::vector<double> v) {
  if (v.empty()) {
    std::printf("%-28s no samples\n", what);
    return;
  }
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))]; };
  std::printf("%-28s p50 %7.2f ms   p99 %7.2f ms   (n=%zu)\n", what, pct(0.5), pct(0.99), v.size());
}

std::vector<double> cairn_latency(int settle_ms) {
  TempDir t, cfg;
  write_file(cfg / "c.toml", "watch_settle_ms = " + std::to_string(settle_ms) + "\n");
  DaemonOptions o;
  o.args = {"--config", cfg / "c.toml", "--log-level", "warn"};
  DaemonProcess d(o);
  std::vector<double> out;
  if (!d.start().is_ok()) return out;
  write_file(t / "f", "start");
  (void)d.call("files.track", {{"path", t.path()}});
  for (int i = 0; i < 500; ++i) {
    auto r = d.call("files.roots");
    if (r && !(*r)["roots"].empty() && (*r)["roots"][0]["state"] == "watching") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto c = d.client();
  (void)c.call("events.subscribe", {{"topics", {"files"}}});
  for (int i = 0; i < kEdits; ++i) {
    double t0 = now_ms();
    write_file(t / "f", "edit " + std::to_string(i));
    bool got = false;
    while (!got && now_ms() - t0 < 5000) {
      auto n = c.next_notification(5000);
      if (!n) break;
      for (const auto& e : n->params) got = got || e.value("kind", "") == "modified";
    }
    if (got) out.push_back(now_ms() - t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms + 5));
  }
  d.terminate();
  return out;
}

std::vector<double> inotifywait_latency() {
  TempDir t;
  write_file(t / "f", "start");
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::execlp("inotifywait", "inotifywait", "-m", "-q", "-e", "close_write", t.path().c_str(),
             nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // watches set up
  std::vector<double> out;
  char buf[4096];
  for (int i = 0; i < kEdits; ++i) {
    double t0 = now_ms();
    write_file(t / "f", "edit " + std::to_string(i));
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 5000) == 1 && ::read(fds[0], buf, sizeof buf) > 0)
      out.push_back(now_ms() - t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // Drain anything else (more than one event per edit).
    while (::poll(&p, 1, 0) == 1 && ::read(fds[0], buf, sizeof buf) > 0) {
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  return out;
}

}  // namespace

int main() {
  std::printf("write-to-event latency, %d edits of one file each\n", kEdits);
  auto a = cairn_latency(20);
  report("cairn, settle 20 ms:", a);
  auto b = cairn_latency(1);
  report("cairn, settle 1 ms:", b);
  auto c = inotifywait_latency();
  report("inotifywait -m (close_write):", c);
  if (!a.empty() && !c.empty()) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::sort(c.begin(), c.end());
    std::printf("ratio p50 cairn(20 ms) / inotifywait: %.1f;  cairn(1 ms) / inotifywait: %.1f\n",
                a[a.size() / 2] / c[c.size() / 2],
                b.empty() ? 0.0 : b[b.size() / 2] / c[c.size() / 2]);
  }
  return 0;
}
