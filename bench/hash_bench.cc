// hash_bench: time from files.track to every file hashed and recorded, against
// `find -type f -print0 | xargs -0 -P2 sha256sum` over the same tree in the
// same run (and watchman's crawl plus content.sha1hex when it is installed);
// then the restart rescan of the unchanged tree and the daemon's RSS.
//
//   hash_bench [DIR...]      default: /usr/include
// Caches are warmed first (one read of the tree), so every contender reads
// from the page cache: this measures hashing and bookkeeping, not the disk.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"

using cairn::Json;
using cairn::testing::DaemonProcess;
using cairn::testing::run_command;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double shell_time(const std::string& cmd) {
  double t0 = now_s();
  auto r = run_command({"sh", "-c", cmd}, {}, 3600 * 1000);
  double t = now_s() - t0;
  if (r.status != 0) std::fprintf(stderr, "warning: `%s` exited %d\n", cmd.c_str(), r.status);
  return t;
}

// Waits until every root is "watching"; returns seconds since `t0`.
double wait_watching(DaemonProcess& d, double t0) {
  for (;;) {
    auto r = d.call("files.roots");
    bool done = r.has_value() && !(*r)["roots"].empty();
    if (done) {
      for (const auto& x : (*r)["roots"]) done = done && x["state"] != "scanning";
    }
    if (done) return now_s() - t0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) dirs.push_back(argv[i]);
  if (dirs.empty()) dirs.push_back("/usr/include");
  std::string list;
  for (const auto& d : dirs) list += " '" + d + "'";

  auto count = run_command(
      {"sh", "-c", "find" + list + " -type f | wc -l; du -scb" + list + " | tail -1 | cut -f1"});
  std::printf("tree:%s  files and bytes: %s", list.c_str(), count.output.c_str());
  std::printf("warming the page cache...\n");
  shell_time("find" + list + " -type f -print0 | xargs -0 cat > /dev/null");

  double sha = shell_time("find" + list + " -type f -print0 | xargs -0 -P2 sha256sum > /dev/null");
  std::printf("find | xargs -P2 sha256sum:          %8.3f s\n", sha);

  DaemonProcess d;
  if (!d.start().is_ok()) {
    std::fprintf(stderr, "cairnd did not start\n");
    return 1;
  }
  double t0 = now_s();
  for (const auto& dir : dirs) {
    auto r = d.call("files.track", {{"path", dir}, {"gitignore", false}});
    if (!r) {
      std::fprintf(stderr, "files.track %s: %s\n", dir.c_str(), r.status().message().c_str());
      return 1;
    }
  }
  double track = wait_watching(d, t0);
  auto st = d.call("daemon.status");
  Json f = st ? (*st)["files"] : Json();
  int64_t rss = rss_kib(d.pid());
  std::printf("cairn files.track (hashed+recorded): %8.3f s  (%s files hashed, %s watches)\n",
              track, f["hashes"].dump().c_str(), f["watches"].dump().c_str());
  std::printf("ratio cairn / sha256sum:             %8.2f  (goal <= 0.8)\n", track / sha);
  std::printf("cairnd RSS after tracking:           %8.1f MiB\n", rss / 1024.0);

  if (d.terminate() != 0) std::fprintf(stderr, "warning: cairnd did not stop cleanly\n");
  DaemonProcess b(d, {});
  double t1 = now_s();
  if (!b.start().is_ok()) return 1;
  double rescan = wait_watching(b, t1);
  st = b.call("daemon.status");
  f = st ? (*st)["files"] : Json();
  std::printf("restart + rescan of unchanged tree:  %8.3f s  (%s re-hashed, %s stat skips)\n",
              rescan, f["hashes"].dump().c_str(), f["stat_skips"].dump().c_str());
  b.terminate();

  if (run_command({"sh", "-c", "command -v watchman"}).status == 0) {
    // A private watchman instance; its crawl plus content.sha1hex of every file.
    std::string sock = "/tmp/hash_bench_watchman." + std::to_string(getpid());
    std::string wm = "watchman --no-save-state --sockname=" + sock + " --logfile=" + sock + ".log";
    double w0 = now_s();
    bool ok = true;
    for (const auto& dir : dirs) {
      std::string q = "[\"query\", \"" + dir +
                      "\", {\"expression\": [\"type\", \"f\"], \"fields\": [\"name\", "
                      "\"content.sha1hex\"]}]";
      ok = ok && run_command({"sh", "-c",
                              wm + " watch " + dir + " > /dev/null && " + wm +
                                  " -j --server-encoding=json > /dev/null <<'EOF'\n" + q + "\nEOF"},
                             {}, 3600 * 1000)
                         .status == 0;
    }
    double wt = now_s() - w0;
    auto pid = run_command({"sh", "-c", wm + " get-pid"});
    Json pj = Json::parse(pid.output, nullptr, false);
    int64_t wrss = pj.is_object() && pj.contains("pid") ? rss_kib(pj["pid"].get<int>()) : 0;
    if (ok) {
      std::printf("watchman crawl + content.sha1hex:    %8.3f s  (RSS %.1f MiB)\n", wt,
                  wrss / 1024.0);
      std::printf("ratio cairn / watchman:              %8.2f\n", track / wt);
    } else {
      std::printf("watchman: query failed\n");
    }
    run_command({"sh", "-c", wm + " shutdown-server > /dev/null 2>&1; rm -f " + sock + "*"});
  } else {
    std::printf("watchman: not installed\n");
  }
  return 0;
}
