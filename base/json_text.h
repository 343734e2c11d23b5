// JSON text for values stored in JSON columns and printed by the CLI, and the
// one depth limit every JSON value obeys. Any thread.
//
// Why a depth limit: dumping, comparing, copying and msgpack-encoding a Json
// recurse once per level, so a value nested 50,000 deep (100 KB of "[[[[...")
// overflows a thread's stack. Every way a value gets in (a client's JSON text,
// an imported row, a column of a restored database) is checked here, without
// recursion, before anything recursive touches it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace cairn {

// Deepest nesting of arrays and objects a stored or client-supplied JSON value
// may have ([] is 1, [[]] is 2). Replies wrap a value in a few more levels and
// stay within what msgpack-RPC clients decode.
inline constexpr size_t kMaxJsonDepth = 32;

// Nesting of `v`, counted without recursion; stops counting past `limit`
// (returns limit + 1 then).
size_t json_depth(const Json& v, size_t limit = kMaxJsonDepth);
// Nesting of arrays and objects in JSON text, brackets inside strings skipped;
// no recursion, one pass, stops past `limit` (returns limit + 1).
size_t json_text_depth(std::string_view text, size_t limit = kMaxJsonDepth);

// Serializes `value`; INVALID_PARAMS naming `field` when it holds binary data, a
// string that is not UTF-8 (JSON cannot carry either) or nests deeper than
// kMaxJsonDepth.
Result<std::string> to_json_text(const Json& value, std::string_view field);
// Parses text stored by to_json_text; a malformed column, or one nested deeper
// than kMaxJsonDepth (a restored or imported database may hold anything), yields
// INTERNAL, so a reader shows the column as null instead of crashing.
Result<Json> parse_json_text(std::string_view text);
// Parses JSON text a client sent as `field`: INVALID_PARAMS naming the field
// when it is malformed, nested deeper than kMaxJsonDepth, or repeats a key in
// one object (never silently last-wins).
Result<Json> parse_json_param(std::string_view text, std::string_view field);

}  // namespace cairn
