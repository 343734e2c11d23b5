// The cairn CLI as a user types it, against a real daemon: --version, "did you
// mean", global flags after the subcommand, one value per -t, several ids,
// kb edit/rm, reviews, status, stop, export and backup folders.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/json.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliCommands : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d.start().is_ok()); }
  CommandResult cairn(std::vector<std::string> args) {
    args.insert(args.begin(), {DaemonProcess::binary("cairn"), "--socket", d.socket_path()});
    return run_command(args);
  }
  // stdout only: stderr goes to `err` when given, else is dropped.
  CommandResult cairn_out(const std::string& args, std::string* err = nullptr) {
    std::string err_file = d.home() + "/stderr.txt";
    auto r = run_command({"sh", "-c",
                          DaemonProcess::binary("cairn") + " --socket " + d.socket_path() + " " +
                              args + " 2>" + err_file});
    if (err) *err = run_command({"cat", err_file}).output;
    return r;
  }
  DaemonProcess d;
};

TEST(CliVersion, CairnAndCairndPrintTheirVersionAndExitZero) {
  auto c = run_command({DaemonProcess::binary("cairn"), "--version"});
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_TRUE(has(c.output, std::string("cairn ") + CAIRN_VERSION)) << c.output;
  auto d = run_command({DaemonProcess::binary("cairnd"), "--version"});
  EXPECT_EQ(d.status, 0) << d.output;
  EXPECT_TRUE(has(d.output, std::string("cairnd ") + CAIRN_VERSION)) << d.output;
}

TEST(CliVersion, AMistypedCommandSuggestsTheNearestOneAndExitsTwo) {
  auto r = run_command({DaemonProcess::binary("cairn"), "--no-spawn", "serch", "parser"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "Did you mean `search`?")) << r.output;
  auto sub = run_command({DaemonProcess::binary("cairn"), "--no-spawn", "task", "dnoe", "3"});
  EXPECT_EQ(sub.status, 2) << sub.output;
  EXPECT_TRUE(has(sub.output, "Did you mean `task done`?")) << sub.output;
  auto far = run_command({DaemonProcess::binary("cairn"), "--no-spawn", "zzzzzzzz"});
  EXPECT_EQ(far.status, 2) << far.output;
  EXPECT_TRUE(has(far.output, "unknown command `zzzzzzzz`")) << far.output;
  EXPECT_FALSE(has(far.output, "Did you mean")) << far.output;
}

TEST_F(CliCommands, GlobalFlagsAreAcceptedAfterTheSubcommand) {
  auto st = run_command({DaemonProcess::binary("cairn"), "status", "--json", "--socket",
                         d.socket_path(), "--no-spawn"});
  ASSERT_EQ(st.status, 0) << st.output;
  EXPECT_EQ(Json::parse(st.output)["database"]["path"], d.db_path());
  ASSERT_EQ(cairn({"task", "add", "Write parser"}).status, 0);
  auto ls = cairn({"task", "ls", "--json"});
  ASSERT_EQ(ls.status, 0) << ls.output;
  EXPECT_EQ(Json::parse(ls.output)["tasks"][0]["title"], "Write parser");
}

TEST_F(CliCommands, TagOptionTakesOneValuePerUse) {
  auto r = cairn({"--json", "task", "add", "-t", "api", "Write", "the", "tests"});
  ASSERT_EQ(r.status, 0) << r.output;
  Json t = Json::parse(r.output);
  EXPECT_EQ(t["title"], "Write the tests");
  EXPECT_EQ(t["tags"], Json::array({"api"}));
  auto two = cairn({"--json", "task", "add", "-t", "api", "-t", "docs", "Docs", "--depends-on",
                    std::to_string(t["id"].get<int64_t>()), "pages"});
  ASSERT_EQ(two.status, 0) << two.output;
  EXPECT_EQ(Json::parse(two.output)["title"], "Docs pages");
  EXPECT_EQ(Json::parse(two.output)["tags"], Json::array({"api", "docs"}));
}

TEST_F(CliCommands, EditTakesDependsOnAsAddDoesAndStillTheOldDepend) {
  ASSERT_EQ(cairn({"task", "add", "--id", "1", "One"}).status, 0);
  ASSERT_EQ(cairn({"task", "add", "--id", "2", "Two"}).status, 0);
  ASSERT_EQ(cairn({"task", "add", "--id", "3", "Three"}).status, 0);
  auto e = cairn({"task", "edit", "3", "--depends-on", "1"});
  ASSERT_EQ(e.status, 0) << e.output;
  auto old = cairn({"task", "edit", "3", "--depend", "2"});
  ASSERT_EQ(old.status, 0) << old.output;
  auto show = cairn({"--json", "task", "show", "3"});
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_EQ(Json::parse(show.output)["depends_on"].size(), 2u) << show.output;
  auto help = cairn({"task", "edit", "--help"});
  EXPECT_TRUE(has(help.output, "--depends-on")) << help.output;
  EXPECT_FALSE(has(help.output, "--depend ")) << help.output;
}

TEST_F(CliCommands, ListRmNamesTheMoveToFlag) {
  ASSERT_EQ(cairn({"list", "add", "work"}).status, 0);
  ASSERT_EQ(cairn({"task", "add", "-l", "work", "Job"}).status, 0);
  auto r = cairn({"list", "rm", "work"});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r.output, "--move-to")) << r.output;
  EXPECT_FALSE(has(r.output, "move_to")) << r.output;
}

TEST_F(CliCommands, SeveralIdsAreEachReportedAndOneFailureExitsOne) {
  ASSERT_EQ(cairn({"task", "add", "--id", "3", "Three"}).status, 0);
  ASSERT_EQ(cairn({"task", "add", "--id", "4", "Four"}).status, 0);
  auto done = cairn({"task", "done", "3", "4"});
  ASSERT_EQ(done.status, 0) << done.output;
  EXPECT_TRUE(has(done.output, "done #3 Three")) << done.output;
  EXPECT_TRUE(has(done.output, "done #4 Four")) << done.output;
  auto rm = cairn({"task", "rm", "3", "99", "4"});
  EXPECT_EQ(rm.status, 1) << rm.output;
  EXPECT_TRUE(has(rm.output, "deleted #3")) << rm.output;
  EXPECT_TRUE(has(rm.output, "NOT_FOUND")) << rm.output;
  EXPECT_TRUE(has(rm.output, "deleted #4")) << rm.output;
}

TEST_F(CliCommands, FocusAloneShowsWhatRunsAsTimerDoes) {
  ASSERT_EQ(cairn({"task", "add", "--id", "7", "Deep work"}).status, 0);
  ASSERT_EQ(cairn({"focus", "start", "7"}).status, 0);
  auto f = cairn({"focus"});
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_TRUE(has(f.output, "focus: #7 Deep work")) << f.output;
}

TEST_F(CliCommands, KbEditChangesAnItemAndRmDeletesSeveral) {
  ASSERT_EQ(cairn({"kb", "add", "Old title", "--id", "k1", "--tag", "a", "--tag", "b"}).status, 0);
  ASSERT_EQ(cairn({"kb", "add", "Other", "--id", "k2"}).status, 0);
  auto ls = cairn({"kb", "ls"});
  EXPECT_TRUE(has(ls.output, "a,b")) << "tags print as tasks print them: " << ls.output;
  auto e = cairn({"kb", "edit", "k1", "--title", "New title", "-c", "body"});
  ASSERT_EQ(e.status, 0) << e.output;
  auto show = cairn({"--json", "kb", "show", "k1"});
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_EQ(Json::parse(show.output)["title"], "New title");
  EXPECT_EQ(Json::parse(show.output)["content"], "body");
  auto rm = cairn({"kb", "rm", "k1", "k2"});
  ASSERT_EQ(rm.status, 0) << rm.output;
  EXPECT_TRUE(has(rm.output, "deleted k1")) << rm.output;
  EXPECT_TRUE(has(rm.output, "deleted k2")) << rm.output;
  EXPECT_EQ(cairn({"kb", "show", "k1"}).status, 1);
}

TEST_F(CliCommands, ReviewsListShowAndFeedbackForAFile) {
  auto made = cairn({"call", "reviews.create",
                     R"({"id":"r1","task_id":"5","summary":"looks fine","score":80,)"
                     R"("feedback":[{"file":"src/a.cc","line_start":3,"severity":"warning",)"
                     R"("title":"unchecked result"}]})"});
  ASSERT_EQ(made.status, 0) << made.output;
  auto ls = cairn({"reviews"});
  ASSERT_EQ(ls.status, 0) << ls.output;
  EXPECT_TRUE(has(ls.output, "r1")) << ls.output;
  EXPECT_TRUE(has(ls.output, "looks fine")) << ls.output;
  auto show = cairn({"reviews", "show", "r1"});
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_TRUE(has(show.output, "src/a.cc:3: warning: unchecked result")) << show.output;
  auto file = cairn({"reviews", "file", "src/a.cc"});
  ASSERT_EQ(file.status, 0) << file.output;
  EXPECT_TRUE(has(file.output, "unchecked result")) << file.output;
}

TEST_F(CliCommands, TaskShowListsItsSessionsRunsAndReviews) {
  ASSERT_EQ(cairn({"task", "add", "--id", "5", "Parser"}).status, 0);
  ASSERT_EQ(cairn({"timer", "start", "5"}).status, 0);
  ASSERT_EQ(cairn({"timer", "stop", "--note", "lexer done"}).status, 0);
  ASSERT_EQ(
      cairn({"call", "runs.create", R"({"id":"run-9","task_id":"5","instruction":"write it"})"})
          .status,
      0);
  ASSERT_EQ(cairn({"call", "reviews.create",
                   R"({"id":"rev-9","task_id":"5","summary":"solid","score":90,"feedback":[]})"})
                .status,
            0);
  auto show = cairn({"task", "show", "5"});
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_TRUE(has(show.output, "lexer done")) << show.output;
  EXPECT_TRUE(has(show.output, "run-9")) << show.output;
  EXPECT_TRUE(has(show.output, "rev-9")) << show.output;
  auto js = cairn({"--json", "task", "show", "5"});
  Json t = Json::parse(js.output);
  EXPECT_EQ(t["runs"][0]["id"], "run-9");
  EXPECT_EQ(t["reviews"][0]["id"], "rev-9");
  EXPECT_EQ(t["sessions"].size(), 1u);
}

TEST_F(CliCommands, StatusShowsRetention) {
  auto r = cairn({"status"});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "retention")) << r.output;
}

TEST_F(CliCommands, ExportKeepsStderrQuietUnlessVerbose) {
  std::string err;
  auto quiet = cairn_out("export", &err);
  ASSERT_EQ(quiet.status, 0) << err;
  EXPECT_FALSE(Json::parse(quiet.output, nullptr, false).is_discarded());
  EXPECT_EQ(err, "");
}

TEST_F(CliCommands, BackupWithKeepWritesIntoAPrivateFolderItCreates) {
  std::string dir = d.home() + "/backups/daily";
  auto r = cairn({"--json", "backup", "--keep", "2", dir});
  ASSERT_EQ(r.status, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode)) << "PATH is a folder with --keep";
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(cairn({"backup", "--keep", "2", dir}).status, 0);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files += e.path().extension() == ".db";  // each has a checksum sidecar too
  }
  EXPECT_EQ(files, 2u) << "--keep 2 keeps two";
  EXPECT_EQ(Json::parse(r.output)["path"].get<std::string>().rfind(dir + "/", 0), 0u);
}

TEST(CliStop, WithNothingRunningSaysSoAndExitsZero) {
  TempDir dir;
  auto r = run_command({DaemonProcess::binary("cairn"), "--socket", dir / "none.sock", "stop"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "not running")) << r.output;
}

}  // namespace
}  // namespace cairn::testing
