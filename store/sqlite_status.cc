#include "store/sqlite_status.h"

#include <string>

namespace cairn::store {

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string detail = std::string(what) + ": " + msg + " (sqlite " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return Status(Code::kConflict, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Code::kBusy, "database is locked by another process; retry later (" + detail +
                                     ")");
    case SQLITE_FULL:
      return Status(Code::kIoError, "disk full: the write was not saved; free space and retry (" +
                                        detail + ")");
    case SQLITE_IOERR:
      return Status(Code::kIoError, "I/O error, outcome unknown: retry with the same id (" +
                                        detail + ")");
    case SQLITE_READONLY:
      return Status(Code::kIoError, "database is read-only (" + detail + ")");
    case SQLITE_TOOBIG: return Status(Code::kTooLarge, detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status(Code::kInternal, "database is corrupt (" + detail + ")");
    default: return Status(Code::kInternal, detail);
  }
}

int64_t sqlite_heap_bytes() { return sqlite3_memory_used(); }

int64_t sqlite_heap_peak_bytes() { return sqlite3_memory_highwater(0); }

}  // namespace cairn::store
