// cairn reviews [ls] | show ID | file PATH: reviews of agent runs and their
// feedback items.
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

namespace {

std::string feedback_where(const Json& f) {
  std::string at = cell(f["file"]);
  if (!f["line_start"].is_null()) {
    at += ":" + cell(f["line_start"]);
    if (!f["line_end"].is_null() && f["line_end"] != f["line_start"]) {
      at += "-" + cell(f["line_end"]);
    }
  }
  return at;
}

void print_feedback(const Json& items) {
  for (const auto& f : items) {
    std::cout << feedback_where(f) << ": " << cell(f["severity"]) << ": " << cell(f["title"])
              << "\n";
    if (!f["description"].is_null()) std::cout << "  " << block(f["description"]) << "\n";
    if (!f["suggestion"].is_null()) {
      std::cout << "  suggestion: " << block(f["suggestion"]) << "\n";
    }
  }
}

void print_list(const Json& v) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : v["reviews"]) {
    rows.push_back({cell(r["id"]), cell(r["task_id"]), cell(r["score"]), cell(r["feedback_count"]),
                    cell(r["created_at"]), cell(r["summary"])});
  }
  print_table({"ID", "TASK", "SCORE", "FEEDBACK", "CREATED", "SUMMARY"}, rows);
}

}  // namespace

void add_reviews_commands(CLI::App& app, Cli& cli) {
  auto* reviews = app.add_subcommand(
      "reviews", "reviews of agent runs; alone, lists the newest (as `reviews ls`)");
  reviews->require_subcommand(0, 1);
  static std::string id, task, path;
  static int64_t limit = 0;

  auto list = [&cli] {
    Json args = Json::object();
    if (!task.empty()) args["task_id"] = task;
    if (limit) args["limit"] = limit;
    if (auto r = cli.call("reviews.list", args)) cli.print(*r, print_list);
  };
  reviews->add_option("--task", task, "only reviews of this task");
  reviews->add_option("-n,--limit", limit, "at most this many (default 100)");
  reviews->callback([reviews, list] {
    if (reviews->get_subcommands().empty()) list();
  });

  auto* ls = reviews->add_subcommand("ls", "list reviews, newest first");
  ls->add_option("--task", task, "only reviews of this task");
  ls->add_option("-n,--limit", limit, "at most this many (default 100)");
  ls->callback(list);

  auto* show = reviews->add_subcommand("show", "a review with its feedback items");
  show->add_option("id", id, "review id")->required();
  show->callback([&cli] {
    if (auto r = cli.call("reviews.get", {{"id", id}})) {
      cli.print(*r, [](const Json& v) {
        std::cout << "review " << cell(v["id"]);
        if (!v["task_id"].is_null()) std::cout << " of task " << cell(v["task_id"]);
        if (!v["score"].is_null()) std::cout << ", score " << cell(v["score"]);
        std::cout << ", " << cell(v["created_at"]) << "\n";
        if (!v["summary"].is_null()) std::cout << block(v["summary"]) << "\n";
        if (!v["feedback"].empty()) std::cout << "\n";
        print_feedback(v["feedback"]);
      });
    }
  });

  auto* file = reviews->add_subcommand("file", "feedback about one file, newest review first");
  file->add_option("path", path, "the file, as the reviews name it")->required();
  file->add_option("-n,--limit", limit, "at most this many (default 1000)");
  file->callback([&cli] {
    Json args{{"path", path}};
    if (limit) args["limit"] = limit;
    if (auto r = cli.call("reviews.feedback_for_file", args)) {
      cli.print(*r, [](const Json& v) { print_feedback(v["feedback"]); });
    }
  });
}

}  // namespace cairn::cli
