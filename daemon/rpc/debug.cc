// debug.*: diagnosis and fault injection for tests. Registered only with
// --debug-methods.
#include <thread>

#include "daemon/params.h"
#include "daemon/retention.h"
#include "daemon/rpc/register.h"

namespace cairn {

void register_debug(Registry& r, Services& s) {
  // Blocks the loop thread: shows that the watchdog stops while the loop hangs.
  r.add_loop("debug.block_loop", [](CallContext&, const Json& params) -> Result<Json> {
    Params p(params);
    int64_t ms = p.integer("ms", 0, 60000);
    CAIRN_RETURN_IF_ERROR(p.finish());
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return Json{{"blocked_ms", ms}};
  });
  // Runs the retention pass now (normally on a timer); its outcome shows in
  // daemon.status under "retention" once it has committed.
  r.add_loop("debug.run_retention", [&s](CallContext&, const Json& params) -> Result<Json> {
    Params p(params);
    CAIRN_RETURN_IF_ERROR(p.finish());
    run_retention(s);
    return Json{{"started", true}};
  });
  // Holds the writer for `ms` inside a transaction (group commit, backpressure).
  r.add_write("debug.hold_writer", [](store::WriteTxn&, const Json& params) -> Result<Json> {
    Params p(params);
    int64_t ms = p.integer("ms", 0, 60000);
    CAIRN_RETURN_IF_ERROR(p.finish());
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return Json{{"held_ms", ms}};
  });
}

}  // namespace cairn
