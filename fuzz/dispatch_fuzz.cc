// libFuzzer target over the method dispatcher with a real SQLite database.
//
// On first use it starts the real daemon (cairn::Daemon, as cairnd's main does,
// without debug methods) on a background thread with a fresh data directory
// and socket under $TMPDIR, and every input is sent to it over the socket by
// fuzz/dispatch_driver.h: Server, Decoder, Dispatcher, Registry, the loop,
// reader and writer threads, every registered handler and SQLite all run in
// this process, so their coverage guides the fuzzer and a sanitizer report in
// any of them stops the run. The database persists across inputs (as it does
// across a daemon's clients), so an input may depend on earlier ones: crashes
// are reproduced by replaying the inputs of the run, or usually the crash input
// alone. At exit the daemon is stopped with daemon.shutdown and its thread
// joined before the process's statics (spdlog's registry among them) are
// destroyed under it, and before OpenSSL's own exit cleanup, which would
// otherwise orphan the per-thread state of threads still running; then the
// data directory is removed.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "fuzz/dispatch_driver.h"

namespace {

std::string g_dir;
std::string g_socket;
std::thread* g_daemon = nullptr;  // never destroyed: joined by stop_daemon()
std::atomic<bool> g_stopping{false};

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir, ec);
}

// Registered with atexit after the daemon has started and OpenSSL was set up
// (so after every static it uses was constructed and OpenSSL's atexit cleanup
// was registered): it runs before those.
void stop_daemon() {
  g_stopping = true;
  if (!cairn::fuzz::shutdown(g_socket, 30000)) {
    std::fprintf(stderr, "dispatch fuzz: could not ask the daemon to stop\n");
    std::abort();
  }
  g_daemon->join();
}

void start_daemon() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/cairn-fuzz-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  g_dir = templ;
  std::atexit(remove_dir);
  cairn::Config config;
  config.data_dir = g_dir + "/data";
  config.state_dir = g_dir + "/state";
  config.log_file = g_dir + "/state/cairnd.log";
  config.socket_path = g_dir + "/cairnd.sock";
  config.log_level = "off";
  config.debug_methods = false;
  config.reader_threads = 2;
  config.hash_threads = 1;
  std::filesystem::create_directories(config.data_dir);
  std::filesystem::create_directories(config.state_dir);
  g_socket = config.socket_path;
  spdlog::set_level(spdlog::level::off);
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  g_daemon = new std::thread([config] {
    cairn::Daemon daemon(config);
    int code = daemon.run();
    if (g_stopping && code == 0) return;
    std::fprintf(stderr, "dispatch fuzz: the daemon exited with %d\n", code);
    std::abort();
  });
  if (!cairn::fuzz::ping(g_socket, 30000)) {
    std::fprintf(stderr, "dispatch fuzz: the daemon did not start\n");
    std::abort();
  }
  std::atexit(stop_daemon);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool started = (start_daemon(), true);
  (void)started;
  cairn::fuzz::drive_dispatch(g_socket, data, size);
  return 0;
}
