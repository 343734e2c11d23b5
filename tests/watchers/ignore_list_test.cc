// IgnoreList and RootRules: gitignore semantics on paths, no daemon.
#include "watchers/ignore_list.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
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

// Row 35: matching must be bounded by pattern x path, whatever the pattern.
// The recursive "**" search and fnmatch(3)'s "*" backtracking were exponential
// in the number of stars: these took longer than any test runs.
TEST(IgnoreList, ManyDoubleStarsOverADeepChainMatchInMilliseconds) {
  auto l = IgnoreList::parse("**/a/**/a/**/a/**/a/**/a/**/a/**/b\n");
  std::string chain;
  for (int i = 0; i < 60; ++i) chain += "a/";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(l.match(chain + "c", false), Match::kNone);
  EXPECT_EQ(l.match(chain + "b", false), Match::kIgnore);
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "a/";
  EXPECT_EQ(l.match(deep + "c", false), Match::kNone);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_LT(ms, 1000);
}

TEST(IgnoreList, ManyStarsInOneSegmentMatchInMilliseconds) {
  std::string pat;
  for (int i = 0; i < 30; ++i) pat += "*a";
  pat += "*b";
  std::string name(250, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob_segment_matches(pat, name));
  EXPECT_TRUE(glob_segment_matches(pat, name + "b"));
  auto l = IgnoreList::from_patterns({"/" + pat});
  EXPECT_EQ(l.match(name, false), Match::kNone);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_LT(ms, 1000);
}

TEST(IgnoreList, SegmentGlobsFollowFnmatchSyntax) {
  EXPECT_TRUE(glob_segment_matches("*.log", "a.log"));
  EXPECT_TRUE(glob_segment_matches("*.log", ".log"));
  EXPECT_FALSE(glob_segment_matches("*.log", "a.logx"));
  EXPECT_TRUE(glob_segment_matches("a?c", "abc"));
  EXPECT_FALSE(glob_segment_matches("a?c", "ac"));
  EXPECT_TRUE(glob_segment_matches("[a-c]x", "bx"));
  EXPECT_FALSE(glob_segment_matches("[a-c]x", "dx"));
  EXPECT_TRUE(glob_segment_matches("[!a-c]x", "dx"));
  EXPECT_FALSE(glob_segment_matches("[^a-c]x", "ax"));
  EXPECT_TRUE(glob_segment_matches("[]]", "]"));
  EXPECT_TRUE(glob_segment_matches("[[:digit:]]*", "7up"));
  EXPECT_FALSE(glob_segment_matches("[[:digit:]]*", "up"));
  EXPECT_TRUE(glob_segment_matches("\\*x", "*x"));
  EXPECT_FALSE(glob_segment_matches("\\*x", "ax"));
  EXPECT_TRUE(glob_segment_matches("[ab", "[ab"));  // no "]": plain characters
  EXPECT_TRUE(glob_segment_matches("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(glob_segment_matches("*a*b*c", "xxaxxcxxb"));
}

TEST(IgnoreList, DoubleStarsMatchZeroOrMoreDirectoriesAndATrailingOneOnlyWhatIsInside) {
  auto l = IgnoreList::parse("a/**/b\nout/**\n");
  EXPECT_EQ(l.match("a/b", false), Match::kIgnore);
  EXPECT_EQ(l.match("a/x/y/b", false), Match::kIgnore);
  EXPECT_EQ(l.match("x/a/b", false), Match::kNone);
  EXPECT_EQ(l.match("out", true), Match::kNone);
  EXPECT_EQ(l.match("out/x", false), Match::kIgnore);
  EXPECT_EQ(l.match("out/x/y", false), Match::kIgnore);
  auto any = IgnoreList::parse("**/build/*.o\n");
  EXPECT_EQ(any.match("build/a.o", false), Match::kIgnore);
  EXPECT_EQ(any.match("x/y/build/a.o", false), Match::kIgnore);
  EXPECT_EQ(any.match("x/build/y/a.o", false), Match::kNone);
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
