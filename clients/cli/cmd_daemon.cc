// cairn status | ping | stop | call METHOD [JSON]
#include <signal.h>

#include <iostream>
#include <thread>

#include "base/clock.h"
#include "clients/cli/cli.h"
#include "ipc/reference.h"

namespace cairn::cli {

namespace {

void print_status(const Json& s) {
  const Json& db = s["database"];
  std::cout << "cairnd " << cell(s["version"]) << " (pid " << cell(s["pid"]) << "), up "
            << s["uptime_ms"].get<int64_t>() / 1000 << " s\n"
            << "socket    " << cell(s["socket"]) << "\n"
            << "database  " << cell(db["path"]) << " (" << human_bytes(db["bytes"].get<int64_t>())
            << ", wal " << human_bytes(db["wal_bytes"].get<int64_t>()) << ", schema "
            << cell(db["schema_version"]) << ", " << cell(db["state"]) << ")\n";
  if (!db["error"].is_null()) std::cout << "          " << cell(db["error"]) << "\n";
  const Json& c = s["connections"];
  const Json& r = s["requests"];
  std::cout << "clients   " << cell(c["open"]) << " connected, " << cell(c["subscribers"])
            << " subscribed\n"
            << "requests  " << cell(r["served"]) << " served, " << cell(r["errors"])
            << " errors, " << cell(r["slow"]) << " slow\n";
  for (const auto& [key, section] : s.items()) {
    static const char* kShown[] = {"version",   "pid",     "uptime_ms", "socket",
                                   "database",  "connections", "requests", "started_at",
                                   "protocol",  "data_dir", "writer", "readers", "retention"};
    bool shown = false;
    for (const char* k : kShown) shown |= key == k;
    if (!shown && section.is_object()) {
      std::cout << key << "\n";
      for (const auto& [k, v] : section.items())
        std::cout << "  " << cell(k) << ": " << cell(v) << "\n";
    }
  }
}

}  // namespace

void add_daemon_commands(CLI::App& app, Cli& cli) {
  app.add_subcommand("status", "show the daemon's state (starts it if needed)")
      ->callback([&cli] {
        if (auto s = cli.call("daemon.status")) cli.print(*s, print_status);
      });

  app.add_subcommand("ping", "check that the daemon answers; prints the round trip")
      ->callback([&cli] {
        int64_t start = monotonic_ns();
        if (auto r = cli.call("daemon.ping")) {
          double ms = static_cast<double>(monotonic_ns() - start) / 1e6;
          cli.print(Json{{"reply", *r}, {"ms", ms}}, [ms](const Json&) {
            std::printf("pong in %.3f ms\n", ms);
          });
        }
      });

  app.add_subcommand("stop", "ask the daemon to finish in-flight work and exit")
      ->callback([&cli] {
        cli.no_spawn = true;
        auto status = cli.call("daemon.status");
        if (!status) return;
        auto r = cli.call("daemon.shutdown");
        if (!r) return;
        // Return once it has exited, so a following command never meets a
        // daemon that is still draining (or its data-dir lock).
        pid_t pid = (*status)["pid"].get<pid_t>();
        int64_t deadline = monotonic_ms() + 10000;
        while (::kill(pid, 0) == 0 && monotonic_ms() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (::kill(pid, 0) == 0) {
          std::cerr << "cairn: cairnd (pid " << pid << ") is still stopping after 10 s\n";
          cli.exit_code = kExitError;
          return;
        }
        cli.print(*r, [](const Json&) { std::cout << "cairnd stopped\n"; });
      });

  auto* call = app.add_subcommand(
      "call", "send any request and print the reply as JSON (the scripting escape hatch)");
  static std::string method, args;
  call->add_option("method", method, "method name, e.g. daemon.status")->required();
  call->add_option("params", args, "named arguments as a JSON object, e.g. '{\"cursor\": 0}'");
  call->callback([&cli] {
    Json a = nullptr;
    if (!args.empty()) {
      auto parsed = parse_json_arg(args, "params");
      if (!parsed || !parsed->is_object()) {
        std::cerr << "cairn call: params must be a JSON object\n";
        cli.exit_code = kExitUsage;
        return;
      }
      a = *parsed;
    }
    if (auto r = cli.call(method, a)) {
      std::cout << r->dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    }
  });

  auto* describe = app.add_subcommand(
      "describe", "print daemon.describe: every method, its parameters as JSON Schema, the errors");
  static std::string only;
  static bool markdown = false;
  describe->add_option("method", only, "only this method, e.g. tasks.create");
  describe->add_flag("--markdown", markdown,
                     "print the method reference of ipc/README.md instead of JSON");
  describe->callback([&cli] {
    Json a = only.empty() ? Json::object() : Json{{"method", only}};
    if (auto r = cli.call("daemon.describe", a)) {
      if (markdown) {
        std::cout << ipc::method_reference_markdown(*r);
      } else {
        std::cout << r->dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
      }
    }
  });
}

}  // namespace cairn::cli
