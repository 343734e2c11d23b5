// Time arithmetic of time sessions: pauses, midnight, clipping to a range.
#include "daemon/rpc/time_math.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace cairn::timemath {
namespace {

int64_t at(const char* iso) { return *parse_iso8601(iso); }
constexpr int64_t kMin = 60000;

TEST(TimeMath, ASessionWithoutPausesIsOneInterval) {
  Session s{at("2026-11-20T09:00Z"), at("2026-11-20T10:00Z"), std::nullopt, {}};
  EXPECT_EQ(total_ms(worked(s, 0)), 60 * kMin);
}

TEST(TimeMath, PausesAreSubtractedIncludingOneStillUnderWay) {
  Session s{at("2026-11-20T09:00Z"), std::nullopt, at("2026-11-20T09:50Z"),
            {{at("2026-11-20T09:10Z"), at("2026-11-20T09:20Z")}}};
  // Worked 09:00-09:10 and 09:20-09:50; paused since 09:50 until now.
  EXPECT_EQ(total_ms(worked(s, at("2026-11-20T11:00Z"))), 40 * kMin);
}

TEST(TimeMath, ARunningSessionCountsUntilNow) {
  Session s{at("2026-11-20T09:00Z"), std::nullopt, std::nullopt, {}};
  EXPECT_EQ(total_ms(worked(s, at("2026-11-20T09:05Z"))), 5 * kMin);
}

TEST(TimeMath, WorkAcrossMidnightIsSplitByUtcDay) {
  Session s{at("2026-11-20T23:00Z"), at("2026-11-21T01:00Z"), std::nullopt,
            {{at("2026-11-20T23:30Z"), at("2026-11-21T00:15Z")}}};
  auto days = by_utc_day(worked(s, 0), at("2026-11-01"), at("2026-12-01"));
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[at("2026-11-20")], 30 * kMin);
  EXPECT_EQ(days[at("2026-11-21")], 45 * kMin);
  EXPECT_EQ(utc_day(at("2026-11-21T00:15Z")), "2026-11-21");
}

TEST(TimeMath, ClippingToARangeKeepsOnlyTheInside) {
  Session s{at("2026-11-20T22:00Z"), at("2026-11-21T02:00Z"), std::nullopt, {}};
  EXPECT_EQ(clipped_ms(worked(s, 0), at("2026-11-21"), at("2026-11-22")), 120 * kMin);
  EXPECT_EQ(clipped_ms(worked(s, 0), at("2026-11-22"), at("2026-11-23")), 0);
}

TEST(TimeMath, OverlappingOrOutOfRangePausesNeverCountTwice) {
  Session s{at("2026-11-20T09:00Z"), at("2026-11-20T10:00Z"), std::nullopt,
            {{at("2026-11-20T08:00Z"), at("2026-11-20T09:10Z")},
             {at("2026-11-20T09:05Z"), at("2026-11-20T09:20Z")},
             {at("2026-11-20T09:50Z"), at("2026-11-20T11:00Z")}}};
  EXPECT_EQ(total_ms(worked(s, 0)), 30 * kMin);
}

TEST(TimeMath, DayStartFloorsBefore1970) {
  EXPECT_EQ(day_start(-1), -kDayMs);
  EXPECT_EQ(day_start(kDayMs + 5), kDayMs);
}

TEST(TimeMath, BreaksRoundTripThroughTheirColumnText) {
  std::vector<Interval> b{{1, 2}, {5, 9}};
  auto parsed = parse_breaks(breaks_json(b).dump());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].end, 9);
  EXPECT_FALSE(parse_breaks("[[1]]").has_value());
}

// Matrix row 43: a report's per-day split costs O(intervals + days), and gives
// what splitting each session by day gives.
TEST(TimeMath, DayBucketsMatchTheSplitOfEachSessionByDay) {
  int64_t from = at("2026-10-30T06:00:00Z"), to = at("2026-11-08T18:00:00Z");
  std::vector<std::vector<Interval>> sessions = {
      {{at("2026-10-29T23:00:00Z"), at("2026-10-30T08:00:00Z")}},
      {{at("2026-10-31T22:00:00Z"), at("2026-11-03T02:00:00Z")},
       {at("2026-11-03T05:00:00Z"), at("2026-11-03T06:00:00Z")}},
      {{at("2026-11-04T10:00:00Z"), at("2026-11-04T11:00:00Z")},
       {at("2026-11-04T12:00:00Z"), at("2026-11-09T00:00:00Z")}},
  };
  DayBuckets buckets(from, to);
  std::map<int64_t, std::pair<int64_t, int64_t>> expected;  // day -> (ms, sessions)
  for (const auto& w : sessions) {
    buckets.add_session(w);
    for (const auto& [day, ms] : by_utc_day(w, from, to)) {
      expected[day].first += ms;
      ++expected[day].second;
    }
  }
  std::map<int64_t, std::pair<int64_t, int64_t>> got;
  for (const auto& d : buckets.days()) got[d.start] = {d.ms, d.sessions};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.size(), 10u);  // October 30 and 31, November 1 to 8
}

TEST(TimeMath, ASessionOverTheWholeWindowFillsTenYearsOfDaysAtOnce) {
  int64_t from = at("2020-01-01"), to = from + kMaxReportDays * kDayMs;
  DayBuckets buckets(from, to);
  for (int i = 0; i < 1000; ++i) buckets.add_session({{0, at("2199-12-31")}});
  auto days = buckets.days();
  ASSERT_EQ(days.size(), static_cast<size_t>(kMaxReportDays));
  EXPECT_EQ(days.front().ms, 1000 * kDayMs);
  EXPECT_EQ(days.back().sessions, 1000);
}

}  // namespace
}  // namespace cairn::timemath
