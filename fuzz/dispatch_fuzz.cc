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
// data directory is removed. A daemon that does not stop within 60 s (a
// handler stuck on a special file) is reported, not waited on forever.
//
// Two modes, chosen by the first byte. An input that starts with
// kStructuredMarker (0xc1, never msgpack) is read as choices by
// fuzz/structured_input.h: real method names from the registry (daemon.hello)
// with deeply nested, huge, invalid-UTF-8, integer-keyed and repeated-key
// params, and paths to special files made in the sandbox (a FIFO, a
// directory) or given by the system (/dev/zero, /proc/self/status) and the live
// database and its WAL. Any other input is a raw byte stream of frames.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "fuzz/dispatch_driver.h"
#include "fuzz/structured_input.h"
#include "ipc/client.h"

namespace {

std::string g_dir;
std::string g_socket;
std::thread* g_daemon = nullptr;  // never destroyed: joined by stop_daemon()
std::atomic<bool> g_stopping{false};
cairn::fuzz::Sandbox g_box;

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir, ec);
}

// Registered with atexit after the daemon has started and OpenSSL was set up
// (so after every static it uses was constructed and OpenSSL's atexit cleanup
// was registered): it runs before those.
void stop_daemon() {
  g_stopping = true;
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(60));
    std::fprintf(stderr, "dispatch fuzz: the daemon did not stop within 60 s\n");
    std::abort();
  }).detach();
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
  // What the structured mode may name.
  if (auto c = cairn::ipc::Client::connect(g_socket, 5000)) {
    if (auto hello = c->call("daemon.hello", nullptr, 10000);
        hello && (*hello)["methods"].is_array()) {
      for (const auto& m : (*hello)["methods"]) {
        if (m.is_string()) g_box.methods.push_back(m.get<std::string>());
      }
    }
  }
  if (g_box.methods.empty()) {
    std::fprintf(stderr, "dispatch fuzz: daemon.hello listed no methods\n");
    std::abort();
  }
  std::string fifo = g_dir + "/fifo", dir = g_dir + "/dir";
  ::mkfifo(fifo.c_str(), 0600);
  ::mkdir(dir.c_str(), 0700);
  g_box.paths = {fifo,
                 dir,
                 "/dev/zero",
                 "/proc/self/status",
                 "/proc/self/fd",
                 config.db_path(),
                 config.db_path() + "-wal",
                 g_socket,
                 g_dir + "/out.json"};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool started = (start_daemon(), true);
  (void)started;
  if (size > 0 && data[0] == cairn::fuzz::kStructuredMarker) {
    std::string requests = cairn::fuzz::structured_requests(data + 1, size - 1, g_box);
    cairn::fuzz::drive_dispatch(g_socket, reinterpret_cast<const uint8_t*>(requests.data()),
                                requests.size(), 2000, /*structured=*/true);
    return 0;
  }
  cairn::fuzz::drive_dispatch(g_socket, data, size);
  return 0;
}
