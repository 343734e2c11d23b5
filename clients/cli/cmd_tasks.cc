// cairn task add|ls|show|edit|start|done|cancel|rm|ready
#include <functional>
#include <iostream>

#include "clients/cli/cli.h"
#include "clients/cli/task_format.h"

namespace cairn::cli {

namespace {

// Options of the task subcommands (CLI11 binds to storage that outlives parsing).
struct TaskOpts {
  std::vector<std::string> title_words;
  int64_t id = 0;
  std::string title, description, status, due, scheduled, estimate, list, parent, sort, text;
  std::string due_before, due_after;
  std::vector<std::string> tags;
  std::vector<int64_t> ids, depends_on, depend_alias, undepend;
  int priority = 0;
  int64_t version = 0, limit = 0, client_id = 0;
  bool all = false, clear_tags = false;
};

TaskOpts& task_opts() {
  static TaskOpts o;
  return o;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// "none" clears a field in `task edit`.
Json time_or_null(const std::string& v) { return v == "none" ? Json(nullptr) : time_arg(v); }

// Adds the field options shared by add and edit. Returns false on a bad value.
bool put_fields(Cli& cli, Json& args) {
  TaskOpts& o = task_opts();
  if (!o.description.empty()) args["description"] = o.description;
  if (o.priority) args["priority"] = o.priority;
  if (!o.status.empty()) args["status"] = o.status;
  if (!o.due.empty()) args["due"] = time_or_null(o.due);
  if (!o.scheduled.empty()) args["scheduled"] = time_or_null(o.scheduled);
  if (!o.estimate.empty()) {
    if (o.estimate == "none") {
      args["estimate_minutes"] = nullptr;
    } else if (auto m = parse_minutes(o.estimate)) {
      args["estimate_minutes"] = *m;
    } else {
      std::cerr << "cairn: --estimate takes minutes like 90m, 1h30m or 2h\n";
      cli.exit_code = kExitUsage;
      return false;
    }
  }
  if (!o.tags.empty()) args["tags"] = o.tags;
  if (o.clear_tags) args["tags"] = nullptr;
  if (!o.list.empty()) {
    bool digits = o.list.find_first_not_of("0123456789") == std::string::npos;
    args["list_id"] = digits && o.list.size() < 16 ? Json(std::stoll(o.list)) : Json(o.list);
  }
  if (!o.parent.empty()) {
    if (o.parent == "none") {
      args["parent_id"] = nullptr;
    } else if (o.parent.find_first_not_of("0123456789#") == std::string::npos &&
               o.parent.size() < 16 && o.parent != "#") {
      args["parent_id"] = std::stoll(o.parent[0] == '#' ? o.parent.substr(1) : o.parent);
    } else {
      std::cerr << "cairn: --parent takes a task id (or none)\n";
      cli.exit_code = kExitUsage;
      return false;
    }
  }
  return true;
}

void add_field_options(CLI::App* c, bool edit) {
  TaskOpts& o = task_opts();
  std::string clear = edit ? " (none clears)" : "";
  c->add_option("-d,--description", o.description, "longer text");
  c->add_option("-p,--priority", o.priority, "1 (low) to 5 (urgent), default 3")
      ->check(CLI::Range(1, 5));
  c->add_option("-s,--status", o.status,
                "backlog, todo, in_progress, in_review, blocked, done, cancelled, archived");
  c->add_option("--due", o.due, "due date, e.g. 2026-12-01 or 2026-12-01T17:00" + clear);
  c->add_option("--scheduled", o.scheduled, "when to work on it" + clear);
  c->add_option("--estimate", o.estimate, "estimated time: 90m, 1h30m, 2h" + clear);
  c->add_option("-t,--tag", o.tags,
                edit ? "replace the tags (repeat for several)" : "a tag (repeat for several)");
  c->add_option("-l,--list", o.list, "list name or id");
  c->add_option("--parent", o.parent, "parent task id: this becomes a subtask" + clear);
}

void print_one(Cli& cli, const Json& r, const std::string& verb) {
  cli.print(r, [&](const Json& t) {
    std::cout << verb << " #" << cell(t["id"]) << " " << cell(t["title"]) << "  ["
              << cell(t["status"]) << "]\n";
  });
}

// Runs `one` on every id; each is reported on its own, and the exit code is 1
// when any of them failed.
void each_id(Cli& cli, const std::function<bool(int64_t)>& one) {
  bool failed = false;
  for (int64_t id : task_opts().ids) {
    cli.exit_code = kExitOk;
    if (!one(id)) failed = true;
    if (cli.exit_code == kExitNoDaemon) return;
  }
  cli.exit_code = failed ? kExitError : kExitOk;
}

void set_status(Cli& cli, CLI::App* parent, const char* name, const char* status, const char* help,
                const char* verb) {
  auto* c = parent->add_subcommand(name, help);
  c->add_option("id", task_opts().ids, "task ids")->required();
  c->add_option("--version", task_opts().version,
                "fail if the task changed since this version (one id only)");
  c->callback([&cli, status, verb] {
    if (task_opts().version && task_opts().ids.size() > 1) {
      std::cerr << "cairn: --version applies to one task; give one id\n";
      cli.exit_code = kExitUsage;
      return;
    }
    each_id(cli, [&](int64_t id) {
      Json args{{"id", id}, {"status", status}};
      if (task_opts().version) args["version"] = task_opts().version;
      auto r = cli.call("tasks.update", args);
      if (r) print_one(cli, *r, verb);
      return r.has_value();
    });
  });
}

}  // namespace

void add_task_commands(CLI::App& app, Cli& cli) {
  TaskOpts& o = task_opts();
  auto* task =
      app.add_subcommand("task", "tasks with priorities, due dates, subtasks and dependencies");
  task->require_subcommand(1);

  auto* add = task->add_subcommand(
      "add", "add a task: cairn task add \"Write parser\" -p 4 --due 2026-12-01");
  add->add_option("title", o.title_words, "the task's title")->required();
  add_field_options(add, false);
  add->add_option("--depends-on", o.depends_on, "a task that must be done first (repeatable)");
  add->add_option("--id", o.client_id,
                  "choose the id (a repeated add with the same id is a no-op)");
  add->callback([&cli] {
    TaskOpts& o = task_opts();
    Json args{{"title", join(o.title_words)}};
    if (!put_fields(cli, args)) return;
    if (!o.depends_on.empty()) args["depends_on"] = o.depends_on;
    if (o.client_id) args["id"] = o.client_id;
    if (auto r = cli.call("tasks.create", args)) print_one(cli, *r, "added");
  });

  auto* ls = task->add_subcommand("ls", "list tasks (open ones unless --status or --all)");
  ls->alias("list");
  ls->add_option("-s,--status", o.status, "a status, or open");
  ls->add_flag("-a,--all", o.all, "every status");
  ls->add_option("-l,--list", o.list, "list name or id");
  ls->add_option("-t,--tag", o.tags, "with this tag");
  ls->add_option("--due-before", o.due_before, "due before this moment");
  ls->add_option("--due-after", o.due_after, "due at or after this moment");
  ls->add_option("--parent", o.parent, "subtasks of this task");
  ls->add_option("-q,--text", o.text, "title or description contains this text");
  ls->add_option("--sort", o.sort, "priority, due, created (default), updated, title");
  ls->add_option("-n,--limit", o.limit, "at most this many (default 100, max 1000)");
  ls->callback([&cli] {
    TaskOpts& o = task_opts();
    Json args = Json::object();
    if (!o.all) args["status"] = o.status.empty() ? "open" : o.status;
    if (!o.tags.empty()) args["tag"] = o.tags[0];
    if (!o.due_before.empty()) args["due_before"] = time_arg(o.due_before);
    if (!o.due_after.empty()) args["due_after"] = time_arg(o.due_after);
    if (!o.text.empty()) args["text"] = o.text;
    if (!o.sort.empty()) args["sort"] = o.sort;
    if (o.limit) args["limit"] = o.limit;
    std::string saved_status = o.status;
    o.status.clear();
    o.tags.clear();
    if (!put_fields(cli, args)) return;
    if (auto r = cli.call("tasks.list", args)) {
      cli.print(*r, [](const Json& v) {
        print_task_table(v["tasks"]);
        if (!v["next"].is_null()) std::cout << "(more: raise --limit or narrow the filters)\n";
      });
    }
  });

  auto* show = task->add_subcommand(
      "show", "a task with its subtasks, dependencies, time sessions, runs and reviews");
  show->add_option("id", o.id, "task id")->required();
  show->callback([&cli] {
    int64_t id = task_opts().id;
    auto r = cli.call("tasks.get", {{"id", id}});
    if (!r) return;
    // What happened on the task: its time sessions, agent runs and reviews
    // (runs and reviews name their task by a string id).
    Json t = *r;
    auto sessions = cli.call("time.sessions", {{"task_id", id}, {"limit", 20}});
    auto runs = cli.call("runs.list", {{"task_id", std::to_string(id)}, {"limit", 20}});
    auto reviews = cli.call("reviews.list", {{"task_id", std::to_string(id)}, {"limit", 20}});
    if (!sessions || !runs || !reviews) return;
    t["sessions"] = (*sessions)["sessions"];
    t["runs"] = (*runs)["runs"];
    t["reviews"] = (*reviews)["reviews"];
    cli.print(t, [](const Json& v) {
      print_task_detail(v);
      if (!v["sessions"].empty()) {
        std::cout << "\nsessions:\n";
        for (const auto& s : v["sessions"]) {
          std::cout << "  " << short_time(s["started_at"]) << "  "
                    << format_duration_ms(s.value("duration_ms", int64_t{0}))
                    << (s["note"].is_string() ? "  " + cell(s["note"]) : "") << "\n";
        }
      }
      if (!v["runs"].empty()) {
        std::cout << "\nruns:\n";
        for (const auto& run : v["runs"]) {
          std::cout << "  " << cell(run["id"]) << "  " << cell(run["status"]) << "  "
                    << short_time(run["created_at"]) << "\n";
        }
      }
      if (!v["reviews"].empty()) {
        std::cout << "\nreviews:\n";
        for (const auto& rv : v["reviews"]) {
          std::cout << "  " << cell(rv["id"]) << "  score " << cell(rv["score"]) << ", "
                    << cell(rv["feedback_count"]) << " feedback  " << cell(rv["summary"]) << "\n";
        }
      }
    });
  });

  auto* edit = task->add_subcommand("edit", "change a task's fields");
  edit->add_option("id", o.id, "task id")->required();
  edit->add_option("--title", o.title, "new title");
  add_field_options(edit, true);
  edit->add_flag("--no-tags", o.clear_tags, "remove every tag");
  edit->add_option("--depends-on", o.depends_on, "add a dependency on this task (repeatable)");
  // The older name, kept working but out of the help.
  edit->add_option("--depend", o.depend_alias)->group("");
  edit->add_option("--undepend", o.undepend, "remove the dependency on this task (repeatable)");
  edit->add_option("--version", o.version, "fail if the task changed since this version");
  edit->callback([&cli] {
    TaskOpts& o = task_opts();
    o.depends_on.insert(o.depends_on.end(), o.depend_alias.begin(), o.depend_alias.end());
    Json args{{"id", o.id}};
    if (!o.title.empty()) args["title"] = o.title;
    if (o.version) args["version"] = o.version;
    if (!put_fields(cli, args)) return;
    std::optional<Json> last;
    if (args.size() > 1 + (o.version ? 1 : 0) || (o.depends_on.empty() && o.undepend.empty())) {
      last = cli.call("tasks.update", args);
      if (!last) return;
    }
    for (int64_t d : o.depends_on) {
      last = cli.call("tasks.depend", {{"id", o.id}, {"depends_on", d}});
      if (!last) return;
    }
    for (int64_t d : o.undepend) {
      last = cli.call("tasks.undepend", {{"id", o.id}, {"depends_on", d}});
      if (!last) return;
    }
    print_one(cli, *last, "updated");
  });

  set_status(cli, task, "start", "in_progress", "mark a task in progress", "started");
  set_status(cli, task, "done", "done", "mark a task done (sets completed_at)", "done");
  set_status(cli, task, "cancel", "cancelled", "mark a task cancelled", "cancelled");

  auto* rm = task->add_subcommand("rm", "delete tasks (their subtasks move to the top level)");
  rm->add_option("id", o.ids, "task ids")->required();
  rm->callback([&cli] {
    each_id(cli, [&](int64_t id) {
      auto r = cli.call("tasks.delete", {{"id", id}});
      if (!r) return false;
      cli.print(*r, [](const Json& v) {
        std::cout << "deleted #" << cell(v["id"]) << " (" << cell(v["subtasks_detached"])
                  << " subtasks detached, " << cell(v["sessions_deleted"])
                  << " sessions deleted)\n";
      });
      return true;
    });
  });

  auto* ready = task->add_subcommand(
      "ready", "open tasks whose dependencies are all done, by priority then due date");
  ready->add_option("-n,--limit", o.limit, "at most this many (default 100)");
  ready->add_option("-l,--list", o.list, "only this list");
  ready->callback([&cli] {
    TaskOpts& o = task_opts();
    Json args = Json::object();
    if (o.limit) args["limit"] = o.limit;
    if (!put_fields(cli, args)) return;
    if (auto r = cli.call("tasks.ready", args)) {
      cli.print(*r, [](const Json& v) { print_task_table(v["tasks"]); });
    }
  });
}

}  // namespace cairn::cli
