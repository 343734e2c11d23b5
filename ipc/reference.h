// The method reference of ipc/README.md, rendered from a daemon.describe reply:
// the error codes, then one section per method (kind, topics, description and
// a table of its parameters). `cairn describe --markdown` prints it,
// scripts/ipc_reference.sh writes it into ipc/README.md, and a test fails when
// the committed text differs from what the daemon describes. Pure function.
#pragma once

#include <string>

#include "base/json.h"

namespace cairn::ipc {

// The markers around the generated text in ipc/README.md.
inline constexpr const char* kReferenceBegin =
    "<!-- BEGIN method reference: generated from daemon.describe by scripts/ipc_reference.sh; do "
    "not edit -->";
inline constexpr const char* kReferenceEnd = "<!-- END method reference -->";

std::string method_reference_markdown(const Json& describe);

}  // namespace cairn::ipc
