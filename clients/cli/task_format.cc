#include "clients/cli/task_format.h"

#include <iostream>
#include <vector>

#include "base/clock.h"
#include "clients/cli/cli.h"
#include "clients/cli/human_time.h"

namespace cairn::cli {

std::optional<int64_t> parse_minutes(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0, n = 0;
  bool digits = false, unit_seen = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      if (n > 100000000) return std::nullopt;
      digits = true;
    } else if ((c == 'h' || c == 'm' || c == 'd') && digits) {
      total += c == 'd' ? n * 1440 : c == 'h' ? n * 60 : n;
      n = 0;
      digits = false;
      unit_seen = true;
    } else {
      return std::nullopt;
    }
  }
  if (digits) {
    if (unit_seen) return std::nullopt;  // "1h30" is ambiguous
    total += n;
  }
  return total;
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 60000) return std::to_string(ms / 1000) + "s";
  int64_t minutes = ms / 60000;
  if (minutes < 60) return std::to_string(minutes) + "m";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return buf;
}

std::string short_time(const Json& iso) {
  if (!iso.is_string()) return "";
  std::string s = iso.get<std::string>();
  if (auto ms = parse_iso8601(s)) s = format_local_iso8601(*ms).substr(0, 19) + ".000";
  if (s.size() < 16) return s;
  if (s.compare(10, 13, "T00:00:00.000") == 0) return s.substr(0, 10);
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

Json time_arg(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() < 16) {
    return std::stoll(text);
  }
  if (auto ms = parse_human_time(text, wall_ms())) return format_local_iso8601(*ms);
  if (parse_iso8601(text)) return text;  // with a zone: as given
  throw CLI::ValidationError("cannot read `" + text +
                             "` as a date; try tomorrow, friday, +3d, eow, eod, today 17:00, "
                             "2026-12-01 or 2026-12-01T17:00+01:00");
}

std::string tags_cell(const Json& tags) {
  std::string out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags) out += (out.empty() ? "" : ",") + cell(t);
  return out;
}

namespace {

std::string progress_cell(const Json& p) {
  if (!p.is_object()) return "";
  return cell(p["done"]) + "/" + cell(p["total"]);
}

std::string clip(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  if (s.size() <= max) return s;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 edge
  return s.substr(0, cut) + "...";
}

std::string brief(const Json& t) {
  return "#" + cell(t["id"]) + "  [" + cell(t["status"]) + "]  " + clip(cell(t["title"]), 70);
}

}  // namespace

void print_task_table(const Json& tasks) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tasks) {
    rows.push_back({cell(t["id"]), cell(t["status"]), "P" + cell(t["priority"]),
                    clip(cell(t["title"]), 60), cell(t["list"]), short_time(t["due"]),
                    tags_cell(t["tags"]), progress_cell(t["progress"])});
  }
  if (rows.empty()) {
    std::cout << "no tasks\n";
    return;
  }
  print_table({"ID", "STATUS", "PRI", "TITLE", "LIST", "DUE", "TAGS", "SUBTASKS"}, rows);
}

void print_task_detail(const Json& t) {
  std::cout << "#" << cell(t["id"]) << "  " << cell(t["title"]) << "\n";
  auto field = [](const char* name, const std::string& value) {
    if (!value.empty())
      std::cout << "  " << name << std::string(12 - std::string(name).size(), ' ') << value << "\n";
  };
  field("status", cell(t["status"]));
  field("priority", cell(t["priority"]));
  field("list", cell(t["list"]));
  field("version", cell(t["version"]));
  if (t["parent_id"].is_number()) field("parent", "#" + cell(t["parent_id"]));
  field("due", short_time(t["due"]));
  field("scheduled", short_time(t["scheduled"]));
  if (t["estimate_minutes"].is_number()) {
    field("estimate", format_duration_ms(t["estimate_minutes"].get<int64_t>() * 60000));
  }
  field("spent", format_duration_ms(t.value("time_spent_ms", int64_t{0})) + " in " +
                     cell(t.value("session_count", Json(0))) + " sessions");
  field("tags", tags_cell(t["tags"]));
  field("completed", short_time(t["completed_at"]));
  field("created", short_time(t["created_at"]));
  if (t["progress"].is_object()) field("progress", progress_cell(t["progress"]) + " subtasks done");
  if (!cell(t["description"]).empty()) std::cout << "\n" << block(t["description"]) << "\n";
  auto section = [](const char* title, const Json& items) {
    if (!items.is_array() || items.empty()) return;
    std::cout << "\n" << title << ":\n";
    for (const auto& i : items) std::cout << "  " << brief(i) << "\n";
  };
  section("subtasks", t["subtasks"]);
  section("depends on", t["dependencies"]);
  section("blocks", t["dependents"]);
}

}  // namespace cairn::cli
