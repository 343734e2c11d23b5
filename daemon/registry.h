// Registry: the one explicit table of RPC methods (daemon/rpc/register.cc fills
// it). Each method says where it runs:
//   loop   on the loop thread: only cheap, non-blocking work (ping, subscribe);
//   read   on a reader thread with a read-only connection;
//   write  on the writer thread inside a transaction; replied after commit;
//   async  on the loop thread with a reply callback, for calls that finish later
//          (waiting for a decision, a scan).
// Built once at startup; read-only afterwards, so any thread may look up.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "daemon/method_spec.h"
#include "ipc/server.h"
#include "store/db.h"
#include "store/writer.h"

namespace cairn {

struct Services;

struct CallContext {
  ipc::ConnId conn = 0;
  std::string origin;  // "pid:1234" of the client, recorded in the changelog
};

using Reply = std::function<void(Result<Json>)>;  // loop thread; call exactly once
using LoopHandler = std::function<Result<Json>(CallContext&, const Json& params)>;
using ReadHandler = std::function<Result<Json>(store::Db&, const Json& params)>;
using WriteHandler = std::function<Result<Json>(store::WriteTxn&, const Json& params)>;
using AsyncHandler = std::function<void(CallContext&, const Json& params, Reply reply)>;

// What a method has cost so far: calls and the time its handler ran (on the
// loop, a reader or the writer; queueing not included). Any thread.
struct MethodCost {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> busy_us{0};
  void add(int64_t us) {
    ++calls;
    busy_us += us;
  }
};

struct Method {
  std::string name;
  MethodSpec spec;
  std::variant<LoopHandler, ReadHandler, WriteHandler, AsyncHandler> handler;
  store::Durability durability = store::Durability::kFull;  // write methods
  std::shared_ptr<MethodCost> cost = std::make_shared<MethodCost>();
};

class Registry {
 public:
  // Each method comes with its MethodSpec: the handler runs only for calls the
  // spec accepts (INVALID_PARAMS otherwise), on the thread the handler runs on.
  void add_loop(std::string name, MethodSpec spec, LoopHandler h);
  void add_read(std::string name, MethodSpec spec, ReadHandler h);
  void add_write(std::string name, MethodSpec spec, WriteHandler h,
                 store::Durability d = store::Durability::kFull);
  void add_async(std::string name, MethodSpec spec, AsyncHandler h);

  const Method* find(const std::string& name) const;
  std::vector<std::string> names() const;
  // {name: {calls, busy_ms}} of every method called at least once.
  Json costs() const;
  // Capabilities announced by daemon.hello: the domains that have methods.
  std::vector<std::string> capabilities() const;
  // "read" (loop and read methods), "write" or "async".
  static const char* kind(const Method& m);
  // daemon.describe's `methods`: [{name, kind, description, params, topics}]
  // sorted by name; only `only` when it is not empty (an unknown name gives []).
  Json describe(const std::string& only = "") const;

 private:
  void add(Method m);
  std::map<std::string, Method> methods_;
};

}  // namespace cairn
