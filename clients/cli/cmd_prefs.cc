// cairn prefs set|get|list|rm
#include <iostream>

#include "clients/cli/cli.h"
#include "clients/cli/terminal_text.h"

namespace cairn::cli {

void add_prefs_commands(CLI::App& app, Cli& cli) {
  auto* prefs = app.add_subcommand("prefs", "preferences by category and key, JSON values");
  prefs->require_subcommand(1);
  static std::string category, key, value;

  auto* set = prefs->add_subcommand("set", "set a preference: cairn prefs set ui theme '\"dark\"'");
  set->add_option("category", category)->required();
  set->add_option("key", key)->required();
  set->add_option("value", value, "a JSON value")->required();
  set->callback([&cli] {
    auto v = parse_json_arg(value, "value");
    if (!v) {
      std::cerr << "cairn: " << v.status().message() << "\n";
      cli.exit_code = kExitUsage;
      return;
    }
    if (auto r = cli.call("prefs.set", {{"category", category}, {"key", key}, {"value", *v}})) {
      cli.print(*r, [](const Json&) {});
    }
  });

  auto* get = prefs->add_subcommand("get", "print a preference's value as JSON");
  get->add_option("category", category)->required();
  get->add_option("key", key)->required();
  get->callback([&cli] {
    if (auto r = cli.call("prefs.get", {{"category", category}, {"key", key}})) {
      cli.print(*r, [](const Json& p) {
        std::cout << terminal_safe(p["value"].dump(-1, ' ', false, Json::error_handler_t::replace))
                  << "\n";
      });
    }
  });

  auto* list = prefs->add_subcommand("list", "list preferences, optionally of one category");
  list->alias("ls");
  list->add_option("category", category);
  list->callback([&cli] {
    Json args = category.empty() ? Json(nullptr) : Json{{"category", category}};
    if (auto r = cli.call("prefs.list", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& p : v["prefs"]) {
          rows.push_back(
              {cell(p["category"]), cell(p["key"]),
               terminal_safe(p["value"].dump(-1, ' ', false, Json::error_handler_t::replace)),
               cell(p["updated_at"])});
        }
        print_table({"CATEGORY", "KEY", "VALUE", "UPDATED"}, rows);
      });
    }
  });

  auto* rm = prefs->add_subcommand("rm", "delete a preference");
  rm->add_option("category", category)->required();
  rm->add_option("key", key)->required();
  rm->callback([&cli] {
    if (auto r = cli.call("prefs.delete", {{"category", category}, {"key", key}})) {
      cli.print(*r, [](const Json&) {});
    }
  });
}

}  // namespace cairn::cli
