// search_bench: indexes a copy of a source tree with cairnd and compares
// search.query latency with ripgrep over the same files, in the same run.
//
//   search_bench [DIR=/usr/include] [MAX_FILES=5000]
//
// Prints: full index time, index size against corpus size, p50/p99 per query
// for cairn and rg and their ratio, and the time for one edited file to become
// searchable. The corpus is tracked with files.track, as a user would.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "base/clock.h"
#include "tests/support/daemon_process.h"

namespace fs = std::filesystem;
using namespace cairn;
using namespace cairn::testing;

namespace {

int64_t pct(std::vector<int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

double us_to_ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string src = argc > 1 ? argv[1] : "/usr/include";
  size_t max_files = argc > 2 ? std::stoul(argv[2]) : 5000;
  TempDir corpus;
  int64_t corpus_bytes = 0;
  size_t files = 0;
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(src, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator() && files < max_files; ++it) {
    std::error_code ec;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    fs::path rel = fs::relative(it->path(), src, ec);
    fs::path to = fs::path(corpus.path()) / rel;
    fs::create_directories(to.parent_path(), ec);
    fs::copy_file(it->path(), to, ec);
    if (ec) continue;
    corpus_bytes += static_cast<int64_t>(fs::file_size(to, ec));
    paths.push_back(to.string());
    ++files;
  }
  std::printf("corpus: %zu files, %.1f MiB (copied from %s)\n", files,
              static_cast<double>(corpus_bytes) / (1 << 20), src.c_str());

  DaemonProcess d;
  if (!d.start().is_ok()) {
    std::fprintf(stderr, "cairnd did not start\n");
    return 1;
  }
  int64_t t0 = monotonic_ms();
  if (auto r = d.call("files.track", {{"path", corpus.path()}}); !r) {
    std::fprintf(stderr, "files.track: %s\n", r.status().to_string().c_str());
    return 1;
  }
  int64_t rows_ms = monotonic_ms() - t0;
  Json status;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto st = d.call("index.status");
    if (!st) continue;
    status = *st;
    const Json& k = status["kinds"][0];
    if (k["dirty"] == 0 && k["documents"].get<int64_t>() > 0 &&
        !k["last_indexed_at"].is_null()) {
      break;
    }
    if (monotonic_ms() - t0 > 30 * 60 * 1000) break;
  }
  int64_t index_ms = monotonic_ms() - t0;
  const Json& k = status["kinds"][0];
  std::printf("full index: %.1f s (tracked in %.1f s), %lld documents, %lld chunks\n",
              static_cast<double>(index_ms) / 1000, static_cast<double>(rows_ms) / 1000, static_cast<long long>(k["documents"]),
              static_cast<long long>(k["chunks"]));
  // index_bytes is recomputed at most once a second after a pass.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  if (auto st = d.call("index.status")) status = *st;
  double idx_mib = static_cast<double>(status["index_bytes"].get<int64_t>()) / (1 << 20);
  std::printf("index size: %.1f MiB = %.2fx the corpus\n", idx_mib,
              idx_mib / (static_cast<double>(corpus_bytes) / (1 << 20)));

  struct Q {
    const char* name;
    std::string q;
    std::vector<std::string> rg;
  };
  std::vector<Q> queries = {
      {"rare identifier", "pthread_mutex_consistent", {"-F", "pthread_mutex_consistent"}},
      {"common word", "return", {"-w", "return"}},
      {"phrase", "\"unsigned long int\"", {"-F", "unsigned long int"}},
      {"identifier prefix", "pthread_mutex*", {"\\bpthread_mutex\\w*"}},
      {"substring", "utex_consist", {"-i", "-F", "utex_consist"}},
      {"broad prefix", "str*", {"\\bstr\\w*"}},
  };
  auto client = d.client();
  std::printf("\n%-18s %9s %9s %9s %9s %8s %7s %9s\n", "query", "cairn p50", "cairn p99",
              "rg p50", "rg p99", "ratio", "hits", "rg files");
  for (const auto& q : queries) {
    std::vector<int64_t> ours, theirs;
    size_t hits = 0;
    for (int i = 0; i < 20; ++i) {
      int64_t s = now_us();
      auto r = client.call("search.query", {{"q", q.q}, {"limit", 20}});
      ours.push_back(now_us() - s);
      if (r) hits = (*r)["results"].size();
    }
    for (int i = 0; i < 5; ++i) {
      std::vector<std::string> argv = {"rg", "-n", "--no-config"};
      argv.insert(argv.end(), q.rg.begin(), q.rg.end());
      argv.push_back(corpus.path());
      int64_t s = now_us();
      run_command(argv);
      theirs.push_back(now_us() - s);
    }
    // The files rg matches, untimed: cairn's hits (at most 20) should be
    // among them, and 0 only where rg finds none.
    std::vector<std::string> list = {"rg", "-l", "--no-config"};
    list.insert(list.end(), q.rg.begin(), q.rg.end());
    list.push_back(corpus.path());
    std::string listed = run_command(list).output;
    size_t rg_files = static_cast<size_t>(std::count(listed.begin(), listed.end(), '\n'));
    std::printf("%-18s %7.2fms %7.2fms %7.1fms %7.1fms %7.0fx %7zu %9zu\n", q.name,
                us_to_ms(pct(ours, 0.5)), us_to_ms(pct(ours, 0.99)), us_to_ms(pct(theirs, 0.5)),
                us_to_ms(pct(theirs, 0.99)),
                static_cast<double>(pct(theirs, 0.5)) / static_cast<double>(pct(ours, 0.5)),
                hits, rg_files);
  }

  // One edited file: from the save to the first query that finds the new word.
  std::string edited = paths[paths.size() / 2];
  {
    std::ofstream out(edited, std::ios::app);
    out << "\nbenchfreshword_" << ::getpid() << "\n";
  }
  int64_t s = monotonic_ms();
  std::string word = "benchfreshword_" + std::to_string(::getpid());
  int64_t found_ms = -1;
  while (monotonic_ms() - s < 10000) {
    auto r = client.call("search.query", {{"q", word}});
    if (r && !(*r)["results"].empty()) {
      found_ms = monotonic_ms() - s;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("\nedited file searchable after %lld ms\n", static_cast<long long>(found_ms));
  d.terminate();
  return 0;
}
