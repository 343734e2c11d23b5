// Parsing and formatting shared by `cairn task`, `cairn list`, `cairn timer`,
// `cairn report` and `cairn focus`: durations ("1h30m"), dates shown short,
// and the task table. Pure functions, main thread of the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/json.h"

namespace cairn::cli {

// "90m", "1h30m", "2h", "45" (minutes) -> minutes; nullopt when unreadable.
std::optional<int64_t> parse_minutes(const std::string& text);
// 3900000 -> "1h05m"; under an hour "12m"; under a minute "45s".
std::string format_duration_ms(int64_t ms);
// A daemon's UTC time in local time (TZ): local midnight -> "2026-12-01";
// with a time -> "2026-12-01 14:30".
std::string short_time(const Json& iso);
// A time argument for the daemon: Unix ms when all digits, a date as people
// type it (human_time.h) as local ISO 8601, ISO 8601 with a zone as given;
// throws CLI::ValidationError (exit 2, the text quoted) for anything else.
Json time_arg(const std::string& text);
// Tags as every command prints them: "api,docs" ("" for none).
std::string tags_cell(const Json& tags);
// Prints tasks as a table: ID, STATUS, PRI, TITLE, LIST, DUE, TAGS, DONE.
void print_task_table(const Json& tasks);
// Prints one task with its subtasks, dependencies and time spent.
void print_task_detail(const Json& task);

}  // namespace cairn::cli
