// debug.*: diagnosis and fault injection for tests. Registered only with
// --debug-methods.
#include <functional>
#include <thread>

#include "daemon/params.h"
#include "daemon/retention.h"
#include "daemon/rpc/register.h"

namespace cairn {
namespace {

// The settings every connection must run with (RELIABILITY.md row 10), as this
// connection sees them.
Result<Json> connection_pragmas(store::Db& db) {
  Json out = Json::object();
  CAIRN_ASSIGN_OR_RETURN(store::Stmt mode, db.prepare("PRAGMA journal_mode"));
  CAIRN_ASSIGN_OR_RETURN(bool row, mode.step());
  out["journal_mode"] = row ? Json(mode.text(0)) : Json();
  for (const char* name : {"foreign_keys", "trusted_schema", "busy_timeout", "synchronous",
                           "query_only", "journal_size_limit", "mmap_size"}) {
    CAIRN_ASSIGN_OR_RETURN(int64_t v, db.query_int(std::string("PRAGMA ") + name));
    out[name] = v;
  }
  out["thread"] = static_cast<int64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()) &
                                       0x7fffffff);
  return out;
}

}  // namespace

void register_debug(Registry& r, Services& s) {
  // Blocks the loop thread: shows that the watchdog stops while the loop hangs.
  r.add_loop("debug.block_loop",
             {"Blocks the event loop for ms (debug).",
              {},
              {param::integer("ms", 0, 60000, "how long").required()}},
             [](CallContext&, const Json& params) -> Result<Json> {
               Args a(params);
               int64_t ms = a.integer("ms");
               std::this_thread::sleep_for(std::chrono::milliseconds(ms));
               return Json{{"blocked_ms", ms}};
             });
  // Runs the retention pass now (normally on a timer); its outcome shows in
  // daemon.status under "retention" once it has committed.
  r.add_loop("debug.run_retention", {"Runs the retention pass now (debug).", {}, {}},
             [&s](CallContext&, const Json& /*params*/) -> Result<Json> {
               run_retention(s);
               return Json{{"started", true}};
             });
  // Holds the writer for `ms` inside a transaction (group commit, backpressure).
  r.add_write("debug.hold_writer",
              {"Holds the writer for ms (debug).",
               {},
               {param::integer("ms", 0, 60000, "how long").required()}},
              [](store::WriteTxn&, const Json& params) -> Result<Json> {
                Args a(params);
                int64_t ms = a.integer("ms");
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                return Json{{"held_ms", ms}};
              });
  // The pragmas of the reader connection that runs the call; `ms` keeps that
  // reader busy so that concurrent calls land on every reader.
  r.add_read("debug.reader_pragmas",
             {"Reports a reader connection's settings after sleeping ms (debug).",
              {},
              {param::integer("ms", 0, 10000, "sleep first")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Args a(params);
               int64_t ms = a.opt_int("ms").value_or(0);
               std::this_thread::sleep_for(std::chrono::milliseconds(ms));
               return connection_pragmas(db);
             });
  // The pragmas of the writer connection, inside a client (FULL) write.
  r.add_write("debug.writer_pragmas", {"Reports the writer connection's settings (debug).", {}, {}},
              [](store::WriteTxn& txn, const Json& /*params*/) -> Result<Json> {
                return connection_pragmas(txn.db());
              });
}

}  // namespace cairn
