// Walks over the command tree CLI11 holds once every family is registered:
// one value per use for repeatable options, and the nearest command to a
// mistyped one ("Did you mean `search`?").
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace cairn::cli {

// Every repeatable (vector) option of `app` and its subcommands takes exactly
// one value per use, so `task add -t api Write the tests` tags "api" and
// leaves "Write the tests" to the title. Positionals keep taking many words.
void one_value_per_option(CLI::App& app);

// Levenshtein distance between two words.
size_t edit_distance(const std::string& a, const std::string& b);

// When argv names an unknown subcommand where one is expected, the message
// for the user ("unknown command `serch`; did you mean `search`?", or with
// `--help` when nothing is close); nullopt when the commands are known.
std::optional<std::string> unknown_command_message(const CLI::App& root, int argc,
                                                   const char* const* argv);

}  // namespace cairn::cli
