// Dates as people type them on every date flag, read in the local zone (TZ),
// and `cairn report` splitting days at local midnight.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/json.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

class CliDates : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d.start().is_ok()); }
  CommandResult cairn(std::vector<std::string> args, const std::string& tz) {
    args.insert(args.begin(), {DaemonProcess::binary("cairn"), "--socket", d.socket_path()});
    return run_command(args, {{"TZ", tz}});
  }
  // The due time `text` gives a new task, as the daemon stored it (UTC).
  std::string due(const std::string& text, const std::string& tz) {
    auto r = cairn({"--json", "task", "add", "Something", "--due", text}, tz);
    EXPECT_EQ(r.status, 0) << text << ": " << r.output;
    Json j = Json::parse(r.output, nullptr, false);
    return j.is_object() && j["due"].is_string() ? j["due"].get<std::string>() : "";
  }
  DaemonProcess d;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST_F(CliDates, WordsAndClockTimesAreReadInTheLocalZone) {
  // Tokyo is UTC+9 all year: local 17:00 is 08:00 UTC, local midnight 15:00 UTC.
  EXPECT_TRUE(ends_with(due("today 17:00", "Asia/Tokyo"), "T08:00:00.000Z"));
  EXPECT_TRUE(ends_with(due("tomorrow", "Asia/Tokyo"), "T15:00:00.000Z"));
  EXPECT_TRUE(ends_with(due("eod", "Asia/Tokyo"), "T14:59:59.000Z"));
  EXPECT_TRUE(ends_with(due("eow", "Asia/Tokyo"), "T14:59:59.000Z"));
  EXPECT_TRUE(ends_with(due("2026-12-01 9am", "Asia/Tokyo"), "2026-12-01T00:00:00.000Z"));
  EXPECT_EQ(due("2026-12-01", "Asia/Tokyo"), "2026-11-30T15:00:00.000Z");
  EXPECT_EQ(due("2026-12-01T17:00Z", "Asia/Tokyo"), "2026-12-01T17:00:00.000Z");
  std::string friday = due("friday", "Asia/Tokyo");
  ASSERT_TRUE(ends_with(friday, "T15:00:00.000Z")) << friday;
  int64_t ahead = *parse_iso8601(friday) - wall_ms();
  EXPECT_GT(ahead, 0);
  EXPECT_LE(ahead, 7 * 86400000LL);
}

TEST_F(CliDates, RelativeOffsetsCountFromNow) {
  int64_t before = wall_ms();
  auto in3 = parse_iso8601(due("+3d", "UTC"));
  ASSERT_TRUE(in3.has_value());
  EXPECT_NEAR(static_cast<double>(*in3 - before), 3 * 86400000.0, 60000.0);
  auto in2h = parse_iso8601(due("+2h", "UTC"));
  ASSERT_TRUE(in2h.has_value());
  EXPECT_NEAR(static_cast<double>(*in2h - before), 2 * 3600000.0, 60000.0);
}

TEST_F(CliDates, AnUnreadableDateIsRefusedByName) {
  auto r = cairn({"task", "add", "Something", "--due", "someday"}, "UTC");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read `someday` as a date"), std::string::npos) << r.output;
  auto listed = cairn({"--json", "task", "ls"}, "UTC");
  EXPECT_EQ(Json::parse(listed.output)["tasks"].size(), 0u) << "nothing was added";
}

TEST_F(CliDates, ReportSplitsDaysAtLocalMidnight) {
  ASSERT_EQ(cairn({"task", "add", "--id", "1", "Late"}, "UTC").status, 0);
  // 23:30 to 00:30 in Tokyo: half an hour on each local day (all on one UTC day).
  ASSERT_EQ(cairn({"timer", "start", "1", "--at", "2026-11-02T23:30"}, "Asia/Tokyo").status, 0);
  ASSERT_EQ(cairn({"timer", "stop", "--at", "2026-11-03T00:30"}, "Asia/Tokyo").status, 0);
  auto r = cairn({"--json", "report", "--from", "2026-11-01", "--to", "2026-11-05"}, "Asia/Tokyo");
  ASSERT_EQ(r.status, 0) << r.output;
  Json rows = Json::parse(r.output)["rows"];
  ASSERT_EQ(rows.size(), 2u) << r.output;
  EXPECT_EQ(rows[0]["key"], "2026-11-02");
  EXPECT_EQ(rows[0]["minutes"], 30);
  EXPECT_EQ(rows[1]["key"], "2026-11-03");
  EXPECT_EQ(rows[1]["minutes"], 30);
}

}  // namespace
}  // namespace cairn::testing
