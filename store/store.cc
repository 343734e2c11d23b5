#include "store/store.h"

#include "store/migration.h"

namespace cairn::store {

Result<OpenedStore> open_store(const std::string& path) {
  CAIRN_RETURN_IF_ERROR(check_database_file(path));
  CAIRN_ASSIGN_OR_RETURN(auto db, Db::open(path, OpenMode::kReadWrite));
  CAIRN_ASSIGN_OR_RETURN(int version, current_version(*db));
  int latest = latest_version();
  if (version != latest) CAIRN_RETURN_IF_ERROR(migrate_to(*db, latest));
  CAIRN_RETURN_IF_ERROR(db->exec("PRAGMA application_id=" + std::to_string(kApplicationId)));
  OpenedStore out;
  CAIRN_ASSIGN_OR_RETURN(Stmt s, db->prepare("SELECT value FROM meta WHERE key = 'db_id'"));
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return internal_error(path + " has no database id in its meta table");
  out.db_id = s.text(0);
  out.schema_version = latest;
  out.db = std::move(db);
  return out;
}

}  // namespace cairn::store
