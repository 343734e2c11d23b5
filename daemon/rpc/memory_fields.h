// Field checks shared by the memory families (sessions, messages, knowledge):
// client-supplied ids, text that must be UTF-8, JSON-valued fields, and JSON
// columns read back. Every error names the field. Free functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "daemon/method_spec.h"
#include "daemon/params.h"
#include "store/stmt.h"

namespace cairn::memory {

// What shape a JSON-valued field must have once parsed.
enum class JsonShape { kObject, kArray, kObjectOrArray, kStringArray };

// The id of a new row: `key` when given (1 to 128 bytes of A-Z a-z 0-9 . _ : -,
// so retries with the same id are safe), else a fresh uuid.
std::string new_or_given_id(Params& p, const char* key);
// A required id of an existing row (same alphabet, no uuid fallback).
std::string existing_id(Params& p, const char* key);
bool valid_id(std::string_view id);

// A text field: Params::opt_str, which refuses what is not UTF-8 or holds NUL
// (it goes into JSON events and the full-text index).
std::optional<std::string> opt_text(Params& p, const char* key, size_t max_bytes);
std::string text(Params& p, const char* key, size_t max_bytes);

// An optional JSON-valued field. Accepts the value itself or JSON text in a
// string (as the seed applications stored it); checks `shape` and size, and
// returns the canonical JSON text to store.
std::optional<std::string> opt_json(Params& p, const char* key, JsonShape shape,
                                    size_t max_bytes);

// Declarations of those fields for a MethodSpec: an id (the alphabet above),
// UTF-8 text, and a JSON-valued field (the value or JSON text in a string).
ParamSpec id_param(std::string name, std::string description);
ParamSpec text_param(std::string name, size_t max_bytes, std::string description);
ParamSpec json_param(std::string name, JsonShape shape, size_t max_bytes, std::string description);

// A JSON column (null when NULL or unreadable) and a time column (ISO 8601 or null).
Json json_column(const store::Stmt& s, int col);
Json time_column(const store::Stmt& s, int col);

// Rewrites a row-level error as "<prefix>: <message>" keeping its code, so a
// bulk request says which row was wrong.
Status in_row(const Status& st, const std::string& prefix);

}  // namespace cairn::memory
