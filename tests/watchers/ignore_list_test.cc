// IgnoreList and RootRules: gitignore semantics on paths, no daemon.
#include "watchers/ignore_list.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/daemon_process.h"
#include "watchers/root_rules.h"

namespace cairn::watchers {
namespace {

TEST(IgnoreList, APatternWithoutSlashMatchesANameAtAnyDepth) {
  auto l = IgnoreList::parse("*.log\n");
  EXPECT_EQ(l.match("a.log", false), Match::kIgnore);
  EXPECT_EQ(l.match("x/y/a.log", false), Match::kIgnore);
  EXPECT_EQ(l.match("a.txt", false), Match::kNone);
}

TEST(IgnoreList, ALeadingOrMiddleSlashAnchorsThePattern) {
  auto l = IgnoreList::parse("/build\ndoc/out\n");
  EXPECT_EQ(l.match("build", true), Match::kIgnore);
  EXPECT_EQ(l.match("src/build", true), Match::kNone);
  EXPECT_EQ(l.match("doc/out", false), Match::kIgnore);
  EXPECT_EQ(l.match("x/doc/out", false), Match::kNone);
}

TEST(IgnoreList, ATrailingSlashMatchesDirectoriesOnly) {
  auto l = IgnoreList::parse("cache/\n");
  EXPECT_EQ(l.match("cache", true), Match::kIgnore);
  EXPECT_EQ(l.match("cache", false), Match::kNone);
}

TEST(IgnoreList, TheLastMatchingPatternWinsAndNegationReincludes) {
  auto l = IgnoreList::parse("*.log\n!keep.log\n");
  EXPECT_EQ(l.match("keep.log", false), Match::kInclude);
  EXPECT_EQ(l.match("drop.log", false), Match::kIgnore);
}

TEST(IgnoreList, DoubleStarsMatchAnyNumberOfDirectories) {
  auto l = IgnoreList::parse("a/**/z\nlogs/**\n");
  EXPECT_EQ(l.match("a/z", false), Match::kIgnore);
  EXPECT_EQ(l.match("a/b/c/z", false), Match::kIgnore);
  EXPECT_EQ(l.match("logs/x/y", false), Match::kIgnore);
  EXPECT_EQ(l.match("logs", true), Match::kNone);
}

TEST(IgnoreList, CommentsBlankLinesAndEscapesAreHandled) {
  auto l = IgnoreList::parse("# comment\n\n\\#hash\ntrailing   \n");
  EXPECT_EQ(l.size(), 2u);
  EXPECT_EQ(l.match("#hash", false), Match::kIgnore);
  EXPECT_EQ(l.match("trailing", false), Match::kIgnore);
}

TEST(RootRules, ADeeperGitignoreOverridesAShallowerOneAndDotGitIsAlwaysIgnored) {
  cairn::testing::TempDir t;
  ::mkdir((t / "sub").c_str(), 0755);
  std::ofstream(t / ".gitignore") << "*.log\n";
  std::ofstream(t / "sub/.gitignore") << "!keep.log\n";
  RootRules rules(t.path(), {}, {}, true);
  EXPECT_TRUE(rules.ignored(".git", true));
  EXPECT_TRUE(rules.ignored_path("sub/.git", false));
  EXPECT_TRUE(rules.ignored("a.log", false));
  EXPECT_TRUE(rules.ignored_path("sub/other.log", false));
  EXPECT_FALSE(rules.ignored_path("sub/keep.log", false));
  RootRules plain(t.path(), {}, {}, false);
  EXPECT_FALSE(plain.ignored("a.log", false));
}

TEST(RootRules, IncludeGlobsKeepOnlyMatchingFilesButStillWalkDirectories) {
  cairn::testing::TempDir t;
  RootRules rules(t.path(), {"*.c"}, {"vendor/"}, true);
  EXPECT_FALSE(rules.ignored("src", true));
  EXPECT_FALSE(rules.ignored_path("src/a.c", false));
  EXPECT_TRUE(rules.ignored_path("src/a.h", false));
  EXPECT_TRUE(rules.ignored_path("vendor/x.c", false));
}

}  // namespace
}  // namespace cairn::watchers
