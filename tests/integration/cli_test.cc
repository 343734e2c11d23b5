// The cairn CLI against a real daemon: auto-spawn, --no-spawn, the scripting
// escape hatch, prefs, and exit codes a script can trust.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/json.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

// A private environment: the spawned daemon's data, state and runtime dirs
// live in a temp dir, never in the user's home.
struct CliHome {
  TempDir dir;
  std::map<std::string, std::string> env() const {
    return {{"XDG_DATA_HOME", dir / "data"},
            {"XDG_STATE_HOME", dir / "state"},
            {"XDG_CONFIG_HOME", dir / "config"},
            {"XDG_RUNTIME_DIR", dir / "run"}};
  }
  std::string socket() const { return dir / "run/cairn/cairnd.sock"; }
  CommandResult cairn(std::vector<std::string> args) const {
    args.insert(args.begin(), DaemonProcess::binary("cairn"));
    return run_command(args, env(), 20000);
  }
  ~CliHome() { cairn({"stop"}); }
};

TEST(Cli, NoSpawnWithoutADaemonExitsThreeAndSaysSo) {
  CliHome h;
  ::mkdir((h.dir / "run").c_str(), 0700);
  auto r = h.cairn({"--no-spawn", "ping"});
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("no daemon"), std::string::npos) << r.output;
}

TEST(Cli, StartsTheDaemonWhenNoneRunsAndTalksToIt) {
  CliHome h;
  ::mkdir((h.dir / "run").c_str(), 0700);
  auto ping = h.cairn({"ping"});
  ASSERT_EQ(ping.status, 0) << ping.output;
  EXPECT_NE(ping.output.find("pong"), std::string::npos) << ping.output;
  struct stat st {};
  ASSERT_EQ(::stat(h.socket().c_str(), &st), 0) << "the daemon uses the default socket";
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto status = h.cairn({"--json", "status"});
  ASSERT_EQ(status.status, 0) << status.output;
  Json js = Json::parse(status.output);
  EXPECT_EQ(js["database"]["path"], h.dir / "data/cairn/cairn.db");

  auto stop = h.cairn({"stop"});
  EXPECT_EQ(stop.status, 0) << stop.output;
  auto after = h.cairn({"--no-spawn", "ping"});
  EXPECT_EQ(after.status, 3) << after.output;
}

TEST(Cli, CallSendsAnyRequestAndPrintsJson) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto bin = DaemonProcess::binary("cairn");
  auto set = run_command({bin, "--socket", d.socket_path(), "call", "prefs.set",
                          R"({"category":"ui","key":"theme","value":{"name":"dark"}})"});
  ASSERT_EQ(set.status, 0) << set.output;
  auto get = run_command({bin, "--socket", d.socket_path(), "call", "prefs.get",
                          R"({"category":"ui","key":"theme"})"});
  ASSERT_EQ(get.status, 0) << get.output;
  EXPECT_EQ(Json::parse(get.output)["value"]["name"], "dark");

  auto missing = run_command({bin, "--socket", d.socket_path(), "call", "prefs.get",
                              R"({"category":"ui","key":"nope"})"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("NOT_FOUND"), std::string::npos) << missing.output;

  auto bad_json = run_command({bin, "--socket", d.socket_path(), "call", "prefs.get", "{oops"});
  EXPECT_EQ(bad_json.status, 2) << bad_json.output;
}

TEST(Cli, PrefsCommandsRoundTripValues) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto bin = DaemonProcess::binary("cairn");
  auto cairn = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {bin, "--socket", d.socket_path()});
    return run_command(args);
  };
  ASSERT_EQ(cairn({"prefs", "set", "ui", "theme", "\"dark\""}).status, 0);
  ASSERT_EQ(cairn({"prefs", "set", "editor", "tabs", "4"}).status, 0);
  auto get = cairn({"prefs", "get", "ui", "theme"});
  ASSERT_EQ(get.status, 0) << get.output;
  EXPECT_NE(get.output.find("dark"), std::string::npos) << get.output;
  auto list = cairn({"prefs", "list"});
  ASSERT_EQ(list.status, 0);
  EXPECT_NE(list.output.find("tabs"), std::string::npos) << list.output;
  ASSERT_EQ(cairn({"prefs", "rm", "ui", "theme"}).status, 0);
  EXPECT_EQ(cairn({"prefs", "get", "ui", "theme"}).status, 1);
}

TEST(Cli, HelpExplainsEveryCommand) {
  auto r = run_command({DaemonProcess::binary("cairn"), "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* word : {"status", "ping", "stop", "call", "prefs", "--socket", "--json",
                           "--no-spawn"}) {
    EXPECT_NE(r.output.find(word), std::string::npos) << word << " missing from:\n" << r.output;
  }
  auto usage = run_command({DaemonProcess::binary("cairn"), "no-such-command"});
  EXPECT_EQ(usage.status, 2) << usage.output;
}

TEST(Cli, HelpTopicsAndCommandHelpAnswerWithoutADaemon) {
  auto bin = DaemonProcess::binary("cairn");
  auto codes = run_command({bin, "--no-spawn", "help", "exit-codes"});
  EXPECT_EQ(codes.status, 0) << codes.output;
  EXPECT_NE(codes.output.find("no daemon is running"), std::string::npos) << codes.output;
  auto sub = run_command({bin, "--no-spawn", "help", "prefs", "set"});
  EXPECT_EQ(sub.status, 0) << sub.output;
  EXPECT_NE(sub.output.find("category"), std::string::npos) << sub.output;
  auto unknown = run_command({bin, "--no-spawn", "help", "no-such-topic"});
  EXPECT_EQ(unknown.status, 2) << unknown.output;
}

TEST(Cli, BashCompletionCompletesCommandsAndOptions) {
  auto bin = DaemonProcess::binary("cairn");
  auto complete = [&](const std::string& words, int cword) {
    // The script asks `cairn` on the PATH for candidates.
    return run_command({"bash", "-c", "eval \"$(" + bin + " completion bash)\"; COMP_WORDS=(" +
                                          words + "); COMP_CWORD=" + std::to_string(cword) +
                                          "; _cairn; echo \"${COMPREPLY[*]}\""},
                       {{"PATH", bin.substr(0, bin.rfind('/')) + ":/usr/bin:/bin"}})
        .output;
  };
  EXPECT_EQ(complete("cairn prefs s", 2), "set\n");
  EXPECT_EQ(complete("cairn --json prefs r", 3), "rm\n");
  EXPECT_NE(complete("cairn --no", 1).find("--no-spawn"), std::string::npos);
  auto zsh = run_command({bin, "completion", "zsh"});
  EXPECT_EQ(zsh.status, 0);
  EXPECT_NE(zsh.output.find("bashcompinit"), std::string::npos);
}

}  // namespace
}  // namespace cairn::testing
