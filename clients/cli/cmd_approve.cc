// cairn approve ls|yes ID|no ID: decide what agents asked to do.
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

namespace {

void print_approval(const Json& a) {
  std::cout << cell(a["id"]) << " " << cell(a["status"]) << " (" << cell(a["action_type"]) << ")";
  if (!a["decision_note"].is_null()) std::cout << ": " << cell(a["decision_note"]);
  std::cout << "\n";
}

}  // namespace

void add_approve_commands(CLI::App& app, Cli& cli) {
  auto* approve = app.add_subcommand("approve", "approvals agents asked for: list and decide");
  approve->require_subcommand(1);
  static std::string id, note, status;
  static bool all = false;

  auto* ls = approve->add_subcommand("ls", "list pending approvals (--all: every status)");
  ls->add_flag("--all", all, "show decided and expired approvals too");
  ls->add_option("--status", status, "only this status: pending, approved, rejected, expired");
  ls->callback([&cli] {
    Json args = Json::object();
    if (!status.empty()) {
      args["status"] = status;
    } else if (!all) {
      args["status"] = "pending";
    }
    if (auto r = cli.call("approvals.list", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : v["approvals"]) {
          rows.push_back({cell(a["id"]), cell(a["status"]), cell(a["action_type"]),
                          cell(a["requested_by"]), cell(a["task_id"]), cell(a["expires_at"]),
                          cell(a["created_at"])});
        }
        if (rows.empty()) {
          std::cout << "nothing to decide\n";
          return;
        }
        print_table({"ID", "STATUS", "ACTION", "REQUESTED BY", "TASK", "EXPIRES", "CREATED"}, rows);
      });
    }
  });

  for (const char* verb : {"yes", "no"}) {
    bool yes = std::string(verb) == "yes";
    auto* cmd = approve->add_subcommand(verb, yes ? "approve the request ID"
                                                  : "reject the "
                                                    "request ID");
    cmd->add_option("id", id, "approval id")->required();
    cmd->add_option("--note", note, "why (kept with the decision)");
    cmd->callback([&cli, yes] {
      Json args{{"id", id}, {"decision", yes ? "approve" : "reject"}};
      if (!note.empty()) args["note"] = note;
      if (auto r = cli.call("approvals.decide", args)) cli.print(*r, print_approval);
    });
  }
}

}  // namespace cairn::cli
