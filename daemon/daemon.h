// Daemon: cairnd's lifecycle. Startup order: lock the data directory, open and
// migrate the database, start the writer and readers, claim the socket (or take
// the one systemd passed), listen, notify READY. Shutdown (SIGTERM, SIGINT,
// daemon.shutdown): stop accepting and reading, let requests in flight finish
// and be answered (at most a few seconds), close connections, drain the writer,
// remove the socket, exit 0.
// Construct and run on the main thread, which becomes the loop thread.
#pragma once

#include <uv.h>

#include <memory>

#include "base/fd.h"
#include "base/loop_poster.h"
#include "base/status.h"
#include "base/uv_handle.h"
#include "daemon/config.h"
#include "daemon/dispatcher.h"
#include "daemon/hub.h"
#include "daemon/registry.h"
#include "daemon/services.h"
#include "ipc/server.h"
#include "store/reader_pool.h"
#include "store/writer.h"

namespace cairn {

class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();

  // Runs until shutdown. Returns the process exit code.
  int run();

 private:
  Status start();
  void begin_shutdown(const char* why);
  void finish_shutdown();
  void start_timers();

  Config config_;
  uv_loop_t loop_{};
  Fd data_lock_;
  Fd socket_lock_;
  bool bound_socket_ = false;
  std::unique_ptr<LoopPoster> poster_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::ReaderPool> readers_;
  std::unique_ptr<ipc::Server> server_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Dispatcher> dispatcher_;
  RequestStats requests_;
  UvHandle<uv_signal_t> sigterm_;
  UvHandle<uv_signal_t> sigint_;
  UvHandle<uv_timer_t> watchdog_;
  UvHandle<uv_timer_t> drain_;
  UvHandle<uv_timer_t> retention_;
  UvHandle<uv_timer_t> trim_;
  bool shutting_down_ = false;
  int64_t shutdown_deadline_ms_ = 0;
};

}  // namespace cairn
