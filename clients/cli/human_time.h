// Dates as people type them, for every date flag of the CLI: "tomorrow",
// "friday", "+3d", "eow", "eod", "today 17:00", "2026-12-01 9:30", turned into
// ISO 8601 in local time (the zone of TZ, as localtime(3) reads it). Pure
// functions of the text and a "now"; the main thread of the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cairn::cli {

// Words understood (case-insensitive), each optionally followed by a time of
// day "HH:MM", "H:MM", "9am", "5pm" (default the day's start):
//   now; today, tomorrow, yesterday; monday..sunday and mon..sun (the next
//   one, today excluded); sod/eod, sow/eow (weeks start on Monday), som/eom,
//   soy/eoy (start and end of day, week, month, year: eo* is the last second);
//   +N or -N with a unit m (minutes), h, d, w from now ("+3d", "-2h");
//   an ISO date or date-time without zone ("2026-12-01", "2026-12-01T17:00",
//   "2026-12-01 17:00"): local time.
// Returns Unix milliseconds, nullopt when the text is none of these.
std::optional<int64_t> parse_human_time(const std::string& text, int64_t now_ms);

// "2026-12-01T17:00:00+01:00" for `unix_ms` in local time.
std::string format_local_iso8601(int64_t unix_ms);

// Local time's offset east of UTC at `unix_ms`, in minutes.
int64_t local_utc_offset_minutes(int64_t unix_ms);

// Start of the local day holding `unix_ms`, plus `days` days (local midnight,
// whatever the DST shifts in between).
int64_t local_midnight(int64_t unix_ms, int days = 0);

}  // namespace cairn::cli
