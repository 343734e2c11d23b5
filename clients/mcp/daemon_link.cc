#include "clients/mcp/daemon_link.h"

#include "base/clock.h"

namespace cairn::mcp {
namespace {

constexpr std::string_view kUnavailable = "daemon unavailable";

Status unavailable(const std::string& why) {
  return Status(Code::kIoError,
                std::string(kUnavailable) + ": " + why + " (the next call connects again)");
}

}  // namespace

bool is_unavailable(const Status& status) {
  return status.code() == Code::kIoError && status.message().rfind(kUnavailable, 0) == 0;
}

Result<ipc::Client*> DaemonLink::client() {
  if (client_) return &*client_;
  auto c = ipc::Client::connect(options_.socket, 2000);
  if (!c && options_.start_daemon) {
    Status started = options_.start_daemon();
    if (!started.is_ok()) return unavailable(started.message());
    c = ipc::Client::connect(options_.socket, 2000);
  }
  if (!c) return unavailable(c.status().message());
  client_.emplace(std::move(*c));
  return &*client_;
}

Result<Json> DaemonLink::call(std::string_view method, const Json& args, int timeout_ms) {
  CAIRN_ASSIGN_OR_RETURN(ipc::Client * c, client());
  auto r = c->call(method, args, timeout_ms < 0 ? options_.timeout_ms : timeout_ms);
  if (r || r.status().code() != Code::kIoError) return r;
  // IO_ERROR is either the daemon's own answer (a failed commit) or a broken
  // connection: a ping on the same connection tells them apart.
  if (c->call("daemon.ping", nullptr, 1000)) return r;
  client_.reset();
  return unavailable(r.status().message());
}

const Json& DaemonLink::describe() {
  if (describe_known_) return describe_;
  // While the daemon is away, a tools/list asks once, not once per tool.
  int64_t now = monotonic_ms();
  if (now < describe_retry_at_) return describe_;
  describe_retry_at_ = now + 5000;
  auto r = call("daemon.describe", nullptr);
  if (r) {
    describe_ = std::move(*r);
    describe_known_ = true;
  } else if (!is_unavailable(r.status())) {
    describe_ = nullptr;  // METHOD_NOT_FOUND: an older daemon; tables' own schemas serve
    describe_known_ = true;
  }
  return describe_;
}

Json DaemonLink::method_schema(std::string_view method) {
  const Json& d = describe();
  if (!d.is_object() || !d.contains("methods") || !d["methods"].is_array()) return nullptr;
  for (const auto& m : d["methods"]) {
    if (m.is_object() && m.value("name", "") == method) return m;
  }
  return nullptr;
}

}  // namespace cairn::mcp
