#include "clients/cli/human_time.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace cairn::cli {

namespace {

std::tm local_tm(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return tm;
}

// Unix ms of a local calendar time; out-of-range fields normalise (day 32).
int64_t from_local(std::tm tm) {
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm)) * 1000;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "17:00", "9:30", "9am", "12pm", "5:15pm" -> {hour, minute}.
std::optional<std::pair<int, int>> parse_clock(std::string s) {
  int add = -1;
  if (s.size() > 2 && (s.ends_with("am") || s.ends_with("pm"))) {
    add = s.ends_with("pm") ? 12 : 0;
    s.resize(s.size() - 2);
  }
  std::string h = s, m = "0";
  if (auto colon = s.find(':'); colon != std::string::npos) {
    h = s.substr(0, colon);
    m = s.substr(colon + 1);
    if (m.size() != 2) return std::nullopt;
  } else if (add < 0) {
    return std::nullopt;  // a bare number is not a time of day
  }
  if (!all_digits(h) || !all_digits(m) || h.size() > 2) return std::nullopt;
  int hour = std::stoi(h), minute = std::stoi(m);
  if (add >= 0) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + add;
  }
  if (hour > 23 || minute > 59) return std::nullopt;
  return std::make_pair(hour, minute);
}

// The day a word names, as a local tm at 00:00 (or `now` itself for "now"
// and relative offsets, flagged by `exact`).
std::optional<std::tm> parse_day(const std::string& w, int64_t now_ms, bool& exact,
                                 int64_t& exact_ms) {
  std::tm tm = local_tm(now_ms);
  auto midnight = [](std::tm t) {
    t.tm_hour = t.tm_min = t.tm_sec = 0;
    return t;
  };
  auto last_second = [](std::tm t) {
    t.tm_hour = 23;
    t.tm_min = t.tm_sec = 59;
    return t;
  };
  exact = false;
  if (w == "now") {
    exact = true;
    exact_ms = now_ms;
    return tm;
  }
  if (w == "today" || w == "sod") return midnight(tm);
  if (w == "eod") return last_second(tm);
  if (w == "tomorrow") {
    tm.tm_mday += 1;
    return midnight(tm);
  }
  if (w == "yesterday") {
    tm.tm_mday -= 1;
    return midnight(tm);
  }
  int since_monday = (tm.tm_wday + 6) % 7;
  if (w == "sow") {  // the Monday starting this week
    tm.tm_mday -= since_monday;
    return midnight(tm);
  }
  if (w == "eow") {
    tm.tm_mday += 6 - since_monday;
    return last_second(tm);
  }
  if (w == "som") {
    tm.tm_mday = 1;
    return midnight(tm);
  }
  if (w == "eom") {
    tm.tm_mon += 1;
    tm.tm_mday = 0;  // the last day of the month before
    return last_second(tm);
  }
  if (w == "soy") {
    tm.tm_mon = 0;
    tm.tm_mday = 1;
    return midnight(tm);
  }
  if (w == "eoy") {
    tm.tm_mon = 11;
    tm.tm_mday = 31;
    return last_second(tm);
  }
  static const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday"};
  for (int d = 0; d < 7; ++d) {
    std::string full = kDays[d];
    if (w == full || (w.size() >= 3 && full.compare(0, w.size(), w) == 0)) {
      int ahead = (d - tm.tm_wday + 7) % 7;
      tm.tm_mday += ahead == 0 ? 7 : ahead;
      return midnight(tm);
    }
  }
  if (w.size() >= 3 && (w[0] == '+' || w[0] == '-')) {
    std::string n = w.substr(1, w.size() - 2);
    char unit = w.back();
    if (!all_digits(n) || n.size() > 6) return std::nullopt;
    int64_t v = std::stoll(n) * (w[0] == '-' ? -1 : 1);
    exact = true;
    switch (unit) {
      case 'm':
        exact_ms = now_ms + v * 60000;
        return tm;
      case 'h':
        exact_ms = now_ms + v * 3600000;
        return tm;
      case 'd':
      case 'w': {  // calendar days: the same clock time, across DST too
        tm.tm_mday += static_cast<int>(v * (unit == 'w' ? 7 : 1));
        exact_ms = from_local(tm) + now_ms % 1000;
        return tm;
      }
      default:
        return std::nullopt;
    }
  }
  // An ISO date without zone: local.
  int y, mo, d;
  char tail;
  if (w.size() == 10 && std::sscanf(w.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 &&
      w[4] == '-' && w[7] == '-') {
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    std::tm t{};
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    std::tm check = t;
    check.tm_isdst = -1;
    std::mktime(&check);
    if (check.tm_mday != d) return std::nullopt;  // 2026-02-30
    return t;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parse_human_time(const std::string& text, int64_t now_ms) {
  std::string s = lower(text);
  // "2026-12-01T17:00" reads as "2026-12-01 17:00"; a zone (Z, +01:00) is
  // left to the daemon's ISO 8601 parser.
  if (s.size() > 10 && s[10] == 't' && s[4] == '-') {
    std::string rest = s.substr(11);
    if (rest.find_first_of("z+-") != std::string::npos) return std::nullopt;
    if (rest.size() == 8 && rest[5] == ':') rest.resize(5);  // seconds ":00"
    s = s.substr(0, 10) + " " + rest;
  }
  std::vector<std::string> words;
  for (size_t i = 0; i < s.size();) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) words.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  if (words.empty() || words.size() > 2) return std::nullopt;
  bool exact = false;
  int64_t exact_ms = 0;
  auto day = parse_day(words[0], now_ms, exact, exact_ms);
  if (!day) {
    // A time alone: today at that time.
    if (words.size() != 1) return std::nullopt;
    auto clock = parse_clock(words[0]);
    if (!clock) return std::nullopt;
    std::tm tm = local_tm(now_ms);
    tm.tm_hour = clock->first;
    tm.tm_min = clock->second;
    tm.tm_sec = 0;
    return from_local(tm);
  }
  if (words.size() == 1) return exact ? exact_ms : from_local(*day);
  if (exact) return std::nullopt;  // "+3d 17:00" is not supported
  auto clock = parse_clock(words[1]);
  if (!clock) return std::nullopt;
  day->tm_hour = clock->first;
  day->tm_min = clock->second;
  day->tm_sec = 0;
  return from_local(*day);
}

int64_t local_utc_offset_minutes(int64_t unix_ms) { return local_tm(unix_ms).tm_gmtoff / 60; }

std::string format_local_iso8601(int64_t unix_ms) {
  std::tm tm = local_tm(unix_ms);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  int64_t off = tm.tm_gmtoff / 60;
  char zone[48];
  std::snprintf(zone, sizeof zone, "%c%02lld:%02lld", off < 0 ? '-' : '+',
                static_cast<long long>(std::abs(off) / 60),
                static_cast<long long>(std::abs(off) % 60));
  return std::string(buf) + zone;
}

int64_t local_midnight(int64_t unix_ms, int days) {
  std::tm tm = local_tm(unix_ms);
  tm.tm_mday += days;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return from_local(tm);
}

}  // namespace cairn::cli
