// daemon.*: hello, ping, status, shutdown. All run on the loop thread and only
// read counters, so they answer even while the writer is busy.
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "store/sqlite_status.h"

namespace cairn {

namespace {

constexpr int kProtocolVersion = 1;  // bump on any incompatible change to ipc/README.md

// Where the process's memory goes: SQLite's heap (mostly page caches, up to
// 2 MiB per connection) and the C heap in use and free (glibc's mallinfo2).
Json memory() {
  Json out{{"sqlite_bytes", store::sqlite_heap_bytes()},
           {"sqlite_peak_bytes", store::sqlite_heap_peak_bytes()}};
#if defined(__GLIBC__)
  struct mallinfo2 mi = ::mallinfo2();
  out["heap_in_use_bytes"] = static_cast<int64_t>(mi.uordblks + mi.hblkhd);
  out["heap_free_bytes"] = static_cast<int64_t>(mi.fordblks);
#endif
  return out;
}

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

void register_daemon(Registry& r, Services& s) {
  r.add_loop("daemon.hello",
             {"Greets the daemon: its protocol number, version, domains and method names.", {}, {}},
             [&r](CallContext&, const Json& /*params*/) -> Result<Json> {
               return Json{{"protocol", kProtocolVersion},
                           {"version", CAIRN_VERSION},
                           {"capabilities", r.capabilities()},
                           {"methods", r.names()}};
             });

  r.add_loop("daemon.describe",
             {"Describes every method (kind, parameters as JSON Schema, topics), the error codes "
              "and the event topics.",
              {},
              {param::str("method", 256, "only this method")}},
             [&r, &s](CallContext&, const Json& params) -> Result<Json> {
               Args a(params);
               Json errors = Json::array();
               for (Code c : kAllErrorCodes) {
                 errors.push_back({{"code", code_name(c)},
                                   {"kind", caller_fault(c) ? 1 : 0},
                                   {"description", code_description(c)}});
               }
               const auto& topics = s.hub.topics();
               return Json{
                   {"protocol", kProtocolVersion},
                   {"version", CAIRN_VERSION},
                   {"methods", r.describe(a.str("method"))},
                   {"errors", errors},
                   {"topics", Json(std::vector<std::string>(topics.begin(), topics.end()))}};
             });

  r.add_loop("daemon.ping", {"Answers \"pong\": a liveness check.", {}, {}},
             [](CallContext&, const Json& /*params*/) -> Result<Json> { return Json("pong"); });

  r.add_loop(
      "daemon.status",
      {"Reports the daemon's state: database, connections, requests, writer, memory, per-domain "
       "sections.",
       {},
       {}},
      [&s, &r](CallContext&, const Json& /*params*/) -> Result<Json> {
        const auto& w = s.writer.stats();
        const auto& srv = s.server.stats();
        std::string degraded = s.writer.degraded();
        Json out{
            {"pid", getpid()},
            {"version", CAIRN_VERSION},
            {"protocol", kProtocolVersion},
            {"started_at", format_iso8601(s.started_at_ms)},
            {"uptime_ms", monotonic_ms() - s.started_mono_ms},
            {"socket", s.config.socket_path},
            {"data_dir", s.config.data_dir},
            {"database",
             {{"path", s.config.db_path()},
              {"bytes", file_size(s.config.db_path())},
              {"wal_bytes", file_size(s.config.db_path() + "-wal")},
              {"schema_version", s.schema_version},
              {"db_id", s.db_id},
              {"state", degraded.empty() ? "ok" : "degraded"},
              {"error", degraded.empty() ? Json() : Json(degraded)}}},
            {"connections",
             {{"open", srv.connections.load()},
              {"accepted", srv.accepted.load()},
              {"refused", srv.refused.load()},
              {"protocol_errors", srv.protocol_errors.load()},
              {"slow_readers", srv.slow_readers.load()},
              {"subscribers", s.hub.subscriber_count()}}},
            {"requests",
             {{"served", s.requests.served.load()},
              {"errors", s.requests.errors.load()},
              {"slow", s.requests.slow.load()},
              {"in_flight", s.requests.in_flight.load()}}},
            {"writer",
             {{"commits", w.commits.load()},
              {"jobs", w.jobs.load()},
              {"queued", w.queued.load()},
              {"failed_commits", w.failed_commits.load()},
              {"largest_group", w.max_group.load()},
              {"wal_truncates", w.wal_truncates.load()},
              {"longest_background_ms", w.longest_background_ms.load()}}},
            {"readers", {{"threads", s.config.reader_threads}, {"queued", s.readers.queued()}}},
            {"memory", memory()},
            {"methods", r.costs()},
            {"retention", s.last_retention},
        };
        for (const auto& section : s.status_sections) section(out);
        return out;
      });

  r.add_loop("daemon.shutdown", {"Stops the daemon after in-flight work drains (exits 0).", {}, {}},
             [&s](CallContext&, const Json& /*params*/) -> Result<Json> {
               // Posted, so this reply is queued before the connections stop.
               s.poster.post([&s] { s.request_shutdown(); });
               return Json{{"stopping", true}};
             });
}

}  // namespace cairn
