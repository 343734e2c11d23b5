// debug.index_file_row: writes one files row the way the watchers do (gen bumped
// on every call, status 'deleted' for a removed file), so the index can be tested
// on its own. Registered with --debug-methods only.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "indexer/chunker.h"
#include "indexer/file_source.h"

namespace cairn {

void register_index_debug(Registry& r, Services&) {
  r.add_write(
      "debug.index_file_row",
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        auto path = p.str("path", 4096);
        auto root = p.str("root", 4096);
        CAIRN_RETURN_IF_ERROR(p.finish());
        store::Db& db = txn.db();
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * ins_root,
                               db.cached("INSERT OR IGNORE INTO roots(path, created_at) "
                                         "VALUES(?1, ?2)"));
        CAIRN_RETURN_IF_ERROR(ins_root->bind_all(root, txn.now_ms()).run());
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * find_root,
                               db.cached("SELECT id FROM roots WHERE path = ?1"));
        find_root->bind_all(root);
        CAIRN_ASSIGN_OR_RETURN(bool found, find_root->step());
        if (!found) return internal_error("root row missing");
        int64_t root_id = find_root->int64(0);
        find_root->reset();
        struct stat st {};
        bool exists = ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
        bool is_text = false;
        if (exists && st.st_size <= indexer::kMaxFileBytes) {
          std::ifstream in(path, std::ios::binary);
          std::stringstream ss;
          ss << in.rdbuf();
          is_text = !indexer::looks_binary(ss.str());
        }
        std::string name = path.substr(path.rfind('/') + 1);
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * up,
            db.cached("INSERT INTO files(root_id, path, name, type, size, mtime_ns, inode, "
                      "is_text, status, gen, created_at, updated_at) VALUES(?1, ?2, ?3, 'file', "
                      "?4, ?5, ?6, ?7, ?8, 1, ?9, ?9) ON CONFLICT(path) DO UPDATE SET size = "
                      "excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode, "
                      "is_text = excluded.is_text, status = excluded.status, gen = gen + 1, "
                      "updated_at = excluded.updated_at RETURNING id, gen"));
        up->bind_all(root_id, path, name, static_cast<int64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                     static_cast<int64_t>(st.st_ino), is_text ? 1 : 0,
                     exists ? "ok" : "deleted", txn.now_ms());
        CAIRN_ASSIGN_OR_RETURN(bool row, up->step());
        if (!row) return internal_error("files upsert returned no row");
        int64_t id = up->int64(0), gen = up->int64(1);
        up->reset();
        CAIRN_RETURN_IF_ERROR(txn.record("files", exists ? "changed" : "deleted",
                                         std::to_string(id), nullptr, nullptr, {{"path", path}})
                                  .status());
        return Json{{"id", id}, {"gen", gen}, {"is_text", is_text}, {"exists", exists}};
      },
      store::Durability::kNormal);
}

}  // namespace cairn
