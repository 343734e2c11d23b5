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
// "2026-11-23" for the UTC day holding `ms`.
std::string utc_day(int64_t ms);
// First ms of the UTC day holding `ms` (floor, also before 1970).
int64_t day_start(int64_t ms);

// breaks column <-> intervals: [[start, end], ...].
Result<std::vector<Interval>> parse_breaks(const std::string& text);
Json breaks_json(const std::vector<Interval>& breaks);

}  // namespace cairn::timemath
