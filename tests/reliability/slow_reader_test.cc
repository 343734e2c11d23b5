// Row 20 of ../shared/RELIABILITY.md: a client pipelines 10,000 list requests
// and never reads a reply. The daemon must cut it off (its per-connection
// output is bounded), keep its own memory bounded, and keep answering
// everybody else quickly.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>

#include "ipc/codec.h"
#include "tests/reliability/reliability.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

constexpr int kRequests = 10000;

struct SlowReaderRun {
  int rounds = 0;            // slow readers, one after another
  int cuts = 0;              // of them cut off (daemon.status connections.slow_readers)
  int sent = 0;              // requests fully written before the daemon stopped reading (all rounds)
  int64_t cut_ms = -1;       // the slowest round: first request to the disconnect being visible
  int replies_read = 0;      // what was left in the sockets when they were finally read
  int eofs = 0;              // reads that ended in EOF or ECONNRESET
  int64_t rss_before_kib = 0, rss_peak_kib = 0, rss_after_kib = 0;
  std::vector<int64_t> ping_ms;
  int ping_failures = 0;
  int64_t idle_p99_ms = 0;   // the same pings for 1 s before the slow readers started
};

int64_t slow_reader_cuts(DaemonProcess& d) {
  auto st = d.call("daemon.status");
  return st ? (*st)["connections"].value("slow_readers", int64_t{-1}) : -2;
}

// One connection pipelines kRequests copies of `method` `args` and never reads.
// Waits (up to `wait_ms`) for daemon.status to count the cut, then reads what
// the socket still holds until EOF.
void one_slow_reader(DaemonProcess& d, const std::string& method, const Json& args, int wait_ms,
                     SlowReaderRun& run) {
  const int64_t cuts_before = slow_reader_cuts(d);
  auto hog = d.client();
  ::fcntl(hog.fd(), F_SETFL, O_NONBLOCK);
  const int64_t t0 = monotonic_ms();
  bool broken = false;
  for (int i = 0; i < kRequests && !broken && monotonic_ms() - t0 < wait_ms; ++i) {
    std::string req = ipc::encode_request(static_cast<uint32_t>(i + 1), method, Json::array({args}));
    size_t off = 0;
    while (off < req.size() && monotonic_ms() - t0 < wait_ms) {
      ssize_t n = ::send(hog.fd(), req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // The daemon stopped reading (backpressure): see whether it cut us off.
        pollfd p{hog.fd(), POLLOUT, 0};
        ::poll(&p, 1, 100);
        if (slow_reader_cuts(d) > cuts_before) {
          broken = true;
          break;
        }
      } else {
        broken = true;  // EPIPE / ECONNRESET: cut
        break;
      }
    }
    if (off == req.size()) ++run.sent;
  }
  auto cut = [&] { return slow_reader_cuts(d) > cuts_before; };
  wait_until(cut, std::max<int>(0, wait_ms - static_cast<int>(monotonic_ms() - t0)));
  ++run.rounds;
  if (cut()) {
    ++run.cuts;
    run.cut_ms = std::max(run.cut_ms, monotonic_ms() - t0);
  }
  // Now read: whatever the kernel still buffers, then EOF (or a reset).
  ::fcntl(hog.fd(), F_SETFL, 0);
  for (int64_t end = monotonic_ms() + 5000; monotonic_ms() < end;) {
    auto m = hog.read_message(1000);
    if (!m) {
      char b;
      ssize_t n = ::recv(hog.fd(), &b, 1, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) ++run.eofs;
      break;
    }
    ++run.replies_read;
  }
}

// `rounds` slow readers one after another, while a second client pings every
// 50 ms (a fresh connection each time) and the daemon's RSS is sampled.
SlowReaderRun slow_readers(DaemonProcess& d, const std::string& method, const Json& args,
                           int rounds, int wait_ms) {
  SlowReaderRun run;
  const pid_t pid = daemon_pid(d);
  {
    std::vector<int64_t> idle;
    for (int64_t end = monotonic_ms() + 1000; monotonic_ms() < end;) {
      int64_t t0 = monotonic_ms();
      if (d.call("daemon.ping")) idle.push_back(monotonic_ms() - t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    run.idle_p99_ms = percentile(idle, 99);
  }
  run.rss_before_kib = rss_kib(pid);
  run.rss_peak_kib = run.rss_before_kib;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::thread pinger([&] {
    while (!stop) {
      int64_t t0 = monotonic_ms();
      auto r = d.call("daemon.ping");
      int64_t took = monotonic_ms() - t0;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (r) run.ping_ms.push_back(took);
        else ++run.ping_failures;
        run.rss_peak_kib = std::max(run.rss_peak_kib, rss_kib(pid));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  for (int i = 0; i < rounds; ++i) one_slow_reader(d, method, args, wait_ms, run);
  stop = true;
  pinger.join();
  run.rss_after_kib = rss_kib(pid);
  return run;
}

// Under ASan freed memory waits in a quarantine (256 MiB by default) before it is
// reused and every block carries redzones, so a daemon that allocates and frees
// replies at full speed grows by that much (363-403 MiB measured for the large
// lists); unbounded output would still be ~4 GB.
#ifdef CAIRN_WITH_ASAN
constexpr int64_t kRssBoundKib = 512 * 1024;
#else
constexpr int64_t kRssBoundKib = 64 * 1024;
#endif

// `ping_percentile`: the share of pings held to 100 ms (plus the machine's own
// idle p99, as in row 19).
void expect_cut_and_print(DaemonProcess& d, SlowReaderRun& run, const char* what,
                          double ping_percentile) {
  EXPECT_EQ(run.cuts, run.rounds) << "a client that never reads was not disconnected";
  EXPECT_EQ(run.eofs, run.rounds) << "reading a cut connection did not end in EOF";
  EXPECT_LT(run.replies_read, kRequests * run.rounds);
  int64_t growth = run.rss_peak_kib - run.rss_before_kib;
  EXPECT_LT(growth, kRssBoundKib) << "daemon RSS grew " << growth << " KiB";
  EXPECT_EQ(run.ping_failures, 0);
  int64_t n = static_cast<int64_t>(run.ping_ms.size());
  int64_t p = percentile(run.ping_ms, ping_percentile);
  int64_t p99 = percentile(run.ping_ms, 99);
  int64_t worst = run.ping_ms.empty() ? 0 : run.ping_ms.back();
  EXPECT_LT(p, 100 + run.idle_p99_ms)
      << "another client's ping p" << ping_percentile << " while slow readers were served (idle p99 "
      << run.idle_p99_ms << " ms)";
  EXPECT_LT(worst, 1000) << "a ping waited " << worst << " ms";
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  EXPECT_NE(d.log().find("does not read its replies"), std::string::npos);
  std::printf("[ row 20 ] %s: %d slow readers, %d cut (the slowest %lld ms after its first "
              "request); %d requests sent in all before the daemon stopped reading (of %d each); "
              "%d replies were left to read, then %d EOF; RSS %lld KiB -> peak %lld KiB (%+lld), "
              "%lld KiB after; other client's ping p%g %lld ms, p99 %lld ms, max %lld ms over "
              "%lld pings (idle p99 %lld ms), %d failed\n",
              what, run.rounds, run.cuts, static_cast<long long>(run.cut_ms), run.sent, kRequests,
              run.replies_read, run.eofs, static_cast<long long>(run.rss_before_kib),
              static_cast<long long>(run.rss_peak_kib), static_cast<long long>(growth),
              static_cast<long long>(run.rss_after_kib), ping_percentile,
              static_cast<long long>(p), static_cast<long long>(p99),
              static_cast<long long>(worst), static_cast<long long>(n),
              static_cast<long long>(run.idle_p99_ms), run.ping_failures);
}

// 300 tasks with 1 KiB descriptions: one tasks.list of them is ~0.4 MB, so the
// replies to the 64 requests the daemon takes at a time pass the 8 MiB cap on
// the connection's unsent output. Eight such clients one after another; each
// burst keeps both reader threads busy for a moment, and on a loaded 2-core
// machine one ping in a burst may wait for a core: the pings are held to
// 100 ms (+ idle p99) at p90, and none may wait a second.
TEST(Row20, TenThousandPipelinedLargeListsNeverReadPassTheOutputCapAndAreCut) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  {
    auto c = d.client();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(c.call("tasks.create", {{"title", "task " + std::to_string(i)},
                                          {"description", std::string(1024, 'd')}}));
    }
  }
  auto one = d.call("tasks.list", {{"limit", 1000}});
  ASSERT_TRUE(one);
  size_t reply_bytes = ipc::encode_value(*one).size();
  SlowReaderRun run = slow_readers(d, "tasks.list", {{"limit", 1000}}, 8, 20000);
  std::printf("[ row 20 ] one tasks.list reply: %zu bytes\n", reply_bytes);
  expect_cut_and_print(d, run, "large lists", 90);
}

// 20 short tasks: one reply is ~8 KB, so the daemon's own backpressure (it stops
// reading a connection whose unsent output passes 1 MiB, and takes at most 64
// requests at a time) keeps the output far under the cap. The connection is
// still cut once its output has not moved for the write deadline.
TEST(Row20, TenThousandPipelinedSmallListsNeverReadAreCutWhenTheirOutputStalls) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  {
    auto c = d.client();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c.call("tasks.create", {{"title", "task " + std::to_string(i)}}));
    }
  }
  auto one = d.call("tasks.list", Json::object());
  ASSERT_TRUE(one);
  size_t reply_bytes = ipc::encode_value(*one).size();
  SlowReaderRun run = slow_readers(d, "tasks.list", Json::object(), 1, 30000);
  std::printf("[ row 20 ] one tasks.list reply: %zu bytes\n", reply_bytes);
  expect_cut_and_print(d, run, "small lists", 99);
}

}  // namespace
}  // namespace cairn::testing
