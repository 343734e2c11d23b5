// Clocks and timestamps. Wall time for what is stored; monotonic time for timers,
// deadlines and durations (a clock jump must never fire or stall them).
// Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cairn {

int64_t wall_ms();        // Unix milliseconds, CLOCK_REALTIME
int64_t monotonic_ns();   // CLOCK_MONOTONIC
inline int64_t monotonic_ms() { return monotonic_ns() / 1000000; }
inline int64_t monotonic_us() { return monotonic_ns() / 1000; }

// "2026-11-23T15:04:05.123Z" (UTC, milliseconds).
std::string format_iso8601(int64_t unix_ms);
// Accepts "2026-11-23", "2026-11-23T15:04", "...:05", "...:05.123", with "Z" or
// "+01:00"/"-0500" (no zone means UTC). Returns Unix milliseconds. Refuses
// what no clock shows: a day past its month's end (2026-02-30, 2025-02-29),
// month 13, hour 24 or more, minute or second 60 or more (Unix time has no
// leap seconds: 23:59:60 is refused), an offset beyond +-14:00 or with
// minutes of 60 or more, and fractions of more than 9 digits.
std::optional<int64_t> parse_iso8601(std::string_view text);
// The same, saying what is wrong (for an INVALID_PARAMS message).
Result<int64_t> parse_iso8601_checked(std::string_view text);

}  // namespace cairn
