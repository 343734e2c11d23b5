// Search over tracked files, end to end: the real daemon, real files in a temp
// directory, the index worker keeping up with edits and deletes.
// Files are tracked with files.track; the watchers notice edits by themselves.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "base/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/probes.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

class Tracked {
 public:
  Tracked(DaemonProcess& d, const std::string& dir) : d_(d) {
    auto r = d.call("files.track", {{"path", dir}});
    EXPECT_TRUE(r) << r.status().to_string();
  }
  Json search(const std::string& q, Json extra = Json::object()) {
    extra["q"] = q;
    auto r = d_.call("search.query", extra);
    EXPECT_TRUE(r) << r.status().to_string();
    return r ? (*r)["results"] : Json::array();
  }
  // Polls until `pred` holds or `timeout_ms` pass; returns the milliseconds taken or -1.
  int64_t wait(const std::function<bool()>& pred, int timeout_ms) {
    int64_t start = monotonic_ms();
    while (monotonic_ms() - start < timeout_ms) {
      if (pred()) return monotonic_ms() - start;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return -1;
  }
  bool found(const std::string& q) { return !search(q).empty(); }

 private:
  DaemonProcess& d_;
};

TEST(Search, AnEditedFileIsSearchableWithNewWordsAndWithoutOldOnesWithinSeconds) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "notes.txt";
  write_file(f, "first line\nthe alphaoldword is here\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("alphaoldword"); }, 10000), 0);

  write_file(f, "first line\nthe betanewword is here\n");
  int64_t ms = t.wait([&] { return t.found("betanewword") && !t.found("alphaoldword"); }, 5000);
  EXPECT_GE(ms, 0) << "edit not visible within 5 s";
  std::cout << "edit searchable after " << ms << " ms\n";
  Json hit = t.search("betanewword")[0];
  EXPECT_EQ(hit["path"], f);
  EXPECT_EQ(hit["line"], 2);
  EXPECT_EQ(hit["kind"], "file");
}

TEST(Search, ADeletedFileLeavesTheIndex) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "gone.c";
  write_file(f, "int deletedidentifier_xyz;\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("deletedidentifier_xyz"); }, 10000), 0);
  ::unlink(f.c_str());
  EXPECT_GE(t.wait([&] { return !t.found("deletedidentifier_xyz"); }, 5000), 0);
  // The pass's last write (counts) commits just after the one that removed it.
  EXPECT_GE(t.wait(
                [&] {
                  auto st = d.call("index.status");
                  return st && (*st)["kinds"][0]["documents"] == 0;
                },
                5000),
            0);
}

TEST(Search, SnippetsCarryTheLineOfTheMatchInsideTheChunkRange) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "long.txt";
  std::string text;
  for (int i = 1; i <= 120; ++i) text += (i == 77 ? "here is linesevenseven\n" : "filler text\n");
  write_file(f, text);
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("linesevenseven"); }, 10000), 0);
  Json hit = t.search("linesevenseven")[0];
  EXPECT_EQ(hit["line"], 77);
  EXPECT_LE(hit["start_line"].get<int>(), 77);
  EXPECT_GE(hit["end_line"].get<int>(), 77);
  EXPECT_EQ(hit["snippet"], "here is linesevenseven");
}

TEST(Search, BinaryAndOversizedFilesAreNotIndexed) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  write_file(dir / "bin.dat", std::string("binaryonlyword\0\x01\x02", 17));
  write_file(dir / "big.txt", "oversizedonlyword\n" + std::string(9 << 20, 'x'));
  write_file(dir / "ok.txt", "textonlyword\n");
  Tracked t(d, dir.path());

  ASSERT_GE(t.wait([&] { return t.found("textonlyword"); }, 10000), 0);
  EXPECT_FALSE(t.found("binaryonlyword"));
  EXPECT_FALSE(t.found("oversizedonlyword"));
}

TEST(Search, HostileQueriesAnswerAndAnIdentifierSubstringIsFound) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "msgpack.h";
  write_file(f, "int msgpack_unpacker_next(msgpack_unpacker* u);\nsize_t a = b->c:d;\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("msgpack_unpacker_next"); }, 10000), 0);
  Json sub = t.search("Unpack");
  ASSERT_FALSE(sub.empty());
  EXPECT_EQ(sub[0]["match"], "substring");
  EXPECT_TRUE(t.found("msgpack_unpack*"));
  EXPECT_TRUE(t.found("\"unpacker_next(msgpack_unpacker\""));
  for (const std::string& q :
       std::vector<std::string>{"\"", "(", ")", "*", "-", ":", "^", "NEAR", "AND OR NOT", "c:d",
                                "NEAR(a b)", "a^b", "é漢字", "\"unterminated", "-only", "100%", "_",
                                std::string("nul\0in", 6), "\xFF\xFE"}) {
    auto r = d.call("search.query", {{"q", q}});
    // Text that is not UTF-8 or holds NUL is refused naming q (matrix row 44);
    // everything else is just data.
    bool not_text = q == "\xFF\xFE" || q.find('\0') != std::string::npos;
    if (!r) {
      EXPECT_EQ(r.status().code(), Code::kInvalidParams) << q;
      EXPECT_NE(r.status().message().find("q "), std::string::npos) << r.status().to_string();
    }
    EXPECT_TRUE(r || not_text) << q << ": " << r.status().to_string();
    EXPECT_TRUE(!r || !not_text) << q << " was accepted";
  }
}

TEST(Search, RebuildKeepsQueriesAnsweringAndRecordsItsDuration) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  Tracked t(d, dir.path());
  for (int i = 0; i < 40; ++i) {
    std::string f = dir / ("f" + std::to_string(i) + ".txt");
    write_file(f, "rebuildword number" + std::to_string(i) + "\n");
  }
  ASSERT_GE(t.wait(
                [&] {
                  return t.search("rebuildword", {{"limit", 100}}).size() == 40;
                },
                10000),
            0);
  auto r = d.call("index.rebuild");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ((*r)["documents"], 40);
  EXPECT_FALSE(t.search("rebuildword").empty());  // answers during the rebuild
  EXPECT_GE(t.wait(
                [&] {
                  auto st = d.call("index.status");
                  const Json& k = (*st)["kinds"][0];
                  return k["dirty"] == 0 && !k["last_rebuild_duration_ms"].is_null() &&
                         k["index_version"] == k["current_version"];
                },
                10000),
            0);
  EXPECT_EQ(t.search("rebuildword", {{"limit", 100}}).size(), 40u);
}

TEST(Search, AChunkerVersionOtherThanTheRecordedOneReindexesAtStartup) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "v.txt";
  write_file(f, "versionword\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("versionword"); }, 10000), 0);
  ASSERT_EQ(d.terminate(), 0);
  // As if an older chunker had made the index.
  sqlite3(d.db_path(), "UPDATE index_docs SET chunker_version = -1, indexed_at = 0;");
  DaemonProcess b(d, {});
  ASSERT_TRUE(b.start().is_ok());
  Tracked tb(b, dir.path());
  EXPECT_GE(tb.wait(
                [&] {
                  return sqlite3(b.db_path(),
                                 "SELECT count(*) FROM index_docs WHERE chunker_version = -1;") ==
                         "0\n";
                },
                10000),
            0);
  EXPECT_TRUE(tb.found("versionword"));
}

// `cairn search` against the daemon `d`, run in `cwd` when given.
// A leading "--json" goes before the subcommand.
CommandResult cairn_search(DaemonProcess& d, std::vector<std::string> args,
                           const std::string& cwd = "") {
  std::vector<std::string> argv{DaemonProcess::binary("cairn"), "--socket", d.socket_path(),
                                "--no-spawn"};
  if (!args.empty() && args[0] == "--json") {
    argv.push_back("--json");
    args.erase(args.begin());
  }
  argv.push_back("search");
  argv.insert(argv.end(), args.begin(), args.end());
  if (cwd.empty()) return run_command(argv);
  std::vector<std::string> sh{"sh", "-c", "cd \"$0\" && exec \"$@\"", cwd};
  sh.insert(sh.end(), argv.begin(), argv.end());
  return run_command(sh);
}

TEST(Search, TheCliPrintsPathLineColumnAndTheMatchedLineAsGrepAndVimDo) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  std::string f = dir / "cli.txt";
  write_file(f, "one\n  two clisearchword three\nfour\nfive\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("clisearchword"); }, 10000), 0);
  auto out = cairn_search(d, {"clisearchword"});
  EXPECT_EQ(out.status, 0);
  EXPECT_EQ(out.output, f + ":2:7:two clisearchword three\n");
  // The chunk's range stays in the JSON, with the line and column.
  auto js = cairn_search(d, {"--json", "clisearchword"});
  ASSERT_EQ(js.status, 0) << js.output;
  Json hit = Json::parse(js.output)["results"][0];
  EXPECT_EQ(hit["start_line"], 1);
  EXPECT_EQ(hit["end_line"], 4);
  EXPECT_EQ(hit["line"], 2);
  EXPECT_EQ(hit["column"], 7);
  // Context lines as grep -n -C prints them.
  auto ctx = cairn_search(d, {"-C", "1", "clisearchword"});
  EXPECT_EQ(ctx.status, 0);
  EXPECT_EQ(ctx.output, f + "-1-one\n" + f + ":2:7:two clisearchword three\n" + f + "-3-four\n");
  // Color on request only (not on a pipe), matches in bold red.
  auto never = cairn_search(d, {"--color", "never", "clisearchword"});
  EXPECT_EQ(never.output.find('\x1b'), std::string::npos) << never.output;
  auto always = cairn_search(d, {"--color", "always", "clisearchword"});
  EXPECT_NE(always.output.find("\x1b[1;31mclisearchword\x1b[0m"), std::string::npos)
      << always.output;
  // On a terminal (script(1) gives one), colour by default unless NO_COLOR is set.
  std::string on_tty = DaemonProcess::binary("cairn") + " --socket " + d.socket_path() +
                       " --no-spawn search clisearchword";
  auto tty = run_command({"script", "-qec", on_tty, "/dev/null"});
  EXPECT_NE(tty.output.find("\x1b[1;31mclisearchword"), std::string::npos) << tty.output;
  auto no_color = run_command({"script", "-qec", on_tty, "/dev/null"}, {{"NO_COLOR", "1"}});
  EXPECT_NE(no_color.output.find("clisearchword"), std::string::npos) << no_color.output;
  EXPECT_EQ(no_color.output.find('\x1b'), std::string::npos) << no_color.output;
  auto st = run_command({DaemonProcess::binary("cairn"), "--socket", d.socket_path(), "--no-spawn",
                         "index", "status"});
  EXPECT_EQ(st.status, 0);
  EXPECT_NE(st.output.find("file"), std::string::npos);
}

TEST(Search, TheCliExitsOneWhenNothingMatchedAndTwoOnAnUntrackedRoot) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir, other;
  write_file(dir / "a.txt", "exitcodeword\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.found("exitcodeword"); }, 10000), 0);
  auto none = cairn_search(d, {"nosuchwordanywhere"});
  EXPECT_EQ(none.status, 1) << none.output;
  EXPECT_EQ(none.output, "");
  auto none_json = cairn_search(d, {"--json", "nosuchwordanywhere"});
  EXPECT_EQ(none_json.status, 1) << none_json.output;
  auto untracked = cairn_search(d, {"--root", other.path(), "exitcodeword"});
  EXPECT_EQ(untracked.status, 2) << untracked.output;
  EXPECT_NE(untracked.output.find("not tracked"), std::string::npos) << untracked.output;
  // A directory inside the root is a root to search under.
  ::mkdir((dir / "sub").c_str(), 0700);
  EXPECT_EQ(cairn_search(d, {"--root", dir / "sub", "exitcodeword"}).status, 1);
  EXPECT_EQ(cairn_search(d, {"--root", dir.path(), "exitcodeword"}).status, 0);
}

TEST(Search, PathGlobsAreRelativeToTheCurrentDirectory) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  ::mkdir((dir / "src").c_str(), 0700);
  ::mkdir((dir / "docs").c_str(), 0700);
  write_file(dir / "src/a.cc", "globword\n");
  write_file(dir / "docs/a.md", "globword\n");
  Tracked t(d, dir.path());
  ASSERT_GE(t.wait([&] { return t.search("globword").size() == 2; }, 10000), 0);
  auto in_src = cairn_search(d, {"--path", "*.cc", "globword"}, dir / "src");
  EXPECT_EQ(in_src.status, 0) << in_src.output;
  EXPECT_EQ(in_src.output, dir / "src/a.cc" + ":1:1:globword\n");
  auto from_top = cairn_search(d, {"--path", "src/*", "globword"}, dir.path());
  EXPECT_EQ(from_top.output, dir / "src/a.cc" + ":1:1:globword\n");
  // In docs/, *.cc names nothing there.
  EXPECT_EQ(cairn_search(d, {"--path", "*.cc", "globword"}, dir / "docs").status, 1);
}

TEST(Search, TaskAndKnowledgeHitsPrintTheirTitleAndSubstringsFindTitlesAndTags) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  Tracked t(d, dir.path());
  auto task = d.call("tasks.create", {{"title", "Write parser"}});
  ASSERT_TRUE(task) << task.status().to_string();
  ASSERT_TRUE(d.call("knowledge.create", {{"id", "k1"},
                                          {"source_type", "user"},
                                          {"knowledge_type", "fact"},
                                          {"title", "Storage choice"},
                                          {"content", "WAL mode"},
                                          {"tags", Json::array({"durability"})}}));
  std::string id = std::to_string((*task)["id"].get<int64_t>());
  ASSERT_GE(t.wait([&] { return t.found("parser") && t.found("storage"); }, 10000), 0);
  auto word = cairn_search(d, {"parser"});
  EXPECT_EQ(word.output, "task:" + id + ": Write parser\n");
  // A piece of a title word, and a tag.
  auto part = cairn_search(d, {"pars"});
  EXPECT_EQ(part.status, 0) << part.output;
  EXPECT_EQ(part.output, "task:" + id + ": Write parser\n");
  ASSERT_GE(t.wait([&] { return t.found("durability"); }, 10000), 0);
  auto tag = cairn_search(d, {"durab"});
  EXPECT_EQ(tag.status, 0) << tag.output;
  EXPECT_EQ(tag.output, "knowledge:k1: Storage choice: tags: durability\n");
}

TEST(Search, SaysWhileTheIndexIsCatchingUpAndUntrackRemovesTheRootsFilesAtOnce) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  for (int i = 0; i < 1500; ++i) {
    write_file(dir / ("f" + std::to_string(i) + ".txt"),
               "catchupword " + std::to_string(i) + "\nsecond line\n");
  }
  Tracked t(d, dir.path());
  auto caught_up = [&] {
    auto r = d.call("search.query", {{"q", "catchupword"}});
    return r && (*r)["index"]["catching_up"] == false && (*r)["results"].size() == 20;
  };
  ASSERT_GE(t.wait(caught_up, 30000), 0);
  EXPECT_EQ(cairn_search(d, {"--limit", "1", "catchupword"}).output.find("catching up"),
            std::string::npos);
  // Every document dirty again: the worker needs a while for 1,500 of them.
  ASSERT_TRUE(d.call("index.rebuild", {{"kind", "file"}}));
  auto during = d.call("search.query", {{"q", "catchupword"}});
  ASSERT_TRUE(during) << during.status().to_string();
  EXPECT_EQ((*during)["index"]["catching_up"], true) << during->dump();
  EXPECT_GT((*during)["index"]["dirty"].get<int64_t>(), 0) << during->dump();
  auto cli = cairn_search(d, {"--limit", "1", "catchupword"});
  EXPECT_NE(cli.output.find("cairn: the index is still catching up"), std::string::npos)
      << cli.output;
  ASSERT_GE(t.wait(caught_up, 30000), 0);

  ASSERT_TRUE(d.call("files.untrack", {{"path", dir.path()}}));
  EXPECT_TRUE(t.search("catchupword").empty());
}

// index.status caches its dirty counts (status bars poll it), but a count of 0
// is only reused while nothing committed since: right after a write it counts
// again, so "caught up" is never claimed for a document the worker has not seen.
TEST(Search, IndexStatusCountsAWriteAsDirtyAtOnceAndZeroOnlyWhenCaughtUp) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto task_status = [&]() -> std::pair<int64_t, bool> {
    auto st = d.call("index.status");
    if (!st) return {-1, true};
    for (const Json& k : (*st)["kinds"]) {
      if (k["kind"] == "task") return {k["dirty"].get<int64_t>(), (*st)["worker"]["running"]};
    }
    return {-1, true};
  };
  for (int i = 0; i < 10; ++i) {
    // Caught up and idle, so nothing indexes the next task before we ask.
    ASSERT_TRUE(wait_until(
        [&] {
          return task_status() == std::pair<int64_t, bool>{0, false};
        },
        10000))
        << "round " << i;
    ASSERT_TRUE(d.call("tasks.create", {{"title", "dirtyword " + std::to_string(i)}}));
    EXPECT_GE(task_status().first, 1) << "round " << i;
  }
  EXPECT_TRUE(wait_until([&] { return task_status().first == 0; }, 10000));
  // index_bytes, summed table by table, is what dbstat gives for the same tables
  // in one pass over the whole file (once the cached figure is taken again).
  std::string whole = sqlite3(
      d.db_path(),
      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE aggregate = 1 AND (name = 'chunks' OR "
      "name = 'chunks_by_doc' OR name GLOB 'chunks_fts_*' OR name GLOB 'chunks_tri_*' OR name "
      "GLOB 'index_*' OR name GLOB 'sqlite_autoindex_index_*');");
  EXPECT_NE(whole, "0\n");
  EXPECT_TRUE(wait_until(
      [&] {
        auto st = d.call("index.status");
        return st && std::to_string((*st)["index_bytes"].get<int64_t>()) + "\n" == whole;
      },
      12000))
      << "dbstat over the whole file: " << whole;
}

TEST(Search, TasksMessagesAndKnowledgeAreSearchableAndFollowTheirEdits) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  Tracked t(d, dir.path());
  auto task = d.call("tasks.create", {{"title", "Refactor the zanzibar parser"}});
  ASSERT_TRUE(task) << task.status().to_string();
  ASSERT_TRUE(d.call("sessions.create", {{"id", "s1"}}));
  ASSERT_TRUE(d.call("messages.append", {{"id", "m1"},
                                         {"session_id", "s1"},
                                         {"role", "user"},
                                         {"content", "what does a quokka eat"}}));
  ASSERT_TRUE(d.call("knowledge.create", {{"id", "k1"},
                                          {"source_type", "user"},
                                          {"knowledge_type", "fact"},
                                          {"title", "Storage choice"},
                                          {"content", "WAL keeps the xylophone readers going"}}));
  auto kind_of = [&](const std::string& q) -> std::string {
    Json r = t.search(q);
    return r.empty() ? "" : r[0]["kind"].get<std::string>();
  };
  EXPECT_GE(t.wait([&] { return kind_of("zanzibar") == "task"; }, 10000), 0);
  EXPECT_GE(t.wait([&] { return kind_of("quokka") == "message"; }, 10000), 0);
  EXPECT_GE(t.wait([&] { return kind_of("xylophone") == "knowledge"; }, 10000), 0);
  EXPECT_TRUE(t.search("quokka", {{"kinds", {"task"}}}).empty());

  ASSERT_TRUE(d.call("tasks.update", {{"id", (*task)["id"]}, {"title", "Refactor the lexer"}}));
  EXPECT_GE(t.wait([&] { return !t.found("zanzibar") && t.found("lexer"); }, 10000), 0);
  ASSERT_TRUE(d.call("messages.delete", {{"id", "m1"}}));
  EXPECT_GE(t.wait([&] { return !t.found("quokka"); }, 10000), 0);
}

}  // namespace
}  // namespace cairn::testing
