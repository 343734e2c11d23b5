// changes.since against retention (issue 20 item 21): a cursor that retention
// trimmed past, or a client that synced while the log was empty, must hear
// fresh_instance, never a delta with a hole; a topic filter names real topics.
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

Json feed_must(const Result<Json>& r) {
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

// Runs the retention pass and waits until daemon.status shows it ran.
void run_retention_now(DaemonProcess& d) {
  feed_must(d.call("debug.run_retention"));
  int64_t deadline = monotonic_ms() + 10000;
  while (monotonic_ms() < deadline) {
    Json st = feed_must(d.call("daemon.status"));
    if (st.contains("retention") && st["retention"].is_object()) return;
    ::usleep(20000);
  }
  FAIL() << "retention never reported";
}

TEST(ChangeFeed, ACursorRetentionTrimmedPastIsAFreshInstanceEvenCursorZero) {
  TempDir conf;
  write_file(conf / "cairnd.toml", "changelog_retention_days = 1\n");
  DaemonOptions options{.args = {"--config", conf / "cairnd.toml"}};
  int64_t synced_at = 0, old_cursor = 0;
  {
    DaemonProcess d(options);
    ASSERT_TRUE(d.start().is_ok());
    // A client that synced first: its cursor is the latest (0 on an empty log).
    synced_at = feed_must(d.call("changes.since", {{"cursor", 0}}))["cursor"];
    for (int i = 0; i < 3; ++i) {
      feed_must(d.call("prefs.set", {{"category", "c"}, {"key", std::to_string(i)}, {"value", i}}));
    }
    old_cursor =
        feed_must(d.call("changes.since", {{"cursor", synced_at}, {"limit", 1}}))["cursor"];
    ASSERT_GT(old_cursor, synced_at);
    ASSERT_EQ(d.terminate(), 0);
    // Those changes are now two days old.
    sqlite3(d.db_path(), "UPDATE changelog SET at = at - 2 * 86400000;");
    DaemonProcess again(d, options);
    ASSERT_TRUE(again.start().is_ok());
    feed_must(again.call("prefs.set", {{"category", "c"}, {"key", "new"}, {"value", 1}}));
    run_retention_now(again);
    ASSERT_EQ(sqlite3(again.db_path(), "SELECT count(*) FROM changelog;"), "1\n");
    for (int64_t cursor : {synced_at, old_cursor}) {
      Json r = feed_must(again.call("changes.since", {{"cursor", cursor}}));
      EXPECT_EQ(r["fresh_instance"], true) << "cursor " << cursor << ": " << r.dump();
      EXPECT_TRUE(r["changes"].empty()) << r.dump();
      // From the cursor it gets, the feed goes on as a delta.
      feed_must(again.call("prefs.set", {{"category", "c"}, {"key", "after"}, {"value", cursor}}));
      Json next = feed_must(again.call("changes.since", {{"cursor", r["cursor"]}}));
      EXPECT_EQ(next["fresh_instance"], false) << next.dump();
      EXPECT_EQ(next["changes"].size(), 1u) << next.dump();
    }
  }
}

TEST(ChangeFeed, AnUnknownTopicIsRefusedAndStarMeansEveryTopic) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  feed_must(d.call("prefs.set", {{"category", "c"}, {"key", "k"}, {"value", 1}}));
  auto r = d.call("changes.since", {{"cursor", 0}, {"topics", {"prefs", "taks"}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("unknown topic taks"), std::string::npos)
      << r.status().to_string();
  auto sub = d.client();
  auto s = sub.call("events.subscribe", {{"topics", {"nope"}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kInvalidParams);
  Json all = feed_must(d.call("changes.since", {{"cursor", 0}, {"topics", {"*"}}}));
  EXPECT_FALSE(all["changes"].empty());
}

}  // namespace
}  // namespace cairn::testing
