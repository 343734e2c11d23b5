#include "clients/cli/command_tree.h"

#include <algorithm>
#include <vector>

namespace cairn::cli {

namespace {

std::vector<CLI::App*> subcommands(const CLI::App& app) {
  return const_cast<CLI::App&>(app).get_subcommands([](CLI::App*) { return true; });
}

// The option of `app` (or, through fallthrough, of its parents) named by `arg`.
const CLI::Option* find_option(const CLI::App* app, const std::string& arg) {
  std::string name = arg.substr(0, arg.find('='));
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* o : app->get_options()) {
      if (!o->get_positional() && o->check_name(name)) return o;
    }
  }
  return nullptr;
}

}  // namespace

void one_value_per_option(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    if (o->get_positional() || o->get_items_expected_max() <= 1) continue;
    o->allow_extra_args(false);
  }
  for (CLI::App* sub : subcommands(app)) one_value_per_option(*sub);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> unknown_command_message(const CLI::App& root, int argc,
                                                   const char* const* argv) {
  const CLI::App* at = &root;
  std::string path = "cairn";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg.size() > 1 && arg[0] == '-') {
      const CLI::Option* o = find_option(at, arg);
      bool joined = arg.find('=') != std::string::npos || (arg[1] != '-' && arg.size() > 2);
      if (o != nullptr && o->get_expected_max() > 0 && !joined) {
        ++i;  // its value
      }
      continue;
    }
    auto subs = subcommands(*at);
    if (subs.empty()) return std::nullopt;  // a leaf: the rest are its arguments
    const CLI::App* next = nullptr;
    for (const CLI::App* s : subs) {
      if (s->check_name(arg)) next = s;
    }
    if (next != nullptr) {
      at = next;
      path += " " + next->get_name();
      continue;
    }
    // A family with its own positionals takes the word as an argument.
    if (!at->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
      return std::nullopt;
    }
    std::string best;
    size_t best_d = SIZE_MAX;
    for (const CLI::App* s : subs) {
      std::vector<std::string> names{s->get_name()};
      for (const auto& a : s->get_aliases()) names.push_back(a);
      for (const auto& n : names) {
        // A prefix of exactly one command counts as near ("sear" -> "search").
        size_t d = n.compare(0, arg.size(), arg) == 0 ? 1 : edit_distance(arg, n);
        if (d < best_d) {
          best_d = d;
          best = n;
        }
      }
    }
    std::string msg = "cairn: unknown command `" + arg + "` for `" + path + "`";
    if (best_d <= std::max<size_t>(1, std::min<size_t>(3, arg.size() / 3 + 1))) {
      msg += "\nDid you mean `" + (path == "cairn" ? "" : path.substr(6) + " ") + best + "`?";
    } else {
      msg += "; see `" + path + " --help`";
    }
    return msg;
  }
  return std::nullopt;
}

}  // namespace cairn::cli
