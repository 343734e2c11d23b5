// db.*: backup, restore, export, import, check, compact. Topic "db".
//
// Every method is async and runs through DbOps (one operation at a time, on a
// thread of its own, progress as events; db.cancel stops the running one).
// Paths are the daemon's: they must be absolute, since the daemon's working
// directory is not the client's. A path written (backup, export) passes
// check_write_target (never the daemon's own files, nothing inside the data
// directory but its backups, no symlink); a path read (restore, import) must
// not be one of the daemon's files and must be a regular file, opened without
// blocking. Every mistake in what a client names is INVALID_PARAMS or
// NOT_FOUND, never INTERNAL.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <sstream>

#include "base/clock.h"
#include "base/json_text.h"
#include "base/regular_file.h"
#include "base/uv_handle.h"
#include "daemon/db_ops.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "daemon/write_target.h"
#include "store/backup.h"
#include "store/check.h"
#include "store/export.h"
#include "store/restore.h"

namespace cairn {

namespace {

constexpr int kMaxProblems = 100;
// An import document is parsed whole in memory.
constexpr size_t kMaxImportBytes = size_t{256} << 20;

struct DbFamily {
  explicit DbFamily(Services& s) : ops(s) {}
  DbOps ops;
  UvHandle<uv_timer_t> schedule;
};

Status check_absolute(const std::optional<std::string>& path) {
  if (path && (path->empty() || (*path)[0] != '/')) {
    return invalid_params("path must be absolute (it is read by cairnd, not by the client)");
  }
  return Status::ok();
}

Status make_dirs(const std::string& dir) {
  std::string at;
  std::stringstream parts(dir);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    at += "/" + part;
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status(Code::kIoError, "cannot create " + at + ": " + std::strerror(errno));
    }
  }
  return Status::ok();
}

// The live database and its -wal and -shm may only be touched through SQLite
// (FACTS.md: even a plain open and close of one drops SQLite's locks), so a
// restore or an import never reads them, nor the daemon's other files.
Status check_not_daemon_file(const Services& s, const std::string& path) {
  if (is_daemon_file(s.config, path)) {
    return invalid_params(path +
                          " is one of cairnd's own files (the live database, its -wal or "
                          "-shm, the lock, socket, log or config); choose a backup or "
                          "export file");
  }
  return Status::ok();
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Runs `fn` on the writer's connection outside any transaction and waits for its
// result, giving up when the daemon stops.
template <typename T>
Result<T> on_writer(Services& s, Op& op, std::function<Result<T>(store::Db&)> fn) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  s.writer.submit_raw([promise, fn = std::move(fn)](store::Db& db) { promise->set_value(fn(db)); });
  // stop() runs every queued job, so the writer always answers; the bound is
  // for a writer stuck on a very large step while the daemon is stopping.
  while (future.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    if (op.cancelled()) {
      if (future.wait_for(std::chrono::seconds(30)) == std::future_status::ready) break;
      return op.cancelled_status();
    }
  }
  return future.get();
}

Result<Json> run_backup(Services& s, Op& op, std::optional<std::string> path,
                        std::optional<int64_t> keep, bool verify) {
  std::string dest;
  if (!path || is_dir(*path)) {
    std::string dir = path ? *path : s.config.backups_path();
    if (!path) CAIRN_RETURN_IF_ERROR(make_dirs(dir));
    dest = store::default_backup_path(dir, wall_ms());
  } else {
    dest = *path;
  }
  // The backup, its .tmp and its sidecar.
  for (const std::string& p : {dest, dest + ".tmp", dest + ".json"}) {
    CAIRN_RETURN_IF_ERROR(check_write_target(s.config, p));
  }
  store::BackupOptions o;
  o.verify = verify;
  o.progress = [&op](int64_t done, int64_t total) {
    op.progress(done, total, "pages");
    return !op.cancelled();
  };
  auto made = store::backup_database(s.config.db_path(), dest, o);
  if (!made && op.cancelled()) return op.cancelled_status();
  CAIRN_ASSIGN_OR_RETURN(store::BackupInfo info, std::move(made));
  Json out = info.to_json();
  out["pages"] = info.pages;
  out["verified"] = verify;
  if (keep) {
    out["removed"] = store::rotate_backups(store::dir_of(dest), static_cast<int>(*keep));
  }
  spdlog::info("backup {} ({} bytes, schema {})", info.path, info.bytes, info.schema_version);
  return out;
}

void start_restore(Services& s, std::shared_ptr<Op> op, const std::string& path) {
  if (Status st = check_not_daemon_file(s, path); !st.is_ok()) return op->finish(st);
  store::BackupOptions o;
  o.progress = [&op](int64_t done, int64_t total) {
    op->progress(done, total, "pages");
    return !op->cancelled();
  };
  auto prepared = store::prepare_restore(path, s.config.db_path(), o);
  if (!prepared && op->cancelled()) return op->finish(op->cancelled_status());
  if (!prepared) return op->finish(prepared.status());
  auto p = std::make_shared<store::PreparedRestore>(*prepared);
  Services* sp = &s;
  // On the writer thread, in its place among the writes: the writer's
  // connection is handed over, the readers close theirs, the files are swapped.
  s.writer.submit_reopen([sp, op, p](std::unique_ptr<store::Db> current) {
    sp->readers.pause();
    auto out = std::make_shared<store::SwapOutcome>(
        store::swap_database(std::move(current), *p, wall_ms()));
    std::unique_ptr<store::Db> db = std::move(out->db);
    bool swapped = !out->kept_aside.empty();
    if (swapped) sp->writer.mark_replaced();
    if (!swapped) ::unlink(p->tmp_path.c_str());
    sp->poster.post([sp, op, p, out, swapped] {
      // Readers are paused until here, so none reads db_id while it changes.
      if (swapped) {
        sp->db_id = out->db_id;
        sp->schema_version = p->schema_version;
      }
      if (Status st = sp->readers.resume(); !st.is_ok()) {
        spdlog::error("readers could not reopen the database after restore: {}", st.message());
      }
      if (!swapped) return op->finish(out->status);
      spdlog::info("restored {} (old database kept as {})", p->source, out->kept_aside);
      // Every component with state read from the old file starts over on the
      // new one, as at a start on it.
      for (const auto& reload : sp->restore_observers) reload();
      std::vector<std::string> removed = store::remove_old_restore_copies(
          sp->config.db_path(), sp->config.restore_keep, out->kept_aside);
      for (const auto& r : removed) spdlog::info("removed the old restore copy {}", r);
      Json result{{"path", p->source},
                  {"kept_aside", out->kept_aside},
                  {"schema_version", p->schema_version},
                  {"source_schema_version", p->source_version},
                  {"db_id", out->db_id},
                  {"removed", removed}};
      if (!out->status.is_ok()) result["warning"] = out->status.to_string();
      // The restore is itself a change: recorded in the restored database, so a
      // subscriber sees an event and a later changes.since finds it.
      sp->writer.submit(
          "restore",
          [result](store::WriteTxn& txn) -> Result<Json> {
            CAIRN_RETURN_IF_ERROR(txn.record("db", "restored", result["db_id"].get<std::string>(),
                                             nullptr, nullptr, result)
                                      .status());
            return result;
          },
          [op, result](Result<Json> r) {
            op->finish(r ? Result<Json>(result) : Result<Json>(r.status()));
          });
    });
    return db;
  });
}

Result<Json> run_export(Services& s, Op& op, const std::optional<std::vector<std::string>>& tables,
                        const std::optional<std::string>& path) {
  if (path) {
    CAIRN_RETURN_IF_ERROR(check_write_target(s.config, *path));
    CAIRN_RETURN_IF_ERROR(check_write_target(s.config, *path + ".tmp"));
  }
  CAIRN_ASSIGN_OR_RETURN(auto db, store::Db::open(s.config.db_path(), store::OpenMode::kReadOnly));
  op.watch(*db);
  // One read transaction: every table from the same snapshot.
  CAIRN_RETURN_IF_ERROR(db->exec("BEGIN"));
  auto doc = store::export_database(*db, tables);
  (void)db->exec("COMMIT");
  if (!doc) return doc.status();
  if (!path) return *doc;
  Json counts = Json::object();
  for (const auto& [name, body] : (*doc)["tables"].items()) counts[name] = body["rows"].size();
  std::string text = doc->dump();
  CAIRN_RETURN_IF_ERROR(store::write_file_atomic(*path, text + "\n"));
  return Json{{"path", *path},
              {"bytes", static_cast<int64_t>(text.size() + 1)},
              {"schema_version", (*doc)["schema_version"]},
              {"tables", counts},
              {"skipped", (*doc)["skipped"]}};
}

Result<Json> read_document(const Services& s, const std::string& path) {
  CAIRN_RETURN_IF_ERROR(check_not_daemon_file(s, path));
  CAIRN_ASSIGN_OR_RETURN(std::string text,
                         read_regular_file(path, "import document", kMaxImportBytes));
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid_params(path + " is not a JSON document");
  // Tables, rows and values take 4 levels; anything deeper is not an export and
  // would be walked recursively later.
  if (json_depth(doc, 8) > 8) {
    return invalid_params(path + " is not a cairn export: nested deeper than 8 levels");
  }
  return doc;
}

Result<Json> run_check(Services& s, Op& op) {
  CAIRN_ASSIGN_OR_RETURN(auto db, store::Db::open(s.config.db_path(), store::OpenMode::kReadOnly));
  op.watch(*db);
  Json problems = Json::array();
  op.progress(0, 3, "checks");
  CAIRN_ASSIGN_OR_RETURN(auto integrity, store::integrity_problems(*db, kMaxProblems));
  for (auto& p : integrity) problems.push_back(std::move(p));
  op.progress(1, 3, "checks");
  CAIRN_ASSIGN_OR_RETURN(auto fks, store::foreign_key_problems(*db, kMaxProblems));
  for (auto& p : fks) problems.push_back(std::move(p));
  op.progress(2, 3, "checks");
  CAIRN_ASSIGN_OR_RETURN(auto fts, store::fts5_tables(*db));
  db.reset();
  // One writer job per index, so client writes go on between them.
  for (const auto& t : fts) {
    CAIRN_ASSIGN_OR_RETURN(
        Json p, on_writer<Json>(s, op, [t](store::Db& w) { return store::fts5_problem(w, t); }));
    if (!p.is_null()) problems.push_back(std::move(p));
  }
  op.progress(3, 3, "checks");
  return Json{
      {"ok", problems.empty()},
      {"problems", problems},
      {"checked", Json{{"integrity_check", true}, {"foreign_key_check", true}, {"fts5", fts}}}};
}

Result<Json> run_compact(Services& s, Op& op, bool full, bool rebuild_fts) {
  CAIRN_ASSIGN_OR_RETURN(auto db, store::Db::open(s.config.db_path(), store::OpenMode::kReadOnly));
  CAIRN_ASSIGN_OR_RETURN(store::DbSizes before, store::db_sizes(*db));
  CAIRN_ASSIGN_OR_RETURN(auto fts, store::fts5_tables(*db));
  CAIRN_ASSIGN_OR_RETURN(int64_t auto_vacuum, db->query_int("PRAGMA auto_vacuum"));
  db.reset();  // an idle connection would not stop the checkpoint, but none is better
  Json steps = Json::array();
  int64_t total = static_cast<int64_t>(fts.size()) + 2;
  int64_t done = 0;
  for (const auto& t : fts) {
    op.progress(done++, total, "steps");
    CAIRN_ASSIGN_OR_RETURN(
        bool ok, on_writer<bool>(s, op, [t, rebuild_fts](store::Db& w) -> Result<bool> {
          if (rebuild_fts) {
            std::string q = store::quote_identifier(t);
            CAIRN_RETURN_IF_ERROR(w.exec("INSERT INTO " + q + "(" + q + ") VALUES('rebuild')"));
          }
          CAIRN_RETURN_IF_ERROR(store::fts5_optimize(w, t));
          return true;
        }));
    (void)ok;
    steps.push_back((rebuild_fts ? "fts5 rebuild and optimize " : "fts5 optimize ") + t);
  }
  op.progress(done++, total, "steps");
  if (full) {
    CAIRN_RETURN_IF_ERROR(on_writer<bool>(s, op, [](store::Db& w) -> Result<bool> {
                            w.reset_statements();
                            CAIRN_RETURN_IF_ERROR(w.exec("VACUUM"));
                            return true;
                          }).status());
    steps.push_back("vacuum");
  } else if (auto_vacuum == 2) {
    CAIRN_RETURN_IF_ERROR(on_writer<bool>(s, op, [](store::Db& w) -> Result<bool> {
                            CAIRN_RETURN_IF_ERROR(w.exec("PRAGMA incremental_vacuum"));
                            return true;
                          }).status());
    steps.push_back("incremental vacuum");
  }
  op.progress(done++, total, "steps");
  CAIRN_ASSIGN_OR_RETURN(Json ck, on_writer<Json>(s, op, [](store::Db& w) -> Result<Json> {
                           w.reset_statements();
                           CAIRN_ASSIGN_OR_RETURN(store::Stmt q,
                                                  w.prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
                           CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
                           if (!row) return Json::object();
                           return Json{{"busy", q.int64(0) != 0},
                                       {"wal_frames", q.int64(1)},
                                       {"checkpointed_frames", q.int64(2)}};
                         }));
  steps.push_back("wal checkpoint");
  op.progress(total, total, "steps");
  CAIRN_ASSIGN_OR_RETURN(db, store::Db::open(s.config.db_path(), store::OpenMode::kReadOnly));
  CAIRN_ASSIGN_OR_RETURN(store::DbSizes after, store::db_sizes(*db));
  Json out{{"before", before.to_json()},
           {"after", after.to_json()},
           {"steps", steps},
           {"checkpoint", ck}};
  if (!full && auto_vacuum != 2 && after.freelist_pages > 0) {
    out["note"] = std::to_string(after.freelist_pages) +
                  " free pages stay in the file; `cairn compact --full` (VACUUM) returns them "
                  "to the filesystem but makes writes wait while it rewrites the file";
  }
  return out;
}

void schedule_backups(std::shared_ptr<DbFamily> fam, Services& s) {
  if (s.config.backup_interval_s <= 0) return;
  fam->schedule.init([&](uv_timer_t* t) { return uv_timer_init(s.loop, t); });
  fam->schedule.get()->data = fam.get();
  uint64_t every = static_cast<uint64_t>(s.config.backup_interval_s) * 1000;
  uv_timer_start(
      fam->schedule.get(),
      [](uv_timer_t* t) {
        auto* f = static_cast<DbFamily*>(t->data);
        Services& sv = f->ops.services();
        f->ops.start(
            "backup",
            [&sv](std::shared_ptr<Op> op) {
              op->finish(run_backup(sv, *op, std::nullopt, sv.config.backup_keep, false));
            },
            [](Result<Json> r) {
              if (!r) spdlog::warn("scheduled backup: {}", r.status().to_string());
            });
      },
      every, every);
}

}  // namespace

void register_db(Registry& r, Services& s) {
  s.hub.add_topic("db");
  auto fam = std::make_shared<DbFamily>(s);
  s.on_shutdown.push_back([fam] {
    fam->schedule.close();
    fam->ops.shutdown();
  });
  s.status_sections.push_back([fam](Json& out) { out["db_ops"] = fam->ops.status(); });
  schedule_backups(fam, s);
  Services* sp = &s;

  r.add_async("db.backup",
              {"Writes a verified online backup of the database.",
               {"db"},
               {param::str("path", 4096, "the backup file (default: the backup directory)").bytes(),
                param::integer("keep", 1, 100000, "backups to keep in the backup directory"),
                param::boolean("verify", "check the copy after writing it")}},
              [fam, sp](CallContext&, const Json& params, Reply reply) {
                Params p(params);
                auto path = p.opt_bytes("path", 4096);
                auto keep = p.opt_int("keep", 1, 100000);
                bool verify = p.opt_bool("verify").value_or(false);
                Status st = p.finish();
                if (st.is_ok()) st = check_absolute(path);
                if (!st.is_ok()) return reply(st);
                fam->ops.start(
                    "backup",
                    [sp, path, keep, verify](std::shared_ptr<Op> op) {
                      op->finish(run_backup(*sp, *op, path, keep, verify));
                    },
                    std::move(reply));
              });

  r.add_async("db.restore",
              {"Replaces the database with a backup.",
               {"db"},
               {param::str("path", 4096, "the backup file")
                    .bytes()
                    .with_schema({{"examples", {"/nonexistent/cairn.db"}}})
                    .required()}},
              [fam, sp](CallContext&, const Json& params, Reply reply) {
                Params p(params);
                auto path = p.bytes("path", 4096);
                Status st = p.finish();
                if (st.is_ok()) st = check_absolute(path);
                if (!st.is_ok()) return reply(st);
                fam->ops.start(
                    "restore", [sp, path](std::shared_ptr<Op> op) { start_restore(*sp, op, path); },
                    std::move(reply));
              });

  r.add_async("db.export",
              {"Exports tables as a JSON document (returned, or written to path).",
               {},
               {param::str_list("tables", 1000, 256, "only these tables"),
                param::str("path", 4096, "write the document here").bytes()}},
              [fam, sp](CallContext&, const Json& params, Reply reply) {
                Params p(params);
                auto tables = p.opt_str_list("tables", 1000, 256);
                auto path = p.opt_bytes("path", 4096);
                Status st = p.finish();
                if (st.is_ok()) st = check_absolute(path);
                if (!st.is_ok()) return reply(st);
                fam->ops.start(
                    "export",
                    [sp, tables, path](std::shared_ptr<Op> op) {
                      op->finish(run_export(*sp, *op, tables, path));
                    },
                    std::move(reply));
              });

  r.add_async(
      "db.import",
      {"Imports an exported document, merging or replacing.",
       {"db"},
       {param::any("document", {{"type", "object"}}, "the exported document (or path)"),
        param::str("path", 4096, "a file holding the document")
            .bytes()
            .with_schema({{"examples", {"/nonexistent/cairn-export.json"}}}),
        param::enumeration("mode", {"merge", "replace"}, "merge into or replace what is stored")
            .required()},
       {{"oneOf", {{{"required", {"path"}}}, {{"required", {"document"}}}}}}},
      [fam, sp](CallContext& ctx, const Json& params, Reply reply) {
        Params p(params);
        auto document = p.opt_any("document");
        auto path = p.opt_bytes("path", 4096);
        auto mode = p.enumeration("mode", {"merge", "replace"});
        Status st = p.finish();
        if (st.is_ok()) st = check_absolute(path);
        if (st.is_ok() && !document == !path)
          st = invalid_params("give document or path (one of them)");
        if (!st.is_ok()) return reply(st);
        auto doc = std::make_shared<Json>(document ? std::move(*document) : Json());
        auto m = mode == "merge" ? store::ImportMode::kMerge : store::ImportMode::kReplace;
        fam->ops.start(
            "import",
            [sp, doc, path, m, origin = ctx.origin](std::shared_ptr<Op> op) {
              if (path) {
                auto read = read_document(*sp, *path);
                if (!read) return op->finish(read.status());
                *doc = std::move(*read);
              }
              // Checked here first, so a bad document never occupies the writer.
              auto db = store::Db::open(sp->config.db_path(), store::OpenMode::kReadOnly);
              if (!db) return op->finish(db.status());
              if (Status v = store::validate_import(**db, *doc); !v.is_ok()) return op->finish(v);
              db->reset();
              op->progress(0, 1, "transactions");
              sp->writer.submit(
                  origin.empty() ? "import" : origin,
                  [doc, m, sp](store::WriteTxn& txn) {
                    return store::import_database(txn, *doc, m, sp->after_import);
                  },
                  [op](Result<Json> r) { op->finish(std::move(r)); });
            },
            std::move(reply));
      });

  r.add_loop("db.cancel",
             {"Cancels the running db operation: a copy stops at its next step.", {"db"}, {}},
             [fam](CallContext&, const Json& params) -> Result<Json> {
               Params p(params);
               CAIRN_RETURN_IF_ERROR(p.finish());
               std::string name = fam->ops.cancel();
               return Json{{"cancelled", name.empty() ? Json() : Json(name)}};
             });

  r.add_async("db.check", {"Checks the database's integrity and foreign keys.", {}, {}},
              [fam, sp](CallContext&, const Json& params, Reply reply) {
                Params p(params);
                Status st = p.finish();
                if (!st.is_ok()) return reply(st);
                fam->ops.start(
                    "check", [sp](std::shared_ptr<Op> op) { op->finish(run_check(*sp, *op)); },
                    std::move(reply));
              });

  r.add_async("db.compact",
              {"Checkpoints and vacuums the database.",
               {},
               {param::boolean("full", "VACUUM the whole file"),
                param::boolean("rebuild_fts", "rebuild the full-text indexes")}},
              [fam, sp](CallContext&, const Json& params, Reply reply) {
                Params p(params);
                bool full = p.opt_bool("full").value_or(false);
                bool rebuild = p.opt_bool("rebuild_fts").value_or(false);
                Status st = p.finish();
                if (!st.is_ok()) return reply(st);
                fam->ops.start(
                    "compact",
                    [sp, full, rebuild](std::shared_ptr<Op> op) {
                      op->finish(run_compact(*sp, *op, full, rebuild));
                    },
                    std::move(reply));
              });
}

}  // namespace cairn
