// Time sessions and the clock (issue 20 items 6 and 23): a start in the future
// is refused, yet a session stored with one (before the rule) still stops and
// pauses; reports are bounded by their range.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

Json time_must(const Result<Json>& r) {
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

TEST(TimeBounds, AStartInTheFutureIsRefusedButAStoredOneStillStops) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t task = time_must(d.call("tasks.create", {{"title", "t"}}))["id"];
  int64_t next_year = wall_ms() + 365LL * 86400000;
  auto r = d.call("time.start", {{"task_id", task}, {"at", next_year}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("at must not be in the future"), std::string::npos)
      << r.status().to_string();
  EXPECT_TRUE(time_must(d.call("time.active"))["session"].is_null()) << "nothing was recorded";

  // A session stored with a future start, as older versions accepted it.
  ASSERT_EQ(d.terminate(), 0);
  sqlite3(d.db_path(),
          "INSERT INTO time_sessions(task_id, started_at, created_at, updated_at) "
          "VALUES(" +
              std::to_string(task) + ", " + std::to_string(next_year) + ", 0, 0);");
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok());
  time_must(again.call("time.pause"));
  time_must(again.call("time.resume"));
  Json stopped = time_must(again.call("time.stop"));
  EXPECT_FALSE(stopped["session"]["ended_at"].is_null()) << stopped.dump();
  EXPECT_TRUE(time_must(again.call("time.active"))["session"].is_null());
  // And a focus session stored the same way completes.
  ASSERT_EQ(again.terminate(), 0);
  sqlite3(again.db_path(),
          "INSERT INTO focus_sessions(task_id, planned_minutes, started_at, "
          "created_at, updated_at) VALUES(" +
              std::to_string(task) + ", 25, " + std::to_string(next_year) + ", 0, 0);");
  DaemonProcess third(again, {});
  ASSERT_TRUE(third.start().is_ok());
  Json focus = time_must(third.call("focus.active"))["focus"];
  ASSERT_TRUE(focus.is_object()) << focus.dump();
  Json done = time_must(third.call("focus.complete", {{"id", focus["id"]}}));
  EXPECT_FALSE(done.is_null());
}

TEST(TimeBounds, AReportRangeLongerThanTenYearsIsRefusedNamingTheLimit) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("time.report", {{"from", "1970-01-01"}, {"to", "2100-01-01"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("at most 3660 days"), std::string::npos)
      << r.status().to_string();
  EXPECT_TRUE(d.call("time.report", {{"from", "2020-01-01"}, {"to", "2030-01-01"}}));
}

}  // namespace
}  // namespace cairn::testing
