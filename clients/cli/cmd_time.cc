// cairn timer [start|pause|resume|stop|status], cairn report, cairn focus start|done
#include <iostream>

#include "base/clock.h"
#include "clients/cli/cli.h"
#include "clients/cli/human_time.h"
#include "clients/cli/task_format.h"

namespace cairn::cli {

namespace {

struct TimeOpts {
  int64_t task_id = 0, minutes = 25, distractions = 0, id = 0;
  std::string at, note, from, to, by = "day";
};

TimeOpts& time_opts() {
  static TimeOpts o;
  return o;
}

void put_at(Json& args) {
  if (!time_opts().at.empty()) args["at"] = time_arg(time_opts().at);
}

std::string session_line(const Json& s) {
  std::string out = "#" + cell(s["task_id"]) + " " + cell(s["task_title"]) + "  " +
                    format_duration_ms(s["duration_ms"].get<int64_t>());
  if (s["paused"] == true) out += " (paused)";
  return out;
}

void print_status(const Json& v) {
  if (v["session"].is_null()) {
    std::cout << "no timer running\n";
  } else {
    const Json& s = v["session"];
    std::cout << "running: " << session_line(s) << ", since " << short_time(s["started_at"]);
    if (s["paused_ms"].get<int64_t>() > 0) {
      std::cout << ", paused " << format_duration_ms(s["paused_ms"].get<int64_t>());
    }
    std::cout << "\n";
  }
  if (v.contains("focus") && !v["focus"].is_null()) {
    const Json& f = v["focus"];
    std::cout << "focus: #" << cell(f["task_id"]) << " " << cell(f["task_title"]) << "  "
              << format_duration_ms(f["elapsed_ms"].get<int64_t>()) << " of "
              << cell(f["planned_minutes"]) << "m\n";
  }
}

void timer_status(Cli& cli) {
  if (auto r = cli.call("time.active")) cli.print(*r, print_status);
}

// Default report range: the last seven local days, today included; days
// split at local midnight (the client's UTC offset goes with the request).
void default_range(Json& args) {
  const TimeOpts& o = time_opts();
  int64_t now = wall_ms();
  args["from"] = o.from.empty() ? Json(local_midnight(now, -6)) : time_arg(o.from);
  args["to"] = o.to.empty() ? Json(local_midnight(now, 1)) : time_arg(o.to);
  args["tz_offset_minutes"] = local_utc_offset_minutes(now);
}

}  // namespace

void add_time_commands(CLI::App& app, Cli& cli) {
  TimeOpts& o = time_opts();
  auto* timer = app.add_subcommand("timer", "track time on tasks; alone, shows what runs now");
  timer->require_subcommand(0, 1);
  timer->callback([&cli, timer] {
    if (timer->get_subcommands().empty()) timer_status(cli);
  });

  auto* start = timer->add_subcommand("start", "start the timer on a task (stops a running one)");
  start->add_option("task", o.task_id, "task id")->required();
  start->add_option("--at", o.at, "when it started (ISO 8601 or Unix ms; default now)");
  start->add_option("--note", o.note, "a note on the session");
  start->callback([&cli] {
    Json args{{"task_id", time_opts().task_id}};
    put_at(args);
    if (!time_opts().note.empty()) args["note"] = time_opts().note;
    if (auto r = cli.call("time.start", args)) {
      cli.print(*r, [](const Json& v) { std::cout << cell(v["message"]) << "\n"; });
    }
  });

  for (const char* verb : {"pause", "resume"}) {
    auto* c = timer->add_subcommand(verb, std::string(verb) + " the running timer");
    c->add_option("--at", o.at, "when (default now)");
    c->callback([&cli, verb] {
      Json args = Json::object();
      put_at(args);
      if (auto r = cli.call(std::string("time.") + verb, args)) {
        cli.print(*r, [verb](const Json& v) {
          std::cout << (verb[0] == 'p' ? "paused: " : "resumed: ") << session_line(v["session"])
                    << "\n";
        });
      }
    });
  }

  auto* stop = timer->add_subcommand("stop", "stop the running timer");
  stop->add_option("--note", o.note, "what was done");
  stop->add_option("--at", o.at, "when (default now)");
  stop->callback([&cli] {
    Json args = Json::object();
    put_at(args);
    if (!time_opts().note.empty()) args["note"] = time_opts().note;
    if (auto r = cli.call("time.stop", args)) {
      cli.print(*r, [](const Json& v) {
        std::cout << "stopped: " << session_line(v["session"]) << "\n";
      });
    }
  });

  timer->add_subcommand("status", "what runs now and for how long")->callback([&cli] {
    timer_status(cli);
  });

  auto* report = app.add_subcommand("report", "time worked, by day, task or list");
  report->add_option("--from", o.from, "start (default: six days before today, local time)");
  report->add_option("--to", o.to, "end, exclusive (default: end of today, local time)");
  report->add_option("--by", o.by, "day, task or list")
      ->check(CLI::IsMember({"day", "task", "list"}));
  report->callback([&cli] {
    Json args{{"by", time_opts().by}};
    default_range(args);
    if (auto r = cli.call("time.report", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        std::string by = v["by"].get<std::string>();
        for (const auto& row : v["rows"]) {
          std::string key = by == "day" ? cell(row["key"]) : "#" + cell(row["key"]);
          std::vector<std::string> r{key, format_duration_ms(row["ms"].get<int64_t>()),
                                     cell(row["sessions"])};
          if (by != "day") r.insert(r.begin() + 1, cell(row["label"]));
          rows.push_back(r);
        }
        std::vector<std::string> total{"total", format_duration_ms(v["total_ms"].get<int64_t>()),
                                       cell(v["sessions"])};
        std::vector<std::string> header{by == "day"    ? "DAY"
                                        : by == "task" ? "TASK"
                                                       : "LIST",
                                        "TIME", "SESSIONS"};
        if (by != "day") {
          total.insert(total.begin() + 1, "");
          header.insert(header.begin() + 1, "NAME");
        }
        rows.push_back(total);
        std::cout << "from " << short_time(v["from"]) << " to " << short_time(v["to"]) << "\n";
        print_table(header, rows);
      });
    }
  });

  auto* focus = app.add_subcommand(
      "focus", "focus sessions: a planned stretch on one task; alone, shows what runs now");
  focus->require_subcommand(0, 1);
  focus->callback([&cli, focus] {
    if (focus->get_subcommands().empty()) timer_status(cli);
  });
  auto* fstart =
      focus->add_subcommand("start", "start a focus session: cairn focus start 12 --minutes 25");
  fstart->add_option("task", o.task_id, "task id")->required();
  fstart->add_option("-m,--minutes", o.minutes, "planned minutes (default 25)")
      ->check(CLI::Range(1, 1440));
  fstart->add_option("--at", o.at, "when it started (default now)");
  fstart->callback([&cli] {
    Json args{{"task_id", time_opts().task_id}, {"planned_minutes", time_opts().minutes}};
    put_at(args);
    if (auto r = cli.call("focus.start", args)) {
      cli.print(*r, [](const Json& f) {
        std::cout << "focus #" << cell(f["id"]) << " on #" << cell(f["task_id"]) << " "
                  << cell(f["task_title"]) << " until " << short_time(f["ends_at"]) << "\n";
      });
    }
  });
  auto* done = focus->add_subcommand("done", "complete the running focus session");
  done->add_option("--distractions", o.distractions, "how many times you were pulled away");
  done->add_option("--note", o.note, "notes");
  done->add_option("--id", o.id, "the session (default: the running one)");
  done->add_option("--at", o.at, "when it ended (default now)");
  done->callback([&cli] {
    int64_t id = time_opts().id;
    if (!id) {
      auto a = cli.call("focus.active");
      if (!a) return;
      if ((*a)["focus"].is_null()) {
        std::cerr << "cairn: NOT_FOUND: no focus session is running\n";
        cli.exit_code = kExitError;
        return;
      }
      id = (*a)["focus"]["id"].get<int64_t>();
    }
    Json args{{"id", id}, {"distractions", time_opts().distractions}};
    if (!time_opts().note.empty()) args["notes"] = time_opts().note;
    put_at(args);
    if (auto r = cli.call("focus.complete", args)) {
      cli.print(*r, [](const Json& f) {
        std::cout << "focus #" << cell(f["id"]) << " done: "
                  << format_duration_ms(
                         static_cast<int64_t>(f["actual_minutes"].get<double>() * 60000))
                  << " of " << cell(f["planned_minutes"]) << "m, " << cell(f["distractions"])
                  << " distractions, score " << cell(f["score"]) << "\n";
      });
    }
  });
}

}  // namespace cairn::cli
