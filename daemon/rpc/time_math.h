// Time arithmetic for time sessions: a session is [started, ended) minus its
// pauses; reports clip those worked intervals to a range and split them by UTC
// day. Pure functions, any thread; unit-tested in tests/daemon/time_math_test.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace cairn::timemath {

struct Interval {
  int64_t start = 0;
  int64_t end = 0;  // exclusive; end >= start
};

struct Session {
  int64_t started = 0;
  std::optional<int64_t> ended;      // nullopt while running
  std::optional<int64_t> paused_at;  // set while paused
  std::vector<Interval> breaks;      // finished pauses
};

inline constexpr int64_t kDayMs = 86400000;

// The stretches worked: [started, ended or now) minus finished pauses and the
// pause under way (which runs until now).
std::vector<Interval> worked(const Session& s, int64_t now);
int64_t total_ms(const std::vector<Interval>& intervals);
// Milliseconds of `intervals` inside [from, to).
int64_t clipped_ms(const std::vector<Interval>& intervals, int64_t from, int64_t to);
// Milliseconds inside [from, to) per UTC day, keyed by the day's first ms.
std::map<int64_t, int64_t> by_utc_day(const std::vector<Interval>& intervals, int64_t from,
                                      int64_t to);
// A report's per-day totals over [from, to): each session's worked intervals
// are added once, and the cost is O(intervals) per session plus O(days) at the
// end, never sessions x days (a session spanning years would otherwise split
// into one map entry per day, for every report). `to - from` must be at most
// kMaxReportDays days (time.report checks it first).
class DayBuckets {
 public:
  struct Day {
    int64_t start = 0;  // first ms of the UTC day
    int64_t ms = 0;
    int64_t sessions = 0;
  };
  DayBuckets(int64_t from, int64_t to);
  void add_session(const std::vector<Interval>& worked);
  // The days with work, in order.
  std::vector<Day> days() const;

 private:
  int64_t from_, to_, first_day_;
  std::vector<int64_t> partial_ms_;     // ms on days a piece only partly covers
  std::vector<int64_t> full_diff_;      // +1 / -1 where runs of whole days begin / end
  std::vector<int64_t> sessions_diff_;  // the same for the sessions touching each day
};

inline constexpr int64_t kMaxReportDays = 3660;  // ten years of days

// "2026-11-23" for the UTC day holding `ms`.
std::string utc_day(int64_t ms);
// First ms of the UTC day holding `ms` (floor, also before 1970).
int64_t day_start(int64_t ms);

// breaks column <-> intervals: [[start, end], ...].
Result<std::vector<Interval>> parse_breaks(const std::string& text);
Json breaks_json(const std::vector<Interval>& breaks);

}  // namespace cairn::timemath
