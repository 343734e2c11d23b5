// `cairn help [TOPIC|COMMAND...]`, `cairn completion bash|zsh|fish` and the
// hidden `cairn __complete WORDS...` the completion scripts call. Both read the
// command tree CLI11 already holds, so every family added in main.cc is covered
// without a second list to keep in step.
#include <iostream>
#include <map>
#include <sstream>

#include "clients/cli/cli.h"

namespace cairn::cli {
namespace {

const std::map<std::string, std::string>& topics() {
  static const std::map<std::string, std::string> t = {
      {"exit-codes",
       "Exit codes of cairn:\n"
       "  0  success\n"
       "  1  the daemon answered with an error; it is printed as `cairn: CODE: message`\n"
       "  2  bad command line (unknown command or option, malformed JSON argument)\n"
       "  3  no daemon is running and none could be started (or --no-spawn was given)\n"
       "`cairn search` follows grep and rg instead: 0 something matched, 1 nothing\n"
       "matched, 2 an error (the daemon's or the command line's), 3 no daemon.\n"},
      {"dates",
       "Dates on every date flag (--due, --scheduled, --at, --from, --to, ...), in local time\n"
       "(TZ), sent to the daemon as ISO 8601 with the local offset:\n"
       "  now, today, tomorrow, yesterday      today and tomorrow at 00:00\n"
       "  friday, fri                          the next one, today excluded\n"
       "  eod, eow, eom, eoy / sod, sow, ...   end (last second) / start of day, week, month, "
       "year\n"
       "  +3d, -2h, +1w, +90m                  from now\n"
       "  today 17:00, friday 9am, 17:00       a day word with a time; a time alone is today\n"
       "  2026-12-01, 2026-12-01 17:00         local time\n"
       "  2026-12-01T17:00Z, 1764608400000     with a zone, or Unix ms: as given\n"
       "A value starting with - goes as --at=-2h. Reports split days at local midnight.\n"},
      {"errors",
       "Error codes in `cairn: CODE: message` (and in the protocol):\n"
       "  INVALID_PARAMS  a parameter is missing, wrong, too long or unknown; the message names "
       "it\n"
       "  NOT_FOUND       the thing named does not exist\n"
       "  CONFLICT        a constraint: duplicate, cycle, illegal state change, id reused\n"
       "  BUSY            the database stayed locked; try again\n"
       "  IO_ERROR        storage failed (for example a full disk); the outcome of a write is\n"
       "                  unknown and repeating it is safe\n"
       "  TOO_LARGE       a message over the protocol limits\n"
       "  INTERNAL        a bug in cairnd; its log has the details\n"},
      {"paths",
       "Where cairn keeps things (flags beat environment, which beats the config file):\n"
       "  socket    $CAIRN_SOCKET, else $XDG_RUNTIME_DIR/cairn/cairnd.sock,\n"
       "            else /tmp/cairn-$UID/cairnd.sock                        (--socket)\n"
       "  database  $XDG_DATA_HOME/cairn/cairn.db (~/.local/share/cairn)    (cairnd --data-dir)\n"
       "  log       $XDG_STATE_HOME/cairn/cairnd.log (~/.local/state/cairn) (cairnd --log-file)\n"
       "  config    $XDG_CONFIG_HOME/cairn/cairnd.toml                      (cairnd --config)\n"},
      {"scripting",
       "Scripting with cairn:\n"
       "  --json on any command (before or after it) prints the daemon's reply as JSON.\n"
       "  cairn call METHOD '{\"key\": \"value\"}' sends any request (see daemon.hello for the\n"
       "  list of methods) and prints the reply as JSON.\n"
       "  Exit codes are stable: see `cairn help exit-codes`.\n"},
      {"service",
       "Running cairnd as a systemd user service:\n"
       "  systemctl --user enable --now cairnd.socket   # started on the first connection\n"
       "  journalctl --user -u cairnd                    # its log\n"
       "Without systemd, any cairn command starts cairnd when none is running.\n"},
  };
  return t;
}

// What a word at the cursor may be, beyond subcommand and option names.
enum class Kind { kNone, kPath, kTask, kList, kTopic, kShell };

// The kind of a command's positional argument, by command path.
Kind positional_kind(const std::string& path) {
  static const std::map<std::string, Kind> kinds = {
      {"track", Kind::kPath},       {"untrack", Kind::kPath},     {"rescan", Kind::kPath},
      {"watch", Kind::kPath},       {"files", Kind::kPath},       {"restore", Kind::kPath},
      {"backup", Kind::kPath},      {"import", Kind::kPath},      {"task show", Kind::kTask},
      {"task edit", Kind::kTask},   {"task start", Kind::kTask},  {"task done", Kind::kTask},
      {"task cancel", Kind::kTask}, {"task rm", Kind::kTask},     {"timer start", Kind::kTask},
      {"focus start", Kind::kTask}, {"list rename", Kind::kList}, {"list rm", Kind::kList},
      {"help", Kind::kTopic},       {"completion", Kind::kShell},
  };
  auto it = kinds.find(path);
  return it == kinds.end() ? Kind::kNone : it->second;
}

// The kind of an option's value, by its long name.
Kind option_kind(const std::string& name) {
  if (name == "list" || name == "move-to") return Kind::kList;
  if (name == "depends-on" || name == "undepend" || name == "parent" || name == "task") {
    return Kind::kTask;
  }
  return Kind::kNone;
}

std::vector<CLI::App*> subcommands_of(const CLI::App* app) {
  return const_cast<CLI::App*>(app)->get_subcommands(
      [](CLI::App* a) { return !a->get_name().empty() && !a->get_group().empty(); });
}

// The candidates for the word after `words` (the command line without
// "cairn" and without the word being typed), one per line. "__files__" asks
// the shell to complete a path itself.
void complete(const CLI::App& root, Cli& cli, const std::vector<std::string>& words) {
  const CLI::App* at = &root;
  std::string path;
  Kind pending = Kind::kNone;  // the value of an option comes next
  bool takes_value = false;
  for (const auto& w : words) {
    if (takes_value) {
      takes_value = false;
      pending = Kind::kNone;
      continue;
    }
    if (w.size() > 1 && w[0] == '-') {
      std::string name = w.substr(0, w.find('='));
      for (const CLI::App* a = at; a != nullptr; a = a->get_parent()) {
        for (const CLI::Option* o : a->get_options()) {
          if (o->get_positional() || !o->check_name(name)) continue;
          takes_value = o->get_expected_max() > 0 && w.find('=') == std::string::npos;
          if (takes_value) {
            auto l = o->get_lnames();
            pending = l.empty() ? Kind::kNone : option_kind(l[0]);
          }
        }
      }
      continue;
    }
    for (const CLI::App* s : subcommands_of(at)) {
      if (s->check_name(w)) {
        at = s;
        path += (path.empty() ? "" : " ") + s->get_name();
        break;
      }
    }
  }
  Kind kind = takes_value ? pending : positional_kind(path);
  if (takes_value && kind == Kind::kNone) return;  // a free value: nothing to offer
  if (!takes_value) {
    for (const CLI::App* s : subcommands_of(at)) std::cout << s->get_name() << "\n";
    for (const CLI::App* a = at; a != nullptr; a = a->get_parent()) {
      for (const CLI::Option* o : a->get_options()) {
        if (o->get_group().empty()) continue;
        for (const auto& n : o->get_lnames()) std::cout << "--" << n << "\n";
      }
    }
  }
  cli.no_spawn = true;  // a tab press never starts the daemon
  cli.timeout_ms = 2000;
  switch (kind) {
    case Kind::kPath:
      std::cout << "__files__\n";
      break;
    case Kind::kTask:
      if (auto r = cli.try_call("tasks.list", {{"status", "open"}, {"limit", 1000}}); r && *r) {
        for (const auto& t : (**r)["tasks"]) std::cout << cell(t["id"]) << "\n";
      }
      break;
    case Kind::kList:
      if (auto r = cli.try_call("lists.list"); r && *r) {
        for (const auto& l : (**r)["lists"]) std::cout << cell(l["name"]) << "\n";
      }
      break;
    case Kind::kTopic:
      for (const auto& [name, text] : topics()) std::cout << name << "\n";
      break;
    case Kind::kShell:
      std::cout << "bash\nzsh\nfish\n";
      break;
    case Kind::kNone:
      break;
  }
}

// The scripts only ask `cairn __complete` for candidates, so they follow the
// command tree and the daemon's tasks and lists as they are now.
std::string completion_script(const std::string& shell) {
  if (shell == "fish") {
    return "# cairn completion for fish; generated by `cairn completion fish`.\n"
           "function __cairn_complete\n"
           "    set -l words (commandline -opc)\n"
           "    set -e words[1]\n"
           "    set -l out (cairn __complete -- $words 2>/dev/null)\n"
           "    if contains -- __files__ $out\n"
           "        set -e out[(contains -i -- __files__ $out)]\n"
           "        __fish_complete_path (commandline -ct)\n"
           "    end\n"
           "    printf '%s\\n' $out\n"
           "end\n"
           "complete -c cairn -f -a '(__cairn_complete)'\n";
  }
  std::string s =
      "# cairn completion for " + shell + "; generated by `cairn completion " + shell + "`.\n";
  if (shell == "zsh") s += "autoload -U +X bashcompinit && bashcompinit\n";
  s += "_cairn() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" IFS=$'\\n' out\n"
       "  out=($(cairn __complete -- \"${COMP_WORDS[@]:1:COMP_CWORD-1}\" 2>/dev/null))\n"
       "  COMPREPLY=($(compgen -W \"${out[*]}\" -- \"$cur\"))\n"
       "  if [[ \" ${out[*]} \" == *\" __files__ \"* || \"${out[*]}\" == *__files__* ]]; then\n"
       "    COMPREPLY=(\"${COMPREPLY[@]/__files__/}\" $(compgen -f -- \"$cur\"))\n"
       "    compopt -o filenames 2>/dev/null\n"
       "  fi\n"
       "}\n"
       "complete -F _cairn cairn\n";
  return s;
}

}  // namespace

void add_help_commands(CLI::App& app, Cli& cli) {
  auto* help = app.add_subcommand("help", "explain a topic or a command: cairn help TOPIC|COMMAND");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("topic", *words,
                   "a topic (dates, exit-codes, errors, paths, scripting, service) "
                   "or a command such as `prefs set`");
  help->callback([&app, &cli, words] {
    if (words->empty()) {
      std::cout << app.help() << "\nTopics: cairn help TOPIC\n";
      for (const auto& [name, text] : topics()) std::cout << "  " << name << "\n";
      return;
    }
    if (auto it = topics().find((*words)[0]); it != topics().end() && words->size() == 1) {
      std::cout << it->second;
      return;
    }
    const CLI::App* at = &app;
    for (const auto& w : *words) {
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name() == w) next = sub;
      }
      if (!next) {
        std::cerr << "cairn: no help topic or command `" << w << "`; try `cairn help`\n";
        cli.exit_code = kExitUsage;
        return;
      }
      at = next;
    }
    std::cout << at->help();
  });

  auto* completion =
      app.add_subcommand("completion",
                         "print a shell completion script: eval \"$(cairn completion bash)\" in "
                         "~/.bashrc, eval \"$(cairn completion zsh)\" in ~/.zshrc, or "
                         "cairn completion fish > ~/.config/fish/completions/cairn.fish");
  auto shell = std::make_shared<std::string>();
  completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->callback([shell] { std::cout << completion_script(*shell); });

  // Hidden: what the completion scripts call for candidates.
  auto* comp = app.add_subcommand("__complete", "candidates for the next word");
  comp->group("");
  auto comp_words = std::make_shared<std::vector<std::string>>();
  comp->add_option("words", *comp_words, "the command line so far, after --");
  comp->callback([&app, &cli, comp_words] {
    complete(app, cli, *comp_words);
    cli.exit_code = kExitOk;  // no daemon means fewer candidates, not an error
  });
}

}  // namespace cairn::cli
