// The one place SQLite result codes become cairn Status values. Keeps SQLite's
// extended code and message in the text.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "base/status.h"

namespace cairn::store {

// `rc` is an extended result code; `what` says what was being done.
Status sqlite_status(sqlite3* db, int rc, std::string_view what);

// Bytes SQLite holds on the heap now (page caches, statements, schemas) and the
// most it held since start, over every connection of the process.
int64_t sqlite_heap_bytes();
int64_t sqlite_heap_peak_bytes();

}  // namespace cairn::store
