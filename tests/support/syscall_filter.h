// What a unit's SystemCallFilter= allows, as systemd-analyze expands it, and
// the system calls a traced process made, as strace wrote them: a test checks
// the second is within the first, so the filter never kills cairnd.
#pragma once

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/daemon_process.h"

namespace cairn::testing {

// The system call names in a `systemd-analyze syscall-filter` group such as
// "@system-service", nested groups expanded. Empty when systemd-analyze fails.
inline std::set<std::string> syscall_filter_group(const std::string& group,
                                                  std::set<std::string>* seen_groups = nullptr) {
  std::set<std::string> local_seen;
  if (!seen_groups) seen_groups = &local_seen;
  std::set<std::string> out;
  if (!seen_groups->insert(group).second) return out;
  CommandResult r = run_command({"systemd-analyze", "syscall-filter", "--no-pager", group},
                                {{"SYSTEMD_COLORS", "0"}});
  if (r.status != 0) return out;
  std::istringstream in(r.output);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    std::string word = std::regex_replace(line, std::regex("^\\s+|\\s+$"), "");
    if (header) {  // the group's own name comes first
      header = false;
      continue;
    }
    if (word.empty() || word[0] == '#') continue;
    if (word[0] == '@') {
      std::set<std::string> nested = syscall_filter_group(word, seen_groups);
      out.insert(nested.begin(), nested.end());
    } else {
      out.insert(word);
    }
  }
  return out;
}

// The allow list of a unit's SystemCallFilter= lines (groups and names; deny
// lists starting with ~ are not handled and make the result empty).
inline std::set<std::string> unit_syscall_allow_list(const std::string& unit_text) {
  std::set<std::string> out;
  std::regex line_re("^SystemCallFilter=(.*)$");
  std::istringstream in(unit_text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, line_re)) continue;
    std::istringstream words(m[1].str());
    std::string w;
    while (words >> w) {
      if (w[0] == '~') return {};
      if (w[0] == '@') {
        std::set<std::string> g = syscall_filter_group(w);
        out.insert(g.begin(), g.end());
      } else {
        out.insert(w);
      }
    }
  }
  return out;
}

// The names of the system calls in an `strace -f -o FILE` trace.
inline std::set<std::string> traced_syscalls(const std::string& trace_path) {
  std::set<std::string> out;
  std::ifstream in(trace_path);
  std::string line;
  // "PID name(args" and "PID <... name resumed>"; signals and exits are skipped.
  std::regex call_re("^\\d+\\s+(?:<\\.\\.\\. )?([a-z_][a-z0-9_]*)(?:\\(| resumed>)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, call_re)) out.insert(m[1].str());
  }
  return out;
}

}  // namespace cairn::testing
