// Tool input schemas derived from daemon.describe, and the checks of a call's
// arguments against them. A tool that maps onto one cairn method names, for
// each of its properties, the method's parameter it stands for: its JSON
// Schema (type, limits, enum, description) is copied from the method's own
// declaration, so the tool cannot drift from the daemon. Properties the bridge
// adds itself (or every property, against a daemon that does not describe its
// methods) use the fallback schema written beside them.
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace cairn::mcp {

struct ToolProp {
  std::string name;         // as the tool shows it
  std::string param;        // the method's parameter; empty: the bridge's own property
  Json fallback;            // schema when the method's declaration is not available
  bool required = false;    // for the bridge's own properties and the fallback
  std::string description;  // replaces the method's description when set
  Json default_value;       // non-null: optional, and sent to the method when absent
};

// {"type": "object", "properties", "required", "additionalProperties": false}.
// `method` is daemon.describe's entry for the tool's method, or null.
Json derive_input_schema(const Json& method, const std::vector<ToolProp>& props);

// INVALID_PARAMS naming the first property that breaks `schema`: not an
// object, a missing required property, an unknown one, a wrong type, a value
// outside enum/minimum/maximum, too many items.
Status check_arguments(const Json& schema, const Json& args);

// The arguments renamed to the method's parameter names, the bridge's own
// properties left out.
Json to_method_args(const std::vector<ToolProp>& props, const Json& args);

}  // namespace cairn::mcp
