// Store: opens the database file for the daemon. Checks that the file is a
// healthy cairn database (never modifying a foreign or corrupt one), applies
// pending migrations, stamps the application_id, and reads the database id.
// Called once at startup, before the writer thread exists.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/db.h"

namespace cairn::store {

struct OpenedStore {
  std::unique_ptr<Db> db;  // the read-write connection, for the writer
  std::string db_id;
  int schema_version = 0;
};

Result<OpenedStore> open_store(const std::string& path);

}  // namespace cairn::store
