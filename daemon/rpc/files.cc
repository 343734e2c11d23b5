// files.*: tracked roots and the files below them. Topic "files".
//   track/untrack  async: the roots row is a client write (FULL durability);
//                  the reply comes once the Watcher has the root and its scan
//                  is queued.
//   roots, rescan  loop thread: live state held by the Watcher.
//   list, get      readers: the file rows.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/byte_text.h"
#include "base/clock.h"
#include "base/json_text.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "watchers/pseudo_fs.h"
#include "watchers/watcher.h"

namespace cairn {

namespace {

using watchers::RootSpec;
using watchers::RootState;
using watchers::Watcher;

constexpr int64_t kMaxList = 10000;
constexpr size_t kMaxGlobs = 256;
// A root is named by a path the kernel resolves (PATH_MAX); a file below one
// can be far deeper (the crawler walks by descriptor), and every path
// files.list returns must be accepted back by files.get, files.rescan and as a
// files.list `prefix` or `after` cursor.
constexpr size_t kMaxRootPath = 4096;
constexpr size_t kMaxFilePath = 1 << 20;

// Paths are absolute.
const Json& kPathSchema = *new Json{{"pattern", "^/"}};

// Absolute and lexically normal, without a trailing "/" (except "/").
Result<std::string> normal_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return invalid_params("path must be absolute: " + path);
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Paths and names that are not UTF-8 go out as bin (base/byte_text.h).
Json file_row(const store::Stmt& s) {
  Json out{{"path", str_or_bin(s.text(0))},
           {"name", str_or_bin(s.text(1))},
           {"type", s.text(2)},
           {"size", s.int64(3)},
           {"mtime_ns", s.int64(4)},
           {"inode", s.int64(5)},
           {"sha256", s.value(6)},
           {"is_text", s.int64(7) != 0},
           {"status", s.text(8)},
           {"gen", s.int64(10)},
           {"root_id", s.int64(11)},
           {"updated_at", format_iso8601(s.int64(12))}};
  if (!s.is_null(9)) out["error"] = s.text(9);
  return out;
}

constexpr const char* kFileCols =
    "path, name, type, size, mtime_ns, inode, sha256, is_text, status, error, gen, root_id, "
    "updated_at";

// `params` with the path-valued keys given as bin (a path that is not UTF-8,
// as files.list returns it) turned into their bytes as str.
Json paths_as_str(const Json& params) {
  Json out = params;
  Json& args = out.is_array() && out.size() == 1 ? out[0] : out;
  if (!args.is_object()) return out;
  for (const char* key : {"path", "root", "prefix", "after"}) {
    if (args.contains(key)) args[key] = bin_as_str(args[key]);
  }
  return out;
}

// A stored JSON column, or null when it is malformed or too deep to compare.
Json stored_json(std::string_view text) {
  auto v = parse_json_text(text);
  return v ? std::move(*v) : Json();
}

Json root_row_json(const RootSpec& spec) {
  return Json{{"path", spec.path},
              {"include", spec.include},
              {"exclude", spec.exclude},
              {"gitignore", spec.gitignore}};
}

}  // namespace

void register_files(Registry& r, Services& s) {
  s.hub.add_topic("files");
  watchers::WatcherOptions wo;
  wo.db_path = s.config.db_path();
  wo.settle_ms = s.config.watch_settle_ms;
  wo.reconcile_s = s.config.watch_reconcile_s;
  wo.degraded_scan_s = s.config.watch_degraded_scan_s;
  wo.max_watches = s.config.watch_max_watches;
  wo.hash_threads = s.config.hash_threads;
  wo.text_cap = s.config.text_cap_bytes;
  wo.hash_max = s.config.hash_max_bytes;
  auto w = std::make_shared<Watcher>(s.loop, s.poster, s.writer, wo);
  if (Status st = w->start(); !st.is_ok()) {
    spdlog::error("file tracking is unavailable: {}", st.message());
  }
  s.on_shutdown.push_back([w] { w->stop(); });
  s.restore_observers.push_back([w] { w->reload(); });
  s.status_sections.push_back([w](Json& out) { out["files"] = w->status_json(); });

  r.add_async(
      "files.track",
      {"Tracks a directory tree (or file) and indexes it.",
       {"files"},
       {param::str("path", kMaxRootPath, "an absolute path")
            .bytes()
            .with_schema(kPathSchema)
            .required(),
        param::str_list("include", kMaxGlobs, 1024, "globs to include"),
        param::str_list("exclude", kMaxGlobs, 1024, "globs to exclude"),
        param::boolean("gitignore", "honour .gitignore files (default true)")}},
      [&s, w](CallContext& ctx, const Json& params, Reply reply) {
        Params p(paths_as_str(params));
        auto raw = p.bytes("path", kMaxRootPath);
        auto include = p.opt_str_list("include", kMaxGlobs);
        auto exclude = p.opt_str_list("exclude", kMaxGlobs);
        auto gitignore = p.opt_bool("gitignore");
        if (Status st = p.finish(); !st.is_ok()) return reply(st);
        auto path = normal_path(raw);
        if (!path) return reply(path.status());
        struct stat st {};
        if (::stat(path->c_str(), &st) != 0) {
          return reply(invalid_params("cannot track " + *path + ": " + std::strerror(errno)));
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
          return reply(
              invalid_params("cannot track " + *path + ": not a directory or regular file"));
        }
        // proc, sysfs, cgroup, debugfs, ...: endless or blocking files that are no
        // one's documents (watchers/pseudo_fs.h).
        if (auto pseudo = watchers::pseudo_filesystem_at(*path)) {
          return reply(invalid_params("cannot track " + *path + ": it is on a " + *pseudo +
                                      " filesystem (a pseudo filesystem), which is never tracked"));
        }
        if (auto other = w->overlapping(*path)) {
          return reply(conflict(*path + " overlaps the tracked root " + other->spec.path +
                                "; untrack it first"));
        }
        RootSpec spec;
        spec.path = *path;
        spec.include = include.value_or(std::vector<std::string>{});
        spec.exclude = exclude.value_or(std::vector<std::string>{});
        spec.gitignore = gitignore.value_or(true);
        s.writer.submit(
            ctx.origin,
            [spec](store::WriteTxn& txn) -> Result<Json> {
              store::Db& db = txn.db();
              Json inc = spec.include, exc = spec.exclude;
              CAIRN_ASSIGN_OR_RETURN(
                  store::Stmt q, db.prepare("SELECT id, include, exclude, gitignore, active FROM "
                                            "roots WHERE path = ?1"));
              q.bind_all(spec.path);
              CAIRN_ASSIGN_OR_RETURN(bool found, q.step());
              Json now = root_row_json(spec);
              if (found) {
                int64_t id = q.int64(0);
                Json old{{"path", spec.path},
                         {"include", stored_json(q.text(1))},
                         {"exclude", stored_json(q.text(2))},
                         {"gitignore", q.int64(3) != 0}};
                bool active = q.int64(4) != 0;
                if (active && old == now) return Json{{"id", id}, {"changed", false}};
                CAIRN_ASSIGN_OR_RETURN(store::Stmt up,
                                       db.prepare("UPDATE roots SET include = ?2, exclude = ?3, "
                                                  "gitignore = ?4, active = 1 WHERE id = ?1"));
                CAIRN_RETURN_IF_ERROR(
                    up.bind_all(id, inc.dump(), exc.dump(), int64_t{spec.gitignore}).run());
                CAIRN_RETURN_IF_ERROR(txn.record("files", "tracked", "root:" + std::to_string(id),
                                                 active ? old : Json(), now,
                                                 {{"path", str_or_bin(spec.path)}})
                                          .status());
                return Json{{"id", id}, {"changed", true}};
              }
              CAIRN_ASSIGN_OR_RETURN(
                  store::Stmt ins,
                  db.prepare("INSERT INTO roots(path, include, exclude, gitignore, "
                             "created_at) VALUES(?1, ?2, ?3, ?4, ?5)"));
              CAIRN_RETURN_IF_ERROR(ins.bind_all(spec.path, inc.dump(), exc.dump(),
                                                 int64_t{spec.gitignore}, txn.now_ms())
                                        .run());
              int64_t id = db.last_insert_rowid();
              CAIRN_RETURN_IF_ERROR(txn.record("files", "tracked", "root:" + std::to_string(id),
                                               nullptr, now, {{"path", str_or_bin(spec.path)}})
                                        .status());
              return Json{{"id", id}, {"changed", true}};
            },
            [&s, w, spec, reply](Result<Json> res) mutable {
              // Writer thread: hand the outcome to the loop.
              s.poster.post([w, spec, reply, res = std::move(res)]() mutable {
                if (!res) return reply(res.status());
                spec.id = (*res)["id"].get<int64_t>();
                auto root = w->track(spec);
                reply(w->root_json(root));
              });
            });
      });

  r.add_async(
      "files.untrack",
      {"Stops tracking a root and forgets its files.",
       {"files"},
       {param::str("path", kMaxRootPath, "the tracked root")
            .bytes()
            .with_schema(kPathSchema)
            .required()}},
      [&s, w](CallContext& ctx, const Json& params, Reply reply) {
        Params p(paths_as_str(params));
        auto raw = p.bytes("path", kMaxRootPath);
        if (Status st = p.finish(); !st.is_ok()) return reply(st);
        auto path = normal_path(raw);
        if (!path) return reply(path.status());
        auto root = w->root_at(*path);
        if (!root) return reply(not_found("no tracked root " + *path));
        s.writer.submit(
            ctx.origin,
            [id = root->spec.id, spec = root->spec](store::WriteTxn& txn) -> Result<Json> {
              CAIRN_ASSIGN_OR_RETURN(store::Stmt up,
                                     txn.db().prepare("UPDATE roots SET active = 0 WHERE id = ?1"));
              CAIRN_RETURN_IF_ERROR(up.bind_all(id).run());
              CAIRN_RETURN_IF_ERROR(txn.record("files", "untracked", "root:" + std::to_string(id),
                                               root_row_json(spec), nullptr,
                                               {{"path", str_or_bin(spec.path)}})
                                        .status());
              return Json{{"untracked", true}, {"path", spec.path}, {"id", id}};
            },
            [&s, w, root, reply](Result<Json> res) mutable {
              s.poster.post([w, root, reply, res = std::move(res)]() mutable {
                if (res) w->untrack(root);
                reply(std::move(res));
              });
            });
      });

  r.add_loop("files.roots", {"Lists the tracked roots with their scan state.", {}, {}},
             [w](CallContext&, const Json& params) -> Result<Json> {
               Params p(paths_as_str(params));
               CAIRN_RETURN_IF_ERROR(p.finish());
               return Json{{"roots", w->roots_json()}};
             });

  r.add_loop("files.rescan",
             {"Rescans a tracked root now.",
              {},
              {param::str("path", kMaxFilePath, "the tracked root or a path below it")
                   .bytes()
                   .with_schema(kPathSchema)
                   .required()}},
             [w](CallContext&, const Json& params) -> Result<Json> {
               Params p(paths_as_str(params));
               auto raw = p.bytes("path", kMaxFilePath);
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(std::string path, normal_path(raw));
               auto root = w->root_for(path);
               if (!root) return not_found("no tracked root contains " + path);
               w->rescan(root, path);
               return w->root_json(root);
             });

  r.add_read("files.get",
             {"Reads one file row.",
              {},
              {param::str("path", kMaxFilePath, "an absolute path")
                   .bytes()
                   .with_schema(kPathSchema)
                   .required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(paths_as_str(params));
               auto raw = p.bytes("path", kMaxFilePath);
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(std::string path, normal_path(raw));
               CAIRN_ASSIGN_OR_RETURN(
                   store::Stmt * q,
                   db.cached("SELECT path, name, type, size, mtime_ns, inode, sha256, "
                             "is_text, status, error, gen, root_id, updated_at FROM files "
                             "WHERE path = ?1"));
               q->bind_all(path);
               CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
               if (!row) return not_found("no tracked file " + path);
               Json out = file_row(*q);
               // A statement left on a row keeps its read transaction (and so an old
               // snapshot) open for every later query on this connection.
               q->reset();
               return out;
             });

  r.add_read(
      "files.list",
      {"Lists file rows by path, a page at a time.",
       {},
       {param::str("root", kMaxRootPath, "only below this root").bytes().with_schema(kPathSchema),
        param::str("prefix", kMaxFilePath, "only paths starting so").bytes(),
        param::enumeration("type", {"file", "symlink", "other"}, "only this type"),
        param::enumeration("status", {"ok", "error", "deleted", "any"},
                           "only this status (default ok)"),
        param::integer("limit", 1, kMaxList, "most rows (default 1000)"),
        param::str("after", kMaxFilePath, "the last path of the previous page").bytes()}},
      [](store::Db& db, const Json& params) -> Result<Json> {
        Params p(paths_as_str(params));
        auto root = p.opt_bytes("root", kMaxRootPath);
        auto prefix = p.opt_bytes("prefix", kMaxFilePath);
        auto type = p.opt_enum("type", {"file", "symlink", "other"});
        auto status = p.opt_enum("status", {"ok", "error", "deleted", "any"});
        int64_t limit = p.opt_int("limit", 1, kMaxList).value_or(1000);
        auto after = p.opt_bytes("after", kMaxFilePath);
        CAIRN_RETURN_IF_ERROR(p.finish());
        std::optional<std::string> root_path;
        if (root) {
          CAIRN_ASSIGN_OR_RETURN(std::string rp, normal_path(*root));
          root_path = rp;
        }
        // A prefix is a path prefix; "after" is the last path of the previous page.
        std::string start = after.value_or("");
        // The default (no status) is spelled as the partial index files_live_by_path
        // is, so that deleted rows are never walked.
        std::string sql = std::string("SELECT ") + kFileCols +
                          " FROM files WHERE path > ?1 AND (?2 IS NULL OR (path >= ?2 AND "
                          "substr(path, 1, length(?2)) = ?2)) AND (?3 IS NULL OR root_id = (SELECT "
                          "id FROM roots WHERE path = ?3)) AND (?4 IS NULL OR type = ?4) AND " +
                          (!status            ? "?5 IS NULL AND status != 'deleted'"
                           : *status == "any" ? "?5 = 'any'"
                                              : "status = ?5") +
                          " ORDER BY path LIMIT ?6";
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
        q->bind_all(start, prefix, root_path, type, status, limit + 1);
        Json files = Json::array();
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
          if (!row) break;
          files.push_back(file_row(*q));
        }
        Json next;
        if (static_cast<int64_t>(files.size()) > limit) {
          files.erase(files.end() - 1);
          next = files.back()["path"];
        }
        return Json{{"files", std::move(files)}, {"next", next}};
      });
}

}  // namespace cairn
