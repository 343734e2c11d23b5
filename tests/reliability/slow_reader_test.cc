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
  int sent = 0;              // requests fully written before the daemon stopped reading
  int64_t cut_ms = -1;       // from the first request to the disconnect being visible
  int replies_read = 0;      // what was left in the socket when it was finally read
  bool eof = false;          // the read ended in EOF or ECONNRESET
  int64_t rss_before_kib = 0, rss_peak_kib = 0;
  std::vector<int64_t> ping_ms;
  int ping_failures = 0;
  int64_t idle_p99_ms = 0;   // the same pings for 1 s before the slow reader started
};

int64_t slow_reader_cuts(DaemonProcess& d) {
  auto st = d.call("daemon.status");
  return st ? (*st)["connections"].value("slow_readers", int64_t{-1}) : -2;
}

// Pipelines kRequests copies of `method` `args` on one connection and never
// reads; meanwhile a second client pings every 50 ms and the daemon's RSS is
// sampled. Waits (up to `wait_ms`) for daemon.status to count the cut, then
// reads what the socket still holds until EOF.
SlowReaderRun pipeline_and_never_read(DaemonProcess& d, const std::string& method,
                                      const Json& args, int wait_ms) {
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
  const int64_t cuts_before = slow_reader_cuts(d);
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

  auto hog = d.client();
  ::fcntl(hog.fd(), F_SETFL, O_NONBLOCK);
  const int64_t t0 = monotonic_ms();
  std::string pending;
  bool broken = false;
  for (int i = 0; i < kRequests && !broken && monotonic_ms() - t0 < wait_ms; ++i) {
    pending = ipc::encode_request(static_cast<uint32_t>(i + 1), method, Json::array({args}));
    size_t off = 0;
    while (off < pending.size() && monotonic_ms() - t0 < wait_ms) {
      ssize_t n = ::send(hog.fd(), pending.data() + off, pending.size() - off, MSG_NOSIGNAL);
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
    if (off == pending.size()) ++run.sent;
  }
  wait_until([&] { return slow_reader_cuts(d) > cuts_before; }, std::max<int>(
                                                                     0, wait_ms - static_cast<int>(monotonic_ms() - t0)));
  if (slow_reader_cuts(d) > cuts_before) run.cut_ms = monotonic_ms() - t0;
  stop = true;
  pinger.join();

  // Now read: whatever the kernel still buffers, then EOF (or a reset).
  ::fcntl(hog.fd(), F_SETFL, 0);
  int64_t read_deadline = monotonic_ms() + 5000;
  while (monotonic_ms() < read_deadline) {
    auto m = hog.read_message(1000);
    if (!m) {
      char b;
      ssize_t n = ::recv(hog.fd(), &b, 1, MSG_DONTWAIT);
      run.eof = n == 0 || (n < 0 && errno == ECONNRESET);
      break;
    }
    ++run.replies_read;
  }
  return run;
}

void expect_cut_and_print(DaemonProcess& d, SlowReaderRun& run, const char* what) {
  EXPECT_GE(run.cut_ms, 0) << "the client that never reads was not disconnected";
  EXPECT_TRUE(run.eof) << "reading the cut connection did not end in EOF";
  EXPECT_LT(run.replies_read, kRequests);
  int64_t growth = run.rss_peak_kib - run.rss_before_kib;
  EXPECT_LT(growth, 64 * 1024) << "daemon RSS grew " << growth << " KiB";
  EXPECT_EQ(run.ping_failures, 0);
  int64_t n = static_cast<int64_t>(run.ping_ms.size());
  int64_t p99 = percentile(run.ping_ms, 99);
  int64_t worst = run.ping_ms.empty() ? 0 : run.ping_ms.back();
  // The loaded 2-core machine's own noise (measured just before) is allowed on
  // top of the 100 ms, as in row 19: the slow reader's list requests keep both
  // reader threads busy, and a ping that lands then waits for a core.
  EXPECT_LT(p99, 100 + run.idle_p99_ms)
      << "another client's ping p99 while the slow reader was served (idle p99 "
      << run.idle_p99_ms << " ms)";
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  EXPECT_NE(d.log().find("does not read its replies"), std::string::npos);
  std::printf("[ row 20 ] %s: %d of %d requests sent before the daemon stopped reading; cut "
              "after %lld ms; %d replies were left to read, then %s; RSS %lld KiB -> peak %lld "
              "KiB (%+lld); other client's ping p99 %lld ms, max %lld ms over %lld pings (idle "
              "p99 %lld ms), %d failed\n",
              what, run.sent, kRequests, static_cast<long long>(run.cut_ms), run.replies_read,
              run.eof ? "EOF" : "no EOF", static_cast<long long>(run.rss_before_kib),
              static_cast<long long>(run.rss_peak_kib), static_cast<long long>(growth),
              static_cast<long long>(p99), static_cast<long long>(worst),
              static_cast<long long>(n), static_cast<long long>(run.idle_p99_ms),
              run.ping_failures);
}

// 300 tasks with 1 KiB descriptions: one tasks.list of them is ~0.4 MB, so the
// replies to the 64 requests the daemon takes at a time pass the 8 MiB cap on
// the connection's unsent output.
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
  SlowReaderRun run = pipeline_and_never_read(d, "tasks.list", {{"limit", 1000}}, 30000);
  std::printf("[ row 20 ] one tasks.list reply: %zu bytes\n", reply_bytes);
  expect_cut_and_print(d, run, "large lists");
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
  SlowReaderRun run = pipeline_and_never_read(d, "tasks.list", Json::object(), 30000);
  std::printf("[ row 20 ] one tasks.list reply: %zu bytes\n", reply_bytes);
  expect_cut_and_print(d, run, "small lists");
}

}  // namespace
}  // namespace cairn::testing
