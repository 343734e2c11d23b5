// cairn list add|ls|rename|rm
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

namespace {

// A list argument: its id when all digits, else its name.
Json list_ref(const std::string& s) {
  if (!s.empty() && s.size() < 16 && s.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(s);
  }
  return s;
}

}  // namespace

void add_list_commands(CLI::App& app, Cli& cli) {
  auto* list = app.add_subcommand("list", "task lists (a default list always exists)");
  list->require_subcommand(1);
  static std::string name, ref, move_to;

  auto* add = list->add_subcommand("add", "create a list: cairn list add work");
  add->add_option("name", name, "the list's name")->required();
  add->callback([&cli] {
    if (auto r = cli.call("lists.create", {{"name", name}})) {
      cli.print(*r, [](const Json& l) {
        std::cout << "added list #" << cell(l["id"]) << " " << cell(l["name"]) << "\n";
      });
    }
  });

  auto* ls = list->add_subcommand("ls", "the lists with their task counts");
  ls->callback([&cli] {
    if (auto r = cli.call("lists.list")) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& l : v["lists"]) {
          rows.push_back({cell(l["id"]), cell(l["name"]) + (l["is_default"] == true ? " *" : ""),
                          cell(l["open_count"]), cell(l["task_count"])});
        }
        print_table({"ID", "NAME", "OPEN", "TASKS"}, rows);
      });
    }
  });

  auto* rename = list->add_subcommand("rename", "rename a list: cairn list rename work job");
  rename->add_option("list", ref, "list name or id")->required();
  rename->add_option("name", name, "the new name")->required();
  rename->callback([&cli] {
    if (auto r = cli.call("lists.update", {{"id", list_ref(ref)}, {"name", name}})) {
      cli.print(*r, [](const Json& l) {
        std::cout << "renamed list #" << cell(l["id"]) << " to " << cell(l["name"]) << "\n";
      });
    }
  });

  auto* rm = list->add_subcommand("rm", "delete a list; one with tasks needs --move-to");
  rm->add_option("list", ref, "list name or id")->required();
  rm->add_option("--move-to", move_to, "where its tasks go (list name or id)");
  rm->callback([&cli] {
    Json args{{"id", list_ref(ref)}};
    if (!move_to.empty()) args["move_to"] = list_ref(move_to);
    auto r = cli.try_call("lists.delete", args);
    if (!r) return;
    if (!*r) {
      // The daemon names its parameter; the user types a flag.
      std::string m = r->status().message();
      for (size_t at; (at = m.find("move_to")) != std::string::npos;) m.replace(at, 7, "--move-to");
      cli.fail(Status(r->status().code(), m));
      return;
    }
    {
      cli.print(**r, [](const Json& v) {
        std::cout << "deleted list #" << cell(v["id"]);
        if (v["moved"].get<int64_t>() > 0) {
          std::cout << " (" << cell(v["moved"]) << " tasks moved to list #" << cell(v["move_to"])
                    << ")";
        }
        std::cout << "\n";
      });
    }
  });
}

}  // namespace cairn::cli
