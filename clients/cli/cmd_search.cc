// cairn search QUERY; cairn index status|rebuild
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "clients/cli/cli.h"
#include "clients/cli/terminal_text.h"

namespace cairn::cli {

namespace {

// grep's and rg's exit codes: 1 is "nothing matched", so an error is 2.
constexpr int kNoMatch = 1;
constexpr int kSearchError = 2;

constexpr const char* kMatchColor = "\x1b[1;31m";
constexpr const char* kPathColor = "\x1b[35m";
constexpr const char* kNumberColor = "\x1b[32m";
constexpr const char* kReset = "\x1b[0m";

// The snippet with its highlight ranges in bold red (with color only). The
// ranges are byte offsets into the stored text, so each piece is escaped on
// its own (terminal_text.h) after the cut.
std::string highlighted(const Json& r, bool color) {
  std::string s = raw_text(r["snippet"]);
  if (!color || !r.contains("highlights")) return terminal_safe(s);
  std::string out;
  size_t at = 0;
  for (const auto& h : r["highlights"]) {
    if (!h.is_array() || h.size() != 2) continue;
    size_t off = h[0].get<size_t>(), len = h[1].get<size_t>();
    if (off < at || off + len > s.size()) continue;
    out += terminal_safe(s.substr(at, off - at));
    out += kMatchColor + terminal_safe(s.substr(off, len)) + kReset;
    at = off + len;
  }
  return out + terminal_safe(s.substr(at));
}

std::string paint(const std::string& text, const char* code, bool color) {
  return color ? code + text + kReset : text;
}

// Lines [from, to] (1-based) of the file at `path`; fewer when it is shorter
// or unreadable (it may have changed or gone since it was indexed).
std::vector<std::string> file_lines(const std::string& path, int64_t from, int64_t to) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  std::string l;
  for (int64_t n = 1; n <= to && std::getline(in, l); ++n) {
    if (n < from) continue;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
  }
  return out;
}

struct Output {
  bool color = false;
  int context = 0;
};

// One hit per line, as `rg --vimgrep` and `grep -n` print them, so editors
// (vim's :cgetfile, terminal links) and scripts read them:
//   path:LINE:COLUMN:text        a file (text: the matched line, trimmed)
//   task:3: Title: text          any other kind, with its title
// With context, `path-LINE-text` lines around a file hit and `--` between groups.
void print_results(const Json& v, const Output& o) {
  bool first = true;
  for (const auto& r : v["results"]) {
    if (!r.contains("path")) {
      std::string where = paint(cell(r["kind"]) + ":" + cell(r["id"]) + ":", kPathColor, o.color);
      std::string title = cell(r.value("title", Json("")));
      std::string text = highlighted(r, o.color);
      std::cout << where;
      if (!title.empty()) std::cout << " " << title;
      if (!text.empty()) std::cout << (title.empty() ? " " : ": ") << text;
      std::cout << "\n";
      continue;
    }
    std::string path = raw_text(r["path"]);
    int64_t line = r.value("line", int64_t{1});
    std::string shown = paint(cell(r["path"]), kPathColor, o.color);
    auto numbered = [&](int64_t n, char sep) {
      std::cout << shown << sep << paint(std::to_string(n), kNumberColor, o.color) << sep;
    };
    if (o.context == 0) {
      numbered(line, ':');
      std::cout << r.value("column", int64_t{1}) << ":" << highlighted(r, o.color) << "\n";
      continue;
    }
    if (!first) std::cout << "--\n";
    first = false;
    int64_t from = std::max<int64_t>(1, line - o.context);
    std::vector<std::string> lines = file_lines(path, from, line + o.context);
    for (int64_t n = from; n < line && n - from < static_cast<int64_t>(lines.size()); ++n) {
      numbered(n, '-');
      std::cout << terminal_safe(lines[static_cast<size_t>(n - from)]) << "\n";
    }
    numbered(line, ':');
    std::cout << r.value("column", int64_t{1}) << ":" << highlighted(r, o.color) << "\n";
    for (int64_t n = line + 1; n - from < static_cast<int64_t>(lines.size()); ++n) {
      numbered(n, '-');
      std::cout << terminal_safe(lines[static_cast<size_t>(n - from)]) << "\n";
    }
  }
}

// `p` made absolute against the current directory, "." and ".." resolved by
// name (as the shell shows the path), no trailing '/'.
std::string absolute(const std::string& p) {
  std::error_code ec;
  auto a = std::filesystem::absolute(p, ec);
  std::string out = (ec ? std::filesystem::path(p) : a).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

void add_search_commands(CLI::App& app, Cli& cli) {
  static std::string query, kind, root, path_glob, color = "auto";
  static int limit = 20, offset = 0, context = 0;
  auto* search = app.add_subcommand(
      "search",
      "full-text search: words, \"a phrase\", prefix*, -excluded; best first.\n"
      "Prints path:LINE:COLUMN:text per file hit (as rg --vimgrep), kind:ID: title for others.\n"
      "Exit 0: something matched; 1: nothing matched; 2: an error.");
  search->add_option("query", query, "what to look for (any text is a valid query)")->required();
  search->add_option("--kind", kind, "only this kind: file, task, message, knowledge");
  search->add_option("--root", root, "only files under this tracked directory");
  search->add_option("--path", path_glob,
                     "only files matching this glob, relative to the current directory "
                     "(as rg -g; '*' crosses '/'; an absolute glob is used as it is)");
  search->add_option("--limit", limit, "results to show (default 20)");
  search->add_option("--offset", offset, "results to skip");
  search->add_option("-C,--context", context, "lines of context around each file hit")
      ->check(CLI::Range(0, 1000));
  search->add_option("--color", color, "auto (a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  search->callback([&cli] {
    Json args{{"q", query}, {"limit", limit}};
    if (offset > 0) args["offset"] = offset;
    if (!kind.empty()) args["kinds"] = Json::array({kind});
    // Relative roots and globs are relative to where the command runs.
    if (!root.empty()) args["root"] = absolute(root);
    if (!path_glob.empty()) args["path_glob"] = absolute(path_glob);
    auto r = cli.call("search.query", args);
    if (!r) {
      if (cli.exit_code == kExitError) cli.exit_code = kSearchError;
      return;
    }
    const Json& index = (*r)["index"];
    if (index.is_object() && index.value("catching_up", false)) {
      std::cerr << "cairn: the index is still catching up (" << cell(index["dirty"])
                << " documents to index): results may be incomplete\n";
    }
    const char* no_color = std::getenv("NO_COLOR");
    Output o;
    o.context = context;
    o.color = color == "always" ||
              (color == "auto" && stdout_is_tty() && (no_color == nullptr || *no_color == '\0'));
    cli.print(*r, [&o](const Json& v) { print_results(v, o); });
    if ((*r)["results"].empty()) cli.exit_code = kNoMatch;
  });

  auto* index = app.add_subcommand("index", "the search index: status and rebuild");
  index->require_subcommand(1);
  auto* status = index->add_subcommand("status", "per kind: documents, chunks, dirty, last pass");
  status->callback([&cli] {
    if (auto r = cli.call("index.status")) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& k : v["kinds"]) {
          // The live count: `documents` is taken at the end of a pass.
          rows.push_back({cell(k["kind"]),
                          cell(k.contains("indexed") ? k["indexed"] : k["documents"]),
                          cell(k["chunks"]), cell(k["dirty"]), cell(k["last_indexed_at"]),
                          cell(k["last_rebuild_duration_ms"]), cell(k["index_version"])});
        }
        print_table({"KIND", "DOCS", "CHUNKS", "DIRTY", "LAST INDEXED", "REBUILD MS", "VERSION"},
                    rows);
        std::cout << "index size: " << v["index_bytes"].get<int64_t>() / 1024 << " KiB\n";
        for (const auto& k : v["kinds"]) {
          int64_t dirty = k.value("dirty", int64_t{0}), done = k.value("indexed", int64_t{0});
          if (dirty <= 0) continue;
          std::cout << "indexing " << cell(k["kind"]) << ": " << done << " documents indexed, "
                    << dirty << " waiting; search results are incomplete until it ends\n";
        }
      });
    }
  });
  static std::string rebuild_kind;
  auto* rebuild = index->add_subcommand(
      "rebuild", "index every document again from the stored rows (user data is not touched)");
  rebuild->add_option("--kind", rebuild_kind, "only this kind");
  rebuild->callback([&cli] {
    Json args = rebuild_kind.empty() ? Json(nullptr) : Json{{"kind", rebuild_kind}};
    if (auto r = cli.call("index.rebuild", args)) {
      cli.print(*r, [](const Json& v) {
        std::cout << "rebuilding: " << cell(v["documents"])
                  << " documents marked; see `cairn index status`\n";
      });
    }
  });
}

}  // namespace cairn::cli
