// cairn runs ls|show ID: agent runs and what they did.
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

namespace {

void print_run(const Json& r) {
  auto line = [&](const char* label, const Json& v) {
    if (!v.is_null() && !(v.is_string() && v.get<std::string>().empty())) {
      std::cout << label << cell(v) << "\n";
    }
  };
  line("run       ", r["id"]);
  line("status    ", r["status"]);
  line("task      ", r["task_id"]);
  line("executor  ", r["executor"]);
  line("created   ", r["created_at"]);
  line("started   ", r["started_at"]);
  line("finished  ", r["finished_at"]);
  line("error     ", r["error"]);
  std::cout << "instruction\n  " << block(r["instruction"]) << "\n";
  if (!r["summary"].is_null()) std::cout << "summary\n  " << block(r["summary"]) << "\n";
  if (r["files_changed"].is_array() && !r["files_changed"].empty()) {
    std::cout << "files changed\n";
    for (const auto& f : r["files_changed"]) std::cout << "  " << cell(f) << "\n";
  }
  if (!r["patch"].is_null()) std::cout << "patch\n" << block(r["patch"]) << "\n";
  if (!r["logs"].is_null()) std::cout << "logs\n" << block(r["logs"]) << "\n";
}

}  // namespace

void add_runs_commands(CLI::App& app, Cli& cli) {
  auto* runs = app.add_subcommand("runs", "agent runs: list and show");
  runs->require_subcommand(1);
  static std::string id, task, status;
  static int limit = 50;

  auto* ls = runs->add_subcommand("ls", "list runs, newest first");
  ls->add_option("--task", task, "only runs of this task");
  ls->add_option("--status", status, "queued, running, succeeded, failed or canceled");
  ls->add_option("--limit", limit, "at most this many (default 50)");
  ls->callback([&cli] {
    Json args{{"limit", limit}};
    if (!task.empty()) args["task_id"] = task;
    if (!status.empty()) args["status"] = status;
    if (auto r = cli.call("runs.list", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& x : v["runs"]) {
          std::string instruction = cell(x["instruction"]);
          if (instruction.size() > 60) instruction = instruction.substr(0, 57) + "...";
          rows.push_back({cell(x["id"]), cell(x["status"]), cell(x["task_id"]), cell(x["executor"]),
                          cell(x["created_at"]), instruction});
        }
        print_table({"ID", "STATUS", "TASK", "EXECUTOR", "CREATED", "INSTRUCTION"}, rows);
      });
    }
  });

  auto* show = runs->add_subcommand("show", "show one run with its patch and logs");
  show->add_option("id", id, "run id")->required();
  show->callback([&cli] {
    if (auto r = cli.call("runs.get", {{"id", id}})) cli.print(*r, print_run);
  });
}

}  // namespace cairn::cli
