// Random identifiers: UUID v4 text for rows a client did not name, and the
// per-database id that tells a client its cursor belongs to another database.
// Any thread (OpenSSL's RAND_bytes is thread-safe).
#pragma once

#include <string>

namespace cairn {

// "3f2a9c1e-5b7d-4e2f-9a1b-0c3d5e7f9a1b"
std::string new_uuid();

}  // namespace cairn
