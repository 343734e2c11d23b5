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

}  // namespace
}  // namespace cairn::timemath
