#include "daemon/daemon.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "base/clock.h"
#include "base/private_mode.h"
#include "daemon/instance_lock.h"
#include "daemon/retention.h"
#include "daemon/rpc/register.h"
#include "indexer/ranking.h"
#include "store/store.h"

namespace cairn {

namespace {

constexpr uint64_t kTrimEveryMs = 60000;  // malloc_trim, see start_timers

// A listening socket passed by systemd (LISTEN_PID/LISTEN_FDS), else -1.
int inherited_socket() {
  if (sd_listen_fds(0) != 1) return -1;  // also checks LISTEN_PID
  int fd = SD_LISTEN_FDS_START;
  if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    spdlog::warn("fd 3 from systemd is not a listening Unix stream socket; ignoring it");
    return -1;
  }
  return fd;
}

}  // namespace

Daemon::Daemon(Config config) : config_(std::move(config)) { uv_loop_init(&loop_); }

Daemon::~Daemon() {
  // Every handle is closed by now; let their close callbacks run.
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

Status Daemon::start() {
  ::signal(SIGPIPE, SIG_IGN);
  // search.query's ranking function, on every connection opened from here on.
  CAIRN_RETURN_IF_ERROR(indexer::install_ranking());
  CAIRN_ASSIGN_OR_RETURN(data_lock_, lock_data_dir(config_.data_dir));
  // A database made before its files were private (or under another umask)
  // is tightened before anything opens it.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (tighten_mode(config_.db_path() + suffix)) {
      spdlog::warn("{}{} was readable by other users; made it 0600", config_.db_path(), suffix);
    }
  }
  CAIRN_ASSIGN_OR_RETURN(store::OpenedStore opened, store::open_store(config_.db_path()));
  poster_ = std::make_unique<LoopPoster>(&loop_);
  registry_ = std::make_unique<Registry>();
  ipc::ServerOptions sopts;
  sopts.limits = config_.limits;
  sopts.max_clients = config_.max_clients;
  sopts.read_deadline_ms = config_.read_deadline_ms;
  sopts.write_deadline_ms = config_.write_deadline_ms;
  server_ = std::make_unique<ipc::Server>(&loop_, sopts);
  hub_ = std::make_unique<Hub>(*server_);
  LoopPoster* poster = poster_.get();
  Hub* hub = hub_.get();
  writer_ = std::make_unique<store::Writer>(
      std::move(opened.db), [this, poster, hub](std::vector<store::Change> changes) {
        // Encoded here, on the writer thread, so the loop thread only writes.
        std::vector<std::string> frames;
        if (hub->has_subscribers()) frames = Hub::encode(changes);
        poster->post([this, hub, c = std::move(changes), f = std::move(frames)]() mutable {
          hub->publish(c, std::move(f));
          // services_ exists before the first write can commit.
          for (const auto& observe : services_->change_observers) observe(c);
        });
      });
  CAIRN_ASSIGN_OR_RETURN(readers_,
                         store::ReaderPool::open(config_.db_path(), config_.reader_threads));
  services_ = std::unique_ptr<Services>(new Services{config_, &loop_, *poster_, *server_, *hub_,
                                                     *writer_, *readers_, requests_});
  services_->db_id = opened.db_id;
  services_->schema_version = opened.schema_version;
  services_->started_at_ms = wall_ms();
  services_->started_mono_ms = monotonic_ms();
  services_->request_shutdown = [this] { begin_shutdown("daemon.shutdown"); };
  register_methods(*registry_, *services_);
  dispatcher_ = std::make_unique<Dispatcher>(*registry_, *services_);
  server_->set_handler(dispatcher_.get());

  if (int fd = inherited_socket(); fd >= 0) {
    CAIRN_RETURN_IF_ERROR(server_->listen_fd(fd));
    spdlog::info("listening on the socket passed by systemd");
  } else {
    CAIRN_ASSIGN_OR_RETURN(socket_lock_, claim_socket_path(config_.socket_path));
    CAIRN_RETURN_IF_ERROR(server_->listen_path(config_.socket_path));
    bound_socket_ = true;
    spdlog::info("listening on {}", config_.socket_path);
  }
  start_timers();
  return Status::ok();
}

void Daemon::start_timers() {
  auto on_signal = [](uv_signal_t* s, int signum) {
    static_cast<Daemon*>(s->data)->begin_shutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
  };
  sigterm_.init([&](uv_signal_t* s) { return uv_signal_init(&loop_, s); });
  sigterm_.get()->data = this;
  uv_signal_start(sigterm_.get(), on_signal, SIGTERM);
  sigint_.init([&](uv_signal_t* s) { return uv_signal_init(&loop_, s); });
  sigint_.get()->data = this;
  uv_signal_start(sigint_.get(), on_signal, SIGINT);

  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Pinged from the loop thread: a blocked loop stops the pings and systemd
    // restarts the daemon.
    watchdog_.init([&](uv_timer_t* t) { return uv_timer_init(&loop_, t); });
    uint64_t every = std::max<uint64_t>(usec / 2000, 1);
    uv_timer_start(watchdog_.get(), [](uv_timer_t*) { sd_notify(0, "WATCHDOG=1"); }, every,
                   every);
  }
  retention_.init([&](uv_timer_t* t) { return uv_timer_init(&loop_, t); });
  retention_.get()->data = this;
  uint64_t every_ms = static_cast<uint64_t>(config_.retention_interval_s) * 1000;
  uv_timer_start(
      retention_.get(),
      [](uv_timer_t* t) { run_retention(*static_cast<Daemon*>(t->data)->services_); },
      10000, every_ms);

  // glibc keeps freed memory in each thread's arena for reuse. Under a steady
  // load that part grew by 1-3 MiB in 10 minutes (the soak run, with the heap in
  // use flat) and stayed in RSS; malloc_trim hands whole free pages back. It
  // takes 1-2 ms, so it runs on a reader, not on the loop.
  trim_.init([&](uv_timer_t* t) { return uv_timer_init(&loop_, t); });
  trim_.get()->data = this;
  uv_timer_start(
      trim_.get(),
      [](uv_timer_t* t) {
        static_cast<Daemon*>(t->data)->readers_->submit([](store::Db&) {
          int64_t start = monotonic_ns();
          int released = ::malloc_trim(0);
          spdlog::debug("malloc_trim: {} in {:.2f} ms", released ? "released memory" : "nothing",
                        static_cast<double>(monotonic_ns() - start) / 1e6);
        });
      },
      kTrimEveryMs, kTrimEveryMs);
}

int Daemon::run() {
  if (Status st = start(); !st.is_ok()) {
    spdlog::critical("cairnd cannot start: {}", st.message());
    // Domains may already hold handles and threads (the file watcher).
    if (services_) {
      for (auto& fn : services_->on_shutdown) fn();
    }
    if (server_) server_->close_all();
    if (poster_) poster_->close();
    return st.code() == Code::kConflict ? 3 : 1;
  }
  sd_notify(0, "READY=1");
  spdlog::info("cairnd {} ready (pid {}, database {}, schema {})", CAIRN_VERSION, getpid(),
               config_.db_path(), services_->schema_version);
  uv_run(&loop_, UV_RUN_DEFAULT);
  spdlog::info("cairnd stopped");
  return 0;
}

void Daemon::begin_shutdown(const char* why) {
  if (shutting_down_) return;
  shutting_down_ = true;
  spdlog::info("shutting down ({})", why);
  sd_notify(0, "STOPPING=1");
  server_->stop_listening();
  server_->stop_reading_all();
  for (auto& fn : services_->on_shutdown) fn();
  shutdown_deadline_ms_ = monotonic_ms() + 4000;
  drain_.init([&](uv_timer_t* t) { return uv_timer_init(&loop_, t); });
  drain_.get()->data = this;
  uv_timer_start(
      drain_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<Daemon*>(t->data);
        if (self->requests_.in_flight > 0 && monotonic_ms() < self->shutdown_deadline_ms_) return;
        self->finish_shutdown();
      },
      0, 10);
}

void Daemon::finish_shutdown() {
  if (requests_.in_flight > 0) {
    spdlog::warn("{} requests still running at shutdown", requests_.in_flight.load());
  }
  drain_.close();
  sigterm_.close();
  sigint_.close();
  watchdog_.close();
  retention_.close();
  trim_.close();
  // The writer finishes what is queued; its replies are dropped with the
  // connections, but every acknowledged write was acknowledged after commit.
  writer_->stop();
  readers_->stop();
  server_->close_all();
  poster_->close();
  if (bound_socket_) ::unlink(config_.socket_path.c_str());
}

}  // namespace cairn
