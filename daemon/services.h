// Services: the daemon's components as handlers see them. Built by Daemon at
// startup and outlives every call. Each member says which thread may use it.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/loop_poster.h"
#include "daemon/config.h"
#include "daemon/hub.h"
#include "ipc/server.h"
#include "store/change.h"
#include "store/reader_pool.h"
#include "store/writer.h"

namespace cairn {

struct RequestStats {
  std::atomic<int64_t> served{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> slow{0};
  std::atomic<int64_t> in_flight{0};
};

struct Services {
  const Config& config;
  uv_loop_t* loop;                // loop thread
  LoopPoster& poster;             // any thread
  ipc::Server& server;            // loop thread
  Hub& hub;                       // loop thread
  store::Writer& writer;          // any thread (submit)
  store::ReaderPool& readers;     // any thread (submit)
  RequestStats& requests;         // any thread
  std::string db_id;
  int schema_version = 0;
  int64_t started_at_ms = 0;
  int64_t started_mono_ms = 0;
  std::function<void()> request_shutdown;  // loop thread
  // Extra sections for daemon.status, added by domains; run on the loop thread.
  std::vector<std::function<void(Json&)>> status_sections;
  Json last_retention;  // loop thread
  // Told of every committed batch of changes right after the hub published it
  // (loop thread): for workers that follow other domains' changes (the indexer)
  // and domains that react to their own (approvals.wait answering when a
  // decision commits). Must only hand work off.
  std::vector<std::function<void(const std::vector<store::Change>&)>> change_observers;
  // Called when a client connection closes (loop thread): for domains that
  // hold per-connection state, such as the waiters of approvals.wait.
  std::vector<std::function<void(ipc::ConnId)>> disconnect_observers;
  // SQL run after an import wrote its rows, in its transaction: a domain fills in
  // columns that copy a value kept in another table. Added at registration.
  std::vector<std::string> after_import;
  // Called after db.restore put another database file in place (loop thread,
  // readers reopened, before the reply): every component holding state read
  // from the database (roots, the index worker's connection, open waits)
  // starts over on the new file as it would at a start. Added at registration.
  std::vector<std::function<void()>> restore_observers;
  // Runs when the daemon stops, before the writer drains (loop thread).
  std::vector<std::function<void()>> on_shutdown;
};

}  // namespace cairn
