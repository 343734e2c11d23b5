// cairn inbox [--all] [--keep]: notifications, newest first; shown unread ones
// are marked read.
#include <algorithm>
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

void add_inbox_commands(CLI::App& app, Cli& cli) {
  auto* inbox = app.add_subcommand(
      "inbox", "show unread notifications and mark them read (--all: read ones too)");
  static bool all = false, keep = false;
  static int limit = 50;
  inbox->add_flag("--all", all, "show read notifications too (not archived ones)");
  inbox->add_flag("--keep", keep, "leave them unread");
  inbox->add_option("--limit", limit, "at most this many (default 50)");
  inbox->callback([&cli] {
    std::vector<Json> shown;
    for (const char* status : {"unread", "read"}) {
      if (!all && std::string(status) == "read") break;
      auto r = cli.call("notifications.list", {{"status", status}, {"limit", limit}});
      if (!r) return;
      for (const auto& n : (*r)["notifications"]) shown.push_back(n);
    }
    std::sort(shown.begin(), shown.end(), [](const Json& a, const Json& b) {
      return a["created_at"].get<std::string>() > b["created_at"].get<std::string>();
    });
    if (shown.size() > static_cast<size_t>(limit)) shown.resize(static_cast<size_t>(limit));
    cli.print(Json{{"notifications", shown}}, [](const Json& v) {
      if (v["notifications"].empty()) {
        std::cout << "inbox empty\n";
        return;
      }
      for (const auto& n : v["notifications"]) {
        bool unread = n["status"] == "unread";
        std::cout << (unread ? "* " : "  ") << cell(n["created_at"]) << "  [" << cell(n["priority"])
                  << "] " << cell(n["title"]) << "\n";
        if (!n["message"].get<std::string>().empty()) {
          std::cout << "    " << block(n["message"]) << "\n";
        }
      }
    });
    if (keep) return;
    for (const auto& n : shown) {
      if (n["status"] != "unread") continue;
      if (!cli.call("notifications.mark", {{"id", n["id"]}, {"status", "read"}})) return;
    }
  });
}

}  // namespace cairn::cli
