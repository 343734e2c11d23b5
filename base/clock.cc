#include "base/clock.h"

#include <cstdio>
#include <ctime>

namespace cairn {

int64_t wall_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string format_iso8601(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms));
  return buf;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Result<int64_t> parse_iso8601_checked(std::string_view s) {
  const auto bad = [](const std::string& why) { return invalid_params(why); };
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
      s[7] != '-' || !digits(s, 8, 2, d))
    return bad("not YYYY-MM-DD");
  if (mo < 1 || mo > 12) return bad("month " + std::to_string(mo) + " does not exist");
  if (d < 1 || d > days_in_month(y, mo)) {
    return bad(std::string(s.substr(0, 10)) + " does not exist (" + std::to_string(mo) + "/" +
               std::to_string(y) + " has " + std::to_string(days_in_month(y, mo)) + " days)");
  }
  size_t p = 10;
  int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !digits(s, p + 4, 2, mi))
      return bad("the time of day is not HH:MM");
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, sec)) return bad("the seconds are not two digits");
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        size_t q = p + 1;
        int scale = 100;
        while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
          ms += (s[q] - '0') * scale;
          scale /= 10;
          ++q;
        }
        if (q == p + 1) return bad("a fraction of a second needs digits");
        if (q - p - 1 > 9) return bad("a fraction of a second has at most 9 digits");
        p = q;
      }
    }
    if (h > 23) return bad("hour " + std::to_string(h) + " does not exist");
    if (mi > 59) return bad("minute " + std::to_string(mi) + " does not exist");
    if (sec > 59)
      return bad("second " + std::to_string(sec) + " is not representable (no leap seconds)");
  }
  if (p < s.size()) {
    if (s[p] == 'Z' && p + 1 == s.size()) {
      p += 1;
    } else if (s[p] == '+' || s[p] == '-') {
      int oh, om;
      int sign = s[p] == '-' ? -1 : 1;
      if (!digits(s, p + 1, 2, oh)) return bad("the offset is not +HH:MM");
      size_t q = p + 3;
      if (q < s.size() && s[q] == ':') ++q;
      if (!digits(s, q, 2, om) || q + 2 != s.size()) return bad("the offset is not +HH:MM");
      if (om > 59 || oh * 60 + om > 14 * 60) return bad("the offset is beyond +-14:00");
      offset_min = sign * (oh * 60 + om);
      p = s.size();
    } else {
      return bad("unexpected text after the time");
    }
  }
  if (p != s.size()) return bad("unexpected text after the time");
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + ms;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  auto r = parse_iso8601_checked(s);
  if (!r) return std::nullopt;
  return *r;
}

}  // namespace cairn
