// cairn chat ls|show|rm: conversation sessions and their messages.
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

void add_chat_commands(CLI::App& app, Cli& cli) {
  auto* chat = app.add_subcommand("chat", "conversation sessions and their messages");
  chat->require_subcommand(1);
  static std::string id, workspace;
  static int64_t page = 1, page_size = 50, limit = 100;

  auto* ls = chat->add_subcommand("ls", "list sessions, newest first");
  ls->add_option("--workspace", workspace, "only sessions of this workspace path");
  ls->add_option("--limit", limit, "at most this many (default 100)");
  ls->callback([&cli] {
    Json args{{"limit", limit}};
    if (!workspace.empty()) args["workspace_path"] = workspace;
    if (auto r = cli.call("sessions.list", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& s : v["sessions"]) {
          rows.push_back({cell(s["id"]), cell(s["workspace_path"]), cell(s["message_count"]),
                          cell(s["started_at"]), cell(s["ended_at"])});
        }
        print_table({"ID", "WORKSPACE", "MESSAGES", "STARTED", "ENDED"}, rows);
      });
    }
  });

  auto* show = chat->add_subcommand("show", "print a session's messages, a page at a time");
  show->add_option("id", id, "session id")->required();
  show->add_option("--page", page, "page number, from 1 (default 1)");
  show->add_option("--page-size", page_size, "messages per page (default 50, at most 500)");
  show->callback([&cli] {
    auto r = cli.call("messages.page",
                      {{"session_id", id}, {"page", page}, {"page_size", page_size}});
    if (!r) return;
    cli.print(*r, [](const Json& v) {
      for (const auto& m : v["items"]) {
        std::cout << cell(m["created_at"]) << "  " << cell(m["role"]) << ": " << block(m["content"])
                  << "\n";
        if (!m["error"].is_null()) std::cout << "    error: " << cell(m["error"]) << "\n";
      }
      int64_t total = v["total"], size = v["page_size"], number = v["page"];
      int64_t pages = (total + size - 1) / size;
      std::cout << "-- page " << number << " of " << std::max<int64_t>(pages, 1) << ", " << total
                << " messages" << (v["has_next"].get<bool>() ? " (more: --page " +
                                                                   std::to_string(number + 1) + ")"
                                                             : std::string())
                << "\n";
    });
  });

  auto* rm = chat->add_subcommand("rm", "delete a session and all its messages");
  rm->add_option("id", id, "session id")->required();
  rm->callback([&cli] {
    if (auto r = cli.call("sessions.delete", {{"id", id}})) {
      cli.print(*r, [](const Json& v) {
        std::cout << "deleted session " << cell(v["id"]) << " and " << cell(v["messages_deleted"])
                  << " messages\n";
      });
    }
  });
}

}  // namespace cairn::cli
