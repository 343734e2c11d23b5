// cairn kb add|ls|show|edit|rm|link: knowledge items and the links between them.
#include <iostream>
#include <iterator>

#include "clients/cli/cli.h"
#include "clients/cli/task_format.h"

namespace cairn::cli {

namespace {

void print_item(const Json& k) {
  std::cout << cell(k["title"]) << "\n"
            << "  id:         " << cell(k["id"]) << "\n"
            << "  type:       " << cell(k["knowledge_type"]) << "\n"
            << "  source:     " << cell(k["source_type"])
            << (k["source_id"].is_null() ? "" : " " + cell(k["source_id"])) << "\n"
            << "  confidence: " << cell(k["confidence"]) << "\n"
            << "  tags:       " << tags_cell(k["tags"]) << "\n"
            << "  updated:    " << cell(k["updated_at"]) << "\n";
  if (!k["content"].get<std::string>().empty()) std::cout << "\n" << block(k["content"]) << "\n";
}

}  // namespace

void add_kb_commands(CLI::App& app, Cli& cli) {
  auto* kb = app.add_subcommand("kb", "knowledge items and their typed, weighted links");
  kb->require_subcommand(1);
  static std::string id, title, content, type = "note", source = "manual", source_id, metadata;
  static std::string from, to, link_type = "relates_to", tag;
  static std::vector<std::string> tags;
  static double confidence = 1.0, strength = 1.0;
  static int64_t depth = 2, limit = 100;

  auto* add = kb->add_subcommand("add", "add a knowledge item: cairn kb add 'Title' -c 'text'");
  add->add_option("title", title, "the item's title")->required();
  add->add_option("-c,--content", content, "the text; '-' reads it from standard input");
  add->add_option("-t,--type", type, "knowledge type (default note)");
  add->add_option("--source", source, "source type (default manual)");
  add->add_option("--source-id", source_id, "id of the source (a session, a file, ...)");
  add->add_option("--confidence", confidence, "0 to 1 (default 1)");
  add->add_option("--tag", tags, "a tag (repeatable)");
  add->add_option("--metadata", metadata, "a JSON object");
  add->add_option("--id", id, "a client id: repeating the command is then safe");
  add->callback([&cli] {
    if (content == "-") {
      content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    Json args{{"title", title},        {"content", content},       {"knowledge_type", type},
              {"source_type", source}, {"confidence", confidence}, {"tags", tags}};
    if (!source_id.empty()) args["source_id"] = source_id;
    if (!id.empty()) args["id"] = id;
    if (!metadata.empty()) {
      auto m = parse_json_arg(metadata, "metadata");
      if (!m) {
        std::cerr << "cairn: " << m.status().message() << "\n";
        cli.exit_code = kExitUsage;
        return;
      }
      args["metadata"] = *m;
    }
    if (auto r = cli.call("knowledge.create", args)) {
      cli.print(*r, [](const Json& v) { std::cout << cell(v["id"]) << "\n"; });
    }
  });

  auto* ls = kb->add_subcommand("ls", "list knowledge items, most recently updated first");
  ls->add_option("-t,--type", type, "only this knowledge type");
  ls->add_option("--tag", tag, "only items with this tag");
  ls->add_option("--limit", limit, "at most this many (default 100)");
  ls->callback([&cli, ls] {
    Json args{{"limit", limit}};
    if (ls->count("--type")) args["knowledge_type"] = type;
    if (!tag.empty()) args["tag"] = tag;
    if (auto r = cli.call("knowledge.list", args)) {
      cli.print(*r, [](const Json& v) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& k : v["items"]) {
          rows.push_back({cell(k["id"]), cell(k["knowledge_type"]), cell(k["title"]),
                          cell(k["confidence"]), tags_cell(k["tags"]), cell(k["updated_at"])});
        }
        print_table({"ID", "TYPE", "TITLE", "CONFIDENCE", "TAGS", "UPDATED"}, rows);
      });
    }
  });

  auto* show = kb->add_subcommand("show", "print an item and what it is related to");
  show->add_option("id", id, "knowledge item id")->required();
  show->add_option("--depth", depth, "how far to walk the graph (default 2, at most 6)");
  show->callback([&cli] {
    auto item = cli.call("knowledge.get", {{"id", id}});
    if (!item) return;
    auto related = cli.call("knowledge.related", {{"id", id}, {"depth", depth}});
    if (!related) return;
    Json both = *item;
    both["related"] = (*related)["items"];
    cli.print(both, [](const Json& v) {
      print_item(v);
      if (v["related"].empty()) return;
      std::cout << "\nrelated:\n";
      std::vector<std::vector<std::string>> rows;
      for (const auto& r : v["related"]) {
        rows.push_back({cell(r["distance"]),
                        (r["direction"] == "out" ? "-> " : "<- ") + cell(r["type"]),
                        cell(r["strength"]), cell(r["item"]["id"]), cell(r["item"]["title"])});
      }
      print_table({"DIST", "LINK", "STRENGTH", "ID", "TITLE"}, rows);
    });
  });

  auto* edit = kb->add_subcommand("edit", "change an item: cairn kb edit ID --title T -c TEXT");
  static std::string new_title;
  static bool no_tags = false;
  edit->add_option("id", id, "knowledge item id")->required();
  edit->add_option("--title", new_title, "new title");
  edit->add_option("-c,--content", content, "new text; '-' reads it from standard input");
  edit->add_option("-t,--type", type, "knowledge type");
  edit->add_option("--confidence", confidence, "0 to 1");
  edit->add_option("--tag", tags, "replace the tags (repeatable)");
  edit->add_flag("--no-tags", no_tags, "remove every tag");
  edit->callback([&cli, edit] {
    Json args{{"id", id}};
    if (!new_title.empty()) args["title"] = new_title;
    if (edit->count("--content")) {
      if (content == "-") {
        content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      }
      args["content"] = content;
    }
    if (edit->count("--type")) args["knowledge_type"] = type;
    if (edit->count("--confidence")) args["confidence"] = confidence;
    if (!tags.empty()) args["tags"] = tags;
    if (no_tags) args["tags"] = Json::array();
    if (auto r = cli.call("knowledge.update", args)) {
      cli.print(*r, [](const Json& v) {
        std::cout << "updated " << cell(v["id"]) << " " << cell(v["title"]) << "\n";
      });
    }
  });

  auto* rm = kb->add_subcommand("rm", "delete knowledge items and their links");
  static std::vector<std::string> ids;
  rm->add_option("id", ids, "knowledge item ids")->required();
  rm->callback([&cli] {
    bool failed = false;
    for (const auto& one : ids) {
      auto r = cli.call("knowledge.delete", {{"id", one}});
      if (!r) {
        if (cli.exit_code == kExitNoDaemon) return;
        failed = true;
        continue;
      }
      cli.print(*r, [](const Json& v) {
        std::cout << "deleted " << cell(v["id"]) << " (" << cell(v["links_deleted"]) << " links)\n";
      });
    }
    cli.exit_code = failed ? kExitError : kExitOk;
  });

  auto* link = kb->add_subcommand("link", "link two items: cairn kb link FROM TO -t extends");
  link->add_option("from", from, "the item the link starts at")->required();
  link->add_option("to", to, "the item it points to")->required();
  link->add_option("-t,--type", link_type,
                   "relates_to (default), contradicts, extends or implements");
  link->add_option("--strength", strength, "0 to 1 (default 1)");
  link->callback([&cli] {
    if (auto r =
            cli.call("knowledge.link",
                     {{"from", from}, {"to", to}, {"type", link_type}, {"strength", strength}})) {
      cli.print(*r, [](const Json& v) {
        std::cout << cell(v["from"]) << " -" << cell(v["type"]) << "-> " << cell(v["to"]) << "\n";
      });
    }
  });
}

}  // namespace cairn::cli
