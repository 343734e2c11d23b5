// Shell completion: the scripts ask `cairn __complete` for candidates, so task
// ids, list names, topics and paths come from the daemon and the command tree
// as they are when Tab is pressed; bash, zsh and fish.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

class CliCompletion : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d.start().is_ok()); }
  CommandResult cairn(std::vector<std::string> args) {
    args.insert(args.begin(), {DaemonProcess::binary("cairn"), "--socket", d.socket_path()});
    return run_command(args);
  }
  // What bash's completion offers for `line` (the last word is being typed).
  std::string bash_offers(const std::string& words, int cword) {
    std::string bin = DaemonProcess::binary("cairn");
    std::string dir = bin.substr(0, bin.rfind('/'));
    return run_command({"bash", "-c",
                        "source <(cairn completion bash); COMP_WORDS=(" + words + "); COMP_CWORD=" +
                            std::to_string(cword) + "; _cairn; printf '%s\\n' \"${COMPREPLY[@]}\""},
                       {{"PATH", dir + ":/usr/bin:/bin"}, {"CAIRN_SOCKET", d.socket_path()}})
        .output;
  }
  DaemonProcess d;
};

bool has_line(const std::string& out, const std::string& line) {
  return ("\n" + out).find("\n" + line + "\n") != std::string::npos;
}

TEST_F(CliCompletion, OffersOpenTaskIdsListNamesTopicsAndPaths) {
  ASSERT_EQ(cairn({"task", "add", "--id", "42", "Answer"}).status, 0);
  ASSERT_EQ(cairn({"list", "add", "errands"}).status, 0);
  auto ids = cairn({"__complete", "--", "task", "done"});
  EXPECT_TRUE(has_line(ids.output, "42")) << ids.output;
  auto lists = cairn({"__complete", "--", "task", "add", "-l"});
  EXPECT_TRUE(has_line(lists.output, "errands")) << lists.output;
  auto topics = cairn({"__complete", "--", "help"});
  EXPECT_TRUE(has_line(topics.output, "exit-codes")) << topics.output;
  auto path = cairn({"__complete", "--", "track"});
  EXPECT_TRUE(has_line(path.output, "__files__")) << path.output;
  auto subs = cairn({"__complete", "--", "task"});
  EXPECT_TRUE(has_line(subs.output, "done")) << subs.output;
  EXPECT_FALSE(has_line(subs.output, "__complete")) << "the helper stays hidden";
}

TEST_F(CliCompletion, BashCompletesTaskIdsAndSubcommands) {
  ASSERT_EQ(cairn({"task", "add", "--id", "42", "Answer"}).status, 0);
  EXPECT_TRUE(has_line(bash_offers("cairn task done ''", 3), "42"));
  EXPECT_TRUE(has_line(bash_offers("cairn sea", 1), "search"));
}

TEST_F(CliCompletion, FishAndZshScriptsAskCairnForCandidates) {
  auto fish = cairn({"completion", "fish"});
  ASSERT_EQ(fish.status, 0) << fish.output;
  EXPECT_NE(fish.output.find("complete -c cairn"), std::string::npos) << fish.output;
  EXPECT_NE(fish.output.find("cairn __complete"), std::string::npos) << fish.output;
  auto zsh = cairn({"completion", "zsh"});
  EXPECT_NE(zsh.output.find("bashcompinit"), std::string::npos) << zsh.output;
}

}  // namespace
}  // namespace cairn::testing
