// Schema migrations: numbered SQL scripts from schema/, embedded at build time.
// Startup applies what is pending, one transaction each; `cairnd migrate --to N`
// goes down as well as up. A database newer than the binary is refused.
// Writer thread (or the startup thread before the writer exists).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "store/db.h"

namespace cairn::store {

struct Migration {
  int version;
  const char* name;
  const char* up;
  const char* down;
};

// Every migration compiled in, ascending (generated from schema/).
const std::vector<Migration>& embedded_migrations();
int latest_version(const std::vector<Migration>& all = embedded_migrations());

// The highest applied version (0 for a new database).
Result<int> current_version(Db& db);
// Applies or reverts migrations until `target` is the current version. Each step
// commits on its own; a failing step is rolled back and the error names it.
// Refuses a database whose version is above every known migration.
Status migrate_to(Db& db, int target, const std::vector<Migration>& all = embedded_migrations());

}  // namespace cairn::store
