#include "daemon/rpc/time_math.h"

#include <algorithm>

#include "base/clock.h"
#include "base/json_text.h"

namespace cairn::timemath {

std::vector<Interval> worked(const Session& s, int64_t now) {
  int64_t end = s.ended.value_or(now);
  if (end < s.started) end = s.started;
  std::vector<Interval> pauses = s.breaks;
  if (s.paused_at && !s.ended) pauses.push_back({*s.paused_at, std::max(*s.paused_at, now)});
  std::sort(pauses.begin(), pauses.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  int64_t cursor = s.started;
  for (const auto& p : pauses) {
    int64_t ps = std::clamp(p.start, s.started, end);
    int64_t pe = std::clamp(p.end, s.started, end);
    if (pe <= cursor) continue;
    if (ps > cursor) out.push_back({cursor, ps});
    cursor = std::max(cursor, pe);
  }
  if (end > cursor) out.push_back({cursor, end});
  return out;
}

int64_t total_ms(const std::vector<Interval>& intervals) {
  int64_t sum = 0;
  for (const auto& i : intervals) sum += i.end - i.start;
  return sum;
}

int64_t clipped_ms(const std::vector<Interval>& intervals, int64_t from, int64_t to) {
  int64_t sum = 0;
  for (const auto& i : intervals) {
    int64_t s = std::max(i.start, from), e = std::min(i.end, to);
    if (e > s) sum += e - s;
  }
  return sum;
}

int64_t day_start(int64_t ms) {
  int64_t d = ms / kDayMs;
  if (ms % kDayMs < 0) --d;
  return d * kDayMs;
}

std::map<int64_t, int64_t> by_utc_day(const std::vector<Interval>& intervals, int64_t from,
                                      int64_t to) {
  std::map<int64_t, int64_t> out;
  for (const auto& i : intervals) {
    int64_t s = std::max(i.start, from), e = std::min(i.end, to);
    while (e > s) {
      int64_t next_day = day_start(s) + kDayMs;
      int64_t piece_end = std::min(e, next_day);
      out[day_start(s)] += piece_end - s;
      s = piece_end;
    }
  }
  return out;
}

DayBuckets::DayBuckets(int64_t from, int64_t to)
    : from_(from), to_(std::max(from, to)), first_day_(day_start(from)) {
  size_t n = to_ > from_ ? static_cast<size_t>((day_start(to_ - 1) - first_day_) / kDayMs + 1) : 0;
  partial_ms_.assign(n, 0);
  full_diff_.assign(n + 1, 0);
  sessions_diff_.assign(n + 1, 0);
}

void DayBuckets::add_session(const std::vector<Interval>& worked) {
  int64_t last_counted = -1;  // index of the last day this session was counted on
  for (const auto& i : worked) {
    int64_t s = std::max(i.start, from_), e = std::min(i.end, to_);
    if (e <= s) continue;
    int64_t first = (day_start(s) - first_day_) / kDayMs;
    int64_t last = (day_start(e - 1) - first_day_) / kDayMs;
    // Days from `first` to `last` are touched; count the session once on each.
    int64_t count_from = std::max(first, last_counted + 1);
    if (count_from <= last) {
      ++sessions_diff_[static_cast<size_t>(count_from)];
      --sessions_diff_[static_cast<size_t>(last + 1)];
      last_counted = last;
    }
    if (first == last) {
      partial_ms_[static_cast<size_t>(first)] += e - s;
      continue;
    }
    // Head and tail pieces, and the whole days between them.
    int64_t head_end = first_day_ + (first + 1) * kDayMs;
    int64_t tail_start = first_day_ + last * kDayMs;
    partial_ms_[static_cast<size_t>(first)] += head_end - s;
    partial_ms_[static_cast<size_t>(last)] += e - tail_start;
    if (last - first > 1) {
      ++full_diff_[static_cast<size_t>(first + 1)];
      --full_diff_[static_cast<size_t>(last)];
    }
  }
}

std::vector<DayBuckets::Day> DayBuckets::days() const {
  std::vector<Day> out;
  int64_t full = 0, sessions = 0;
  for (size_t d = 0; d < partial_ms_.size(); ++d) {
    full += full_diff_[d];
    sessions += sessions_diff_[d];
    int64_t ms = partial_ms_[d] + full * kDayMs;
    if (ms > 0) out.push_back({first_day_ + static_cast<int64_t>(d) * kDayMs, ms, sessions});
  }
  return out;
}

std::string utc_day(int64_t ms) { return format_iso8601(day_start(ms)).substr(0, 10); }

Result<std::vector<Interval>> parse_breaks(const std::string& text) {
  auto parsed = parse_json_text(text);
  Json v = parsed ? std::move(*parsed) : Json();
  if (!v.is_array()) return internal_error("breaks column is not an array");
  std::vector<Interval> out;
  for (const auto& b : v) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer()) {
      return internal_error("breaks column holds a malformed pause");
    }
    out.push_back({b[0].get<int64_t>(), b[1].get<int64_t>()});
  }
  return out;
}

Json breaks_json(const std::vector<Interval>& breaks) {
  Json out = Json::array();
  for (const auto& b : breaks) out.push_back(Json::array({b.start, b.end}));
  return out;
}

}  // namespace cairn::timemath
