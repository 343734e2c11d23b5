// DaemonLink: the bridge's one request connection to cairnd. Connects on first
// use (starting the daemon through `start` when nothing answers and starting is
// allowed), and after the connection breaks it answers that call with
// "daemon unavailable" and connects again on the next call.
//
// Owned by the Server; used from the protocol thread only (ipc::Client is one
// thread at a time). The change watcher has a connection of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "ipc/client.h"

namespace cairn::mcp {

struct LinkOptions {
  std::string socket;
  // Starts cairnd for `socket` (the CLI's spawn_daemon); empty: never start it.
  std::function<Status()> start_daemon;
  int timeout_ms = 30000;
};

class DaemonLink {
 public:
  explicit DaemonLink(LinkOptions options) : options_(std::move(options)) {}

  // Calls `method` with `args`. A lost or absent daemon is IO_ERROR whose
  // message starts with "daemon unavailable"; the daemon's own errors come as
  // their codes. `timeout_ms` < 0 uses the configured timeout.
  Result<Json> call(std::string_view method, const Json& args, int timeout_ms = -1);
  // daemon.describe's reply, fetched once; null when the daemon has no such
  // method (an older cairnd) or cannot be reached now (fetched again later).
  const Json& describe();
  // True once describe() has had an answer (a description or "none").
  bool described() const { return describe_known_; }
  // describe()'s entry for `method`, or null.
  Json method_schema(std::string_view method);
  const LinkOptions& options() const { return options_; }

 private:
  Result<ipc::Client*> client();

  LinkOptions options_;
  std::optional<ipc::Client> client_;
  Json describe_;
  bool describe_known_ = false;
  int64_t describe_retry_at_ = 0;  // monotonic ms before which describe() does not ask again
};

// True for the status DaemonLink returns when no daemon could be reached.
bool is_unavailable(const Status& status);

}  // namespace cairn::mcp
