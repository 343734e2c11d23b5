// Row 42 of tests/reliability/README.md: settings that cannot work. Each one,
// from the config file or a flag, makes cairnd refuse to start at once (exit
// 2) with a message that names the setting; none starts a daemon that hangs
// every read, refuses every client or puts its database at /cairn.db.
#include <fstream>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

struct BadSetting {
  std::string toml;               // config file text
  std::vector<std::string> args;  // extra flags
  std::string named;              // what the message must name
};

TEST(Row42, SettingsThatCannotWorkAreRefusedAtStartNamingTheSetting) {
  std::vector<BadSetting> cases = {
      {"reader_threads = 0\n", {}, "reader_threads"},
      {"", {"--readers", "0"}, "reader_threads"},
      {"max_clients = 0\n", {}, "max_clients"},
      {"", {"--max-clients", "0"}, "max_clients"},
      {"data_dir = \"\"\n", {}, "data_dir"},
      {"data_dir = \"relative/dir\"\n", {}, "data_dir"},
      {"", {"--data-dir", "relative/dir"}, "data_dir"},
      {"state_dir = \"\"\n", {}, "state_dir"},
      {"backup_dir = \"backups\"\n", {}, "backup_dir"},
      {"read_deadline_ms = 5\n", {}, "read_deadline_ms"},
      {"write_deadline_ms = 0\n", {}, "write_deadline_ms"},
      {"slow_request_ms = 0\n", {}, "slow_request_ms"},
      {"retention_interval_s = 0\n", {}, "retention_interval_s"},
      {"index_interval_s = 0\n", {}, "index_interval_s"},
      {"backup_keep = 0\n", {}, "backup_keep"},
      {"restore_keep = 0\n", {}, "restore_keep"},
      {"approval_expiry_interval_ms = 1\n", {}, "approval_expiry_interval_ms"},
      {"hash_threads = 1000\n", {}, "hash_threads"},
      {"text_cap_bytes = 0\n", {}, "text_cap_bytes"},
      {"changelog_retention_days = 1000000\n", {}, "changelog_retention_days"},
      {"watch_settle_ms = 1000000\n", {}, "watch_settle_ms"},
  };
  for (const BadSetting& c : cases) {
    TempDir home;
    std::string config = home / "cairnd.toml";
    std::ofstream(config) << c.toml;
    std::vector<std::string> argv = {DaemonProcess::binary("cairnd"), "--config", config,
                                     "--socket", home / "cairnd.sock"};
    // A flag beats the file: the path flags are given only where the case
    // does not set that path itself.
    if (c.toml.find("state_dir") == std::string::npos) {
      argv.push_back("--state-dir");
      argv.push_back(home / "state");
    }
    bool sets_data_dir = c.toml.find("data_dir") != std::string::npos;
    for (const auto& a : c.args) sets_data_dir |= a == "--data-dir";
    if (!sets_data_dir) {
      argv.push_back("--data-dir");
      argv.push_back(home / "data");
    }
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    int64_t t0 = monotonic_ms();
    CommandResult r = run_command(argv, {{"HOME", home.path()}}, 5000);
    int64_t took = monotonic_ms() - t0;
    std::string what = c.toml.empty() ? c.args.front() + " " + c.args.back() : c.toml;
    EXPECT_EQ(r.status, 2) << what << " -> " << r.output;
    EXPECT_NE(r.output.find(c.named), std::string::npos) << what << " -> " << r.output;
    EXPECT_LT(took, 2000) << what;
    // Nothing was made at the root of the filesystem.
    EXPECT_NE(::access("/cairn.db", F_OK), 0) << what;
  }
}

TEST(Row42, SaneSettingsAtTheEdgesOfTheirRangesStart) {
  DaemonOptions o;
  o.args = {"--readers", "1", "--max-clients", "1"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  EXPECT_TRUE(d.call("daemon.ping"));
}

}  // namespace
}  // namespace cairn::testing
