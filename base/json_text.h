// JSON text for values stored in JSON columns and printed by the CLI.
// Any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace cairn {

// Serializes `value`; INVALID_PARAMS naming `field` when it holds binary data or a
// string that is not UTF-8 (JSON cannot carry either).
Result<std::string> to_json_text(const Json& value, std::string_view field);
// Parses text stored by to_json_text; a malformed column yields INTERNAL.
Result<Json> parse_json_text(std::string_view text);

}  // namespace cairn
