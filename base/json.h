// Json: the dynamic value that RPC params, results, JSON columns and CLI output
// share. Strings are byte strings: they are never assumed to be UTF-8 until they
// are written out as JSON text (json_text.h).
#pragma once

#include <nlohmann/json.hpp>

namespace cairn {
using Json = nlohmann::json;
}  // namespace cairn
