// tasks_bench: cairn's tasks against Taskwarrior, the tool a CLI user would pick.
//
//   1. creates N tasks (default 100,000) over RPC with tags, lists, due dates and
//      dependency chains of ten (tasks.create, pipelined on one connection);
//   2. p50/p99 of tasks.list with filters and of tasks.ready over RPC;
//   3. end to end: `cairn task ls` and `cairn task add` (process start included);
//   4. in the same run, Taskwarrior (`task`) on 10,000 tasks: import, `task add`,
//      and a filtered `task list`; prints the ratios.
//
// Usage: tasks_bench [N] [TASKWARRIOR_N]. A benchmark, not a test: it prints.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"

using cairn::Json;
using cairn::testing::DaemonProcess;
using cairn::testing::run_command;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Stats {
  double p50 = 0, p99 = 0;
};

Stats measure(int runs, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    fn();
    t.push_back(ms_since(start));
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t[std::min(t.size() - 1, t.size() * 99 / 100)]};
}

void die(const std::string& what) {
  std::fprintf(stderr, "tasks_bench: %s\n", what.c_str());
  std::exit(1);
}

Json task_args(int64_t i) {
  static const char* kLists[] = {"default", "work", "home"};
  Json a{{"id", i},
         {"title", "task " + std::to_string(i) + (i % 13 == 0 ? " parser" : "")},
         {"priority", 1 + i % 5},
         {"list_id", kLists[i % 3]}};
  if (i % 7 == 0) a["tags"] = {"api"};
  if (i % 2 == 0) a["due"] = 1795000000000 + i * 60000;
  if (i % 10 != 1) a["depends_on"] = {i - 1};        // chains of ten
  if (i % 10 >= 1 && i % 10 <= 3) a["status"] = "done";  // the first three are done
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::stoll(argv[1]) : 100000;
  int64_t tw_n = argc > 2 ? std::stoll(argv[2]) : 10000;

  DaemonProcess d;
  if (auto st = d.start(); !st.is_ok()) die("cairnd did not start: " + st.to_string());
  auto client = d.client();
  for (const char* l : {"work", "home"}) {
    if (!client.call("lists.create", {{"name", l}})) die("lists.create failed");
  }

  // 1. Create, with a window of requests in flight so group commit can batch.
  constexpr size_t kWindow = 256;
  auto start = Clock::now();
  std::vector<uint32_t> inflight;
  for (int64_t i = 1; i <= n; ++i) {
    auto id = client.send("tasks.create", task_args(i));
    if (!id) die("send: " + id.status().to_string());
    inflight.push_back(*id);
    if (inflight.size() == kWindow || i == n) {
      for (uint32_t m : inflight) {
        auto r = client.wait(m, 60000);
        if (!r) die("tasks.create: " + r.status().to_string());
      }
      inflight.clear();
    }
  }
  double create_ms = ms_since(start);
  std::printf("cairn: created %lld tasks over RPC in %.1f s (%.0f tasks/s, synchronous=FULL)\n",
              static_cast<long long>(n), create_ms / 1000, n / (create_ms / 1000));

  // 2. Queries over RPC.
  struct Query {
    const char* name;
    const char* method;
    Json args;
  } queries[] = {
      {"tasks.list open, first page", "tasks.list", {{"status", "open"}}},
      {"tasks.list list+tag, by priority", "tasks.list",
       {{"list_id", "work"}, {"tag", "api"}, {"sort", "priority"}}},
      {"tasks.list due before, by due", "tasks.list",
       {{"status", "open"}, {"due_before", 1795000000000 + n * 30000}, {"sort", "due"}}},
      {"tasks.list text", "tasks.list", {{"text", "parser"}, {"limit", 50}}},
      {"tasks.ready", "tasks.ready", Json::object()},
  };
  std::printf("\n%-36s %9s %9s %6s\n", "RPC query (100 rows unless said)", "p50 ms", "p99 ms",
              "rows");
  double ready_p50 = 0, list_p50 = 0;
  for (const auto& q : queries) {
    size_t rows = 0;
    Stats s = measure(100, [&] {
      auto r = client.call(q.method, q.args);
      if (!r) die(std::string(q.method) + ": " + r.status().to_string());
      rows = (*r)["tasks"].size();
    });
    std::printf("%-36s %9.2f %9.2f %6zu\n", q.name, s.p50, s.p99, rows);
    if (std::string(q.method) == "tasks.ready") ready_p50 = s.p50;
    if (list_p50 == 0) list_p50 = s.p50;
  }

  // 3. End to end through the CLI.
  std::map<std::string, std::string> env{{"CAIRN_SOCKET", d.socket_path()}};
  std::string cairn = DaemonProcess::binary("cairn");
  Stats cairn_ls = measure(20, [&] {
    auto r = run_command({cairn, "--no-spawn", "task", "ls", "--tag", "api", "--limit", "100"}, env);
    if (r.status != 0) die("cairn task ls: " + r.output);
  });
  Stats cairn_add = measure(50, [&] {
    auto r = run_command({cairn, "--no-spawn", "task", "add", "bench add", "--tag", "api"}, env);
    if (r.status != 0) die("cairn task add: " + r.output);
  });
  std::printf("\ncairn task ls --tag api (100 of %lld tasks), end to end: p50 %.1f ms, p99 %.1f ms"
              " (goal < 50 ms)\n",
              static_cast<long long>(n), cairn_ls.p50, cairn_ls.p99);
  std::printf("cairn task add, end to end: p50 %.1f ms, p99 %.1f ms\n", cairn_add.p50,
              cairn_add.p99);

  // 4. Taskwarrior, same run.
  cairn::testing::TempDir tw;
  std::string rc = tw.path() + "/taskrc";
  std::ofstream(rc) << "data.location=" << tw.path() << "/data\nconfirmation=off\nverbose=nothing\n"
                    << "gc=on\nhooks=off\n";
  ::mkdir((tw.path() + "/data").c_str(), 0700);
  std::map<std::string, std::string> tenv{{"TASKRC", rc}, {"TASKDATA", tw.path() + "/data"}};
  {
    std::ofstream f(tw.path() + "/import.json");
    f << "[";
    for (int64_t i = 1; i <= tw_n; ++i) {
      if (i > 1) f << ",";
      Json t{{"description", "task " + std::to_string(i)},
             {"status", "pending"},
             {"uuid", "00000000-0000-4000-8000-" + [&] {
                char b[24];
                std::snprintf(b, sizeof b, "%012lld", static_cast<long long>(i));
                return std::string(b);
              }()},
             {"entry", "20261101T000000Z"},
             {"project", i % 3 ? "work" : "home"}};
      if (i % 7 == 0) t["tags"] = {"api"};
      f << t.dump();
    }
    f << "]";
  }
  auto t0 = Clock::now();
  auto imp = run_command({"task", "import", tw.path() + "/import.json"}, tenv, 600000);
  double import_ms = ms_since(t0);
  if (imp.status != 0) die("task import failed: " + imp.output);
  Stats tw_add = measure(50, [&] {
    auto r = run_command({"task", "add", "bench add", "+api"}, tenv);
    if (r.status != 0) die("task add: " + r.output);
  });
  Stats tw_ls = measure(20, [&] {
    auto r = run_command({"task", "+api", "limit:100", "list"}, tenv);
    if (r.status != 0 && r.status != 1) die("task list: " + r.output);
  });
  std::printf("\ntaskwarrior: import %lld tasks %.1f s; task add p50 %.1f ms p99 %.1f ms; "
              "task +api limit:100 list (of %lld) p50 %.1f ms p99 %.1f ms\n",
              static_cast<long long>(tw_n), import_ms / 1000, tw_add.p50, tw_add.p99,
              static_cast<long long>(tw_n), tw_ls.p50, tw_ls.p99);

  std::printf("\nratios (taskwarrior / cairn; above 1 means cairn is faster)\n");
  std::printf("  list, end to end (cairn on %lldx the tasks): %.1fx\n",
              static_cast<long long>(n / std::max<int64_t>(tw_n, 1)), tw_ls.p50 / cairn_ls.p50);
  std::printf("  add, end to end:                            %.1fx\n", tw_add.p50 / cairn_add.p50);
  std::printf("  list: taskwarrior CLI vs cairn RPC:          %.1fx\n", tw_ls.p50 / list_p50);
  std::printf("  bulk load per task: import %.3f ms vs cairn create %.3f ms: %.1fx\n",
              import_ms / tw_n, create_ms / n, (import_ms / tw_n) / (create_ms / n));
  std::printf("  tasks.ready p50 %.2f ms over %lld tasks\n", ready_p50, static_cast<long long>(n));
  d.terminate();
  return 0;
}
