// cairn search QUERY; cairn index status|rebuild
#include <unistd.h>

#include <iostream>

#include "clients/cli/cli.h"
#include "clients/cli/terminal_text.h"

namespace cairn::cli {

namespace {

// The snippet with its highlight ranges in bold red (on a terminal only). The
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
    out += "\x1b[1;31m" + terminal_safe(s.substr(off, len)) + "\x1b[0m";
    at = off + len;
  }
  return out + terminal_safe(s.substr(at));
}

void print_results(const Json& v) {
  bool color = stdout_is_tty();
  for (const auto& r : v["results"]) {
    std::string where;
    if (r.contains("path")) {
      where = cell(r["path"]) + ":" + cell(r["start_line"]) + "-" + cell(r["end_line"]);
    } else {
      where = cell(r["kind"]) + ":" + cell(r["id"]);
    }
    if (color) where = "\x1b[35m" + where + "\x1b[0m";
    std::cout << where << ": " << highlighted(r, color) << "\n";
  }
}

}  // namespace

void add_search_commands(CLI::App& app, Cli& cli) {
  static std::string query, kind, root, path_glob;
  static int limit = 20, offset = 0;
  auto* search = app.add_subcommand(
      "search", "full-text search: words, \"a phrase\", prefix*, -excluded; best first");
  search->add_option("query", query, "what to look for (any text is a valid query)")->required();
  search->add_option("--kind", kind, "only this kind: file, task, message, knowledge");
  search->add_option("--root", root, "only files under this directory");
  search->add_option("--path", path_glob, "only files whose absolute path matches this glob");
  search->add_option("--limit", limit, "results to show (default 20)");
  search->add_option("--offset", offset, "results to skip");
  search->callback([&cli] {
    Json args{{"q", query}, {"limit", limit}};
    if (offset > 0) args["offset"] = offset;
    if (!kind.empty()) args["kinds"] = Json::array({kind});
    if (!root.empty()) {
      // Relative roots are relative to where the command runs.
      if (root[0] != '/') {
        char buf[4096];
        if (::getcwd(buf, sizeof buf)) root = std::string(buf) + "/" + root;
      }
      args["root"] = root;
    }
    if (!path_glob.empty()) args["path_glob"] = path_glob;
    if (auto r = cli.call("search.query", args)) cli.print(*r, print_results);
  });

  auto* index = app.add_subcommand("index", "the search index: status and rebuild");
  index->require_subcommand(1);
  auto* status = index->add_subcommand("status", "per kind: documents, chunks, dirty, last pass");
  status->callback([&cli] {
    if (auto r = cli.call("index.status")) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& k : v["kinds"]) {
          rows.push_back({cell(k["kind"]), cell(k["documents"]), cell(k["chunks"]),
                          cell(k["dirty"]), cell(k["last_indexed_at"]),
                          cell(k["last_rebuild_duration_ms"]), cell(k["index_version"])});
        }
        print_table({"KIND", "DOCS", "CHUNKS", "DIRTY", "LAST INDEXED", "REBUILD MS", "VERSION"},
                    rows);
        std::cout << "index size: " << v["index_bytes"].get<int64_t>() / 1024 << " KiB\n";
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
