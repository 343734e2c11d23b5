// cairn backup|restore|export|import|check|compact: the db.* methods.
// Paths are made absolute here, since cairnd reads and writes them.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "clients/cli/cli.h"

namespace cairn::cli {

namespace {

constexpr int kDefaultTimeoutMs = 30000;

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// Copies of a large database take longer than an ordinary call.
void allow_long_call(Cli& cli) {
  if (cli.timeout_ms == kDefaultTimeoutMs) cli.timeout_ms = 6 * 3600 * 1000;
}

std::string bytes(const Json& v) {
  return human_bytes(v.is_number() ? v.get<int64_t>() : 0);
}

}  // namespace

void add_db_commands(CLI::App& app, Cli& cli) {
  static std::string path;
  static int keep = 0;
  static bool verify = false, merge = false, replace = false, full = false, rebuild = false;
  static std::vector<std::string> tables;

  auto* backup = app.add_subcommand(
      "backup", "consistent copy of the live database (default: <data dir>/backups/cairn-<time>.db)");
  backup->add_option("path", path, "file or directory to write the backup to");
  backup->add_option("--keep", keep, "keep only the newest N timestamped backups in that directory");
  backup->add_flag("--verify", verify, "run integrity_check on the copy before keeping it");
  backup->callback([&cli] {
    allow_long_call(cli);
    Json args = Json::object();
    if (!path.empty()) args["path"] = absolute(path);
    if (keep > 0) args["keep"] = keep;
    if (verify) args["verify"] = true;
    if (auto r = cli.call("db.backup", args)) {
      cli.print(*r, [](const Json& v) {
        std::cout << "backup " << cell(v["path"]) << " (" << bytes(v["bytes"]) << ", schema "
                  << cell(v["schema_version"]) << ")\nsha256 " << cell(v["sha256"]) << "\n";
        for (const auto& gone : v.value("removed", Json::array())) {
          std::cout << "removed " << cell(gone) << "\n";
        }
      });
    }
  });

  auto* restore = app.add_subcommand(
      "restore", "replace the database with a backup; the current one is kept aside");
  restore->add_option("path", path, "backup file")->required();
  restore->callback([&cli] {
    allow_long_call(cli);
    if (auto r = cli.call("db.restore", {{"path", absolute(path)}})) {
      cli.print(*r, [](const Json& v) {
        std::cout << "restored " << cell(v["path"]) << " (schema " << cell(v["schema_version"])
                  << ")\nprevious database kept as " << cell(v["kept_aside"]) << "\n";
        for (const auto& gone : v.value("removed", Json::array())) {
          std::cout << "removed " << cell(gone) << "\n";
        }
      });
    }
  });

  auto* exp = app.add_subcommand("export", "print every table (or --tables) as one JSON document");
  exp->add_option("--tables", tables, "only these tables");
  exp->callback([&cli] {
    allow_long_call(cli);
    // cairnd writes the document to a private file that is then copied to
    // stdout: a large export does not fit in one message.
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/cairn-export-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) {
      std::perror("cairn: mkdtemp");
      cli.exit_code = kExitError;
      return;
    }
    std::string file = std::string(buf.data()) + "/export.json";
    Json args{{"path", file}};
    if (!tables.empty()) args["tables"] = tables;
    auto r = cli.call("db.export", args);
    if (r) {
      std::ifstream in(file, std::ios::binary);
      std::cout << in.rdbuf();
      std::cout.flush();
      for (const auto& s : (*r)["skipped"]) {
        std::cerr << "cairn: skipped " << cell(s["table"]) << ": " << cell(s["why"]) << "\n";
      }
    }
    ::unlink(file.c_str());
    ::rmdir(buf.data());
  });

  auto* imp = app.add_subcommand("import", "load a document made by `cairn export`");
  imp->add_option("file", path, "the JSON document")->required();
  auto* m = imp->add_flag("--merge", merge, "upsert rows by primary key (default)");
  imp->add_flag("--replace", replace, "empty each table in the document first")->excludes(m);
  imp->callback([&cli] {
    allow_long_call(cli);
    Json args{{"path", absolute(path)}, {"mode", replace ? "replace" : "merge"}};
    if (auto r = cli.call("db.import", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [name, n] : v["tables"].items()) rows.push_back({cell(name), cell(n)});
        std::cout << "imported (" << cell(v["mode"]) << ")\n";
        print_table({"TABLE", "ROWS"}, rows);
      });
    }
  });

  auto* check = app.add_subcommand("check", "integrity, full-text index and foreign key checks");
  check->callback([&cli] {
    allow_long_call(cli);
    if (auto r = cli.call("db.check", Json::object())) {
      cli.print(*r, [](const Json& v) {
        if (v["ok"].get<bool>()) {
          std::cout << "ok: integrity, foreign keys";
          if (!v["checked"]["fts5"].empty()) {
            std::cout << " and " << v["checked"]["fts5"].size() << " full-text index(es)";
          }
          std::cout << " are sound\n";
          return;
        }
        for (const auto& p : v["problems"]) {
          std::cout << cell(p["check"]) << ": " << cell(p["message"]) << "\n";
        }
      });
      if (!(*r)["ok"].get<bool>()) cli.exit_code = kExitError;
    }
  });

  auto* compact = app.add_subcommand(
      "compact", "merge full-text indexes, vacuum, checkpoint the WAL; prints sizes");
  compact->add_flag("--full", full, "VACUUM: rewrite the file (writes wait meanwhile)");
  compact->add_flag("--rebuild-fts", rebuild, "rebuild full-text indexes from their content");
  compact->callback([&cli] {
    allow_long_call(cli);
    Json args = Json::object();
    if (full) args["full"] = true;
    if (rebuild) args["rebuild_fts"] = true;
    if (auto r = cli.call("db.compact", args)) {
      cli.print(*r, [](const Json& v) {
        const Json& b = v["before"];
        const Json& a = v["after"];
        print_table({"", "DATABASE", "WAL", "FREE PAGES"},
                    {{"before", bytes(b["file_bytes"]), bytes(b["wal_bytes"]),
                      cell(b["freelist_pages"])},
                     {"after", bytes(a["file_bytes"]), bytes(a["wal_bytes"]),
                      cell(a["freelist_pages"])}});
        if (v.contains("note")) std::cout << cell(v["note"]) << "\n";
      });
    }
  });
}

}  // namespace cairn::cli
