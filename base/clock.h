// Clocks and timestamps. Wall time for what is stored; monotonic time for timers,
// deadlines and durations (a clock jump must never fire or stall them).
// Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

int64_t wall_ms();        // Unix milliseconds, CLOCK_REALTIME
int64_t monotonic_ns();   // CLOCK_MONOTONIC
inline int64_t monotonic_ms() { return monotonic_ns() / 1000000; }
inline int64_t monotonic_us() { return monotonic_ns() / 1000; }

// "2026-11-23T15:04:05.123Z" (UTC, milliseconds).
std::string format_iso8601(int64_t unix_ms);
// Accepts "2026-11-23", "2026-11-23T15:04", "...:05", "...:05.123", with "Z" or
// "+01:00"/"-0500" (no zone means UTC). Returns Unix milliseconds.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace cairn
