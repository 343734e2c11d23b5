// Rows 17, 18 and 19 of RELIABILITY.md: what a hostile peer can make cairnd
// hold. Length and count headers are refused as they arrive, deep nesting and
// wide fan-out cost bounded memory, a frame over the cap is cut before it is
// buffered, and 200 connections dripping one byte a second neither outlive the
// read deadline nor slow down anybody else.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "ipc/codec.h"
#include "ipc/limits.h"
#include "tests/reliability/reliability.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

// Sends `input` on a fresh connection; how long until the daemon's refusal
// (an error message, then the close) arrived, or -1 when it never did.
struct Refusal {
  int64_t us = -1;
  std::string error;
  bool closed = false;
};

Refusal refuse(DaemonProcess& d, const std::string& input, int wait_ms = 2000) {
  Refusal out;
  auto c = d.client();
  int64_t t0 = monotonic_us();
  // A long input may be cut by the refusal halfway: the reply is still there.
  (void)c.send_raw(input);
  auto m = c.read_message(wait_ms);
  if (!m) return out;
  out.us = monotonic_us() - t0;
  out.error = m->type == ipc::MessageType::kNotification ? m->params.dump() : m->error.dump();
  out.closed = closed_within(c.fd(), 1000);
  return out;
}

// A request frame's head: [0, msgid, "method", ...] up to where params begin.
std::string request_head(const std::string& method) {
  std::string s = bytes({0x94, 0x00, 0x01});
  s.push_back(static_cast<char>(0xa0 | method.size()));
  return s + method;
}

TEST(Row17, LengthHeadersClaimingFourGibibytesAreRefusedWithinMilliseconds) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t rss_before = rss_kib(d.pid());
  int64_t hwm_before = status_kib(d.pid(), "VmHWM");
  struct Case {
    const char* what;
    std::string input;
  } cases[] = {
      {"array32", bytes({0xdd, 0xff, 0xff, 0xff, 0xff})},
      {"map32", bytes({0xdf, 0xff, 0xff, 0xff, 0xff})},
      {"str32", bytes({0xdb, 0xff, 0xff, 0xff, 0xff})},
      {"bin32", bytes({0xc6, 0xff, 0xff, 0xff, 0xff})},
      {"ext32", bytes({0xc9, 0xff, 0xff, 0xff, 0xff, 0x01})},
      // The frame itself announcing 0xffffffff bytes: a request whose method
      // name, and another whose params, claim 4 GiB.
      {"request str32 method", bytes({0x94, 0x00, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff})},
      {"request bin32 param",
       request_head("prefs.set") + bytes({0x91, 0xc6, 0xff, 0xff, 0xff, 0xff})},
  };
  std::vector<int64_t> all_us;
  for (int round = 0; round < 5; ++round) {
    for (const auto& c : cases) {
      Refusal r = refuse(d, c.input);
      ASSERT_GE(r.us, 0) << c.what << ": no refusal";
      EXPECT_NE(r.error.find("TOO_LARGE"), std::string::npos) << c.what << ": " << r.error;
      EXPECT_TRUE(r.closed) << c.what << ": the connection stayed open";
      all_us.push_back(r.us);
    }
  }
  int64_t growth = rss_kib(d.pid()) - rss_before;
  int64_t peak_growth = status_kib(d.pid(), "VmHWM") - hwm_before;
  EXPECT_LT(peak_growth, 8 * 1024) << "peak RSS grew " << peak_growth << " KiB";
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  EXPECT_EQ(d.log().find("bad_alloc"), std::string::npos);
  int64_t p50 = percentile(all_us, 50), p99 = percentile(all_us, 99), worst = all_us.back();
  // The matrix's 10 ms for the typical refusal; a loaded machine may stall one.
  EXPECT_LT(p50, 10000) << "median time to refusal " << p50 << " us";
  EXPECT_LT(worst, 250000) << "slowest refusal " << worst << " us";
  std::printf("[ row 17 ] %zu refusals (7 headers x 5): time to TOO_LARGE p50 %.2f ms, p99 "
              "%.2f ms, max %.2f ms; RSS %+lld KiB, peak RSS %+lld KiB\n",
              all_us.size(), p50 / 1000.0, p99 / 1000.0, worst / 1000.0,
              static_cast<long long>(growth), static_cast<long long>(peak_growth));
}

TEST(Row18, DeepNestingAndWideFanOutAreRefusedOrCostBoundedMemory) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  pid_t pid = d.pid();
  int64_t hwm0 = status_kib(pid, "VmHWM");

  // 100,000 nested one-element arrays: refused at depth 33, before the rest.
  Refusal deep = refuse(d, std::string(100000, static_cast<char>(0x91)));
  ASSERT_GE(deep.us, 0);
  EXPECT_NE(deep.error.find("nesting"), std::string::npos) << deep.error;
  EXPECT_TRUE(deep.closed);
  int64_t hwm_deep = status_kib(pid, "VmHWM");

  // One array (and one map) announcing 1,000,000 entries inside a legal-size
  // request: refused by its count.
  std::string nils(1000000, static_cast<char>(0xc0));
  Refusal wide = refuse(d, request_head("prefs.set") +
                               bytes({0x91, 0xdd, 0x00, 0x0f, 0x42, 0x40}) + nils);
  EXPECT_NE(wide.error.find("exceeds 4096"), std::string::npos) << wide.error;
  EXPECT_TRUE(wide.closed);
  Refusal wide_map = refuse(d, request_head("prefs.set") +
                                   bytes({0x91, 0xdf, 0x00, 0x0f, 0x42, 0x40}) + nils + nils);
  EXPECT_NE(wide_map.error.find("exceeds 4096"), std::string::npos) << wide_map.error;
  int64_t hwm_wide = status_kib(pid, "VmHWM");

  // The same million spread over 250 arrays of 4000, each within the
  // per-array count, in a 1 MB frame: refused by the values limit as it is
  // scanned, before anything is decoded.
  auto fan_out = [](int arrays) {
    std::string s = request_head("prefs.set") + bytes({0x91, 0xdc, 0x00, arrays});
    std::string inner = bytes({0xdc, 0x0f, 0xa0}) + std::string(4000, static_cast<char>(0xc0));
    for (int i = 0; i < arrays; ++i) s += inner;
    return s;
  };
  std::string fan = fan_out(250);
  Refusal spread = refuse(d, fan);
  EXPECT_NE(spread.error.find("TOO_LARGE"), std::string::npos) << spread.error;
  EXPECT_TRUE(spread.closed);
  int64_t hwm_spread = status_kib(pid, "VmHWM");
  EXPECT_LT((hwm_spread - hwm_wide) * 1024, 2 * static_cast<int64_t>(fan.size()));

  // Just under the limit, 128,000 nils (32 x 4000) are decoded: bounded by the
  // values limit, not by the frame size.
  std::string under = fan_out(32);
  auto c = d.client();
  ASSERT_TRUE(c.send_raw(under).is_ok());
  auto reply = c.read_message(10000);
  ASSERT_TRUE(reply) << "no answer to the request under the limit";
  std::string answer = reply->error.dump();
  EXPECT_NE(answer.find("INVALID_PARAMS"), std::string::npos) << answer;
  int64_t under_growth = status_kib(pid, "VmHWM") - hwm_spread;
  const int64_t cap = static_cast<int64_t>(ipc::Limits{}.max_frame_bytes);
  EXPECT_LT(under_growth * 1024, 2 * cap) << "decoding 128,000 values raised peak RSS by "
                                          << under_growth << " KiB";
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  std::printf("[ row 18 ] 100,000-deep: refused (%s) in %.2f ms, peak RSS %+lld KiB; "
              "1,000,000-entry array and map: refused by count, peak RSS %+lld KiB; "
              "1,000,000 nils as 250 x 4000 (%zu bytes): refused (%s), peak RSS %+lld KiB; "
              "128,000 nils as 32 x 4000 (%zu bytes): decoded and answered, peak RSS %+lld "
              "KiB\n",
              deep.error.substr(0, 60).c_str(), deep.us / 1000.0,
              static_cast<long long>(hwm_deep - hwm0),
              static_cast<long long>(hwm_wide - hwm_deep), fan.size(),
              spread.error.substr(0, 70).c_str(), static_cast<long long>(hwm_spread - hwm_wide),
              under.size(), static_cast<long long>(under_growth));
}

TEST(Row19, AFrameOverTheCapIsCutBeforeItIsBuffered) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  const size_t cap = ipc::Limits{}.max_frame_bytes;
  int64_t hwm0 = status_kib(d.pid(), "VmHWM");
  // A 64 MiB request made of 16 strings of 4 MiB, each within the string
  // limit: only the frame cap stops it.
  auto c = d.client();
  std::string head = request_head("prefs.set") + bytes({0x91, 0xdc, 0x00, 0x10});
  std::string piece = bytes({0xdb, 0x00, 0x40, 0x00, 0x00}) + std::string(4 << 20, 'x');
  ASSERT_TRUE(c.send_raw(head).is_ok());
  ::fcntl(c.fd(), F_SETFL, O_NONBLOCK);
  size_t sent = head.size();
  size_t total = head.size() + 16 * piece.size();
  int64_t t0 = monotonic_ms();
  bool cut = false;
  for (int i = 0; i < 16 && !cut; ++i) {
    size_t off = 0;
    while (off < piece.size()) {
      ssize_t n = ::send(c.fd(), piece.data() + off, piece.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{c.fd(), POLLOUT, 0};
        if (::poll(&p, 1, 5000) <= 0) break;
        if (p.revents & (POLLERR | POLLHUP)) {
          cut = true;
          break;
        }
        continue;
      }
      cut = true;  // EPIPE / ECONNRESET: the daemon closed it
      break;
    }
  }
  int64_t took = monotonic_ms() - t0;
  int64_t hwm_growth = status_kib(d.pid(), "VmHWM") - hwm0;
  EXPECT_TRUE(cut) << "the daemon read all " << total << " bytes";
  // What was sent beyond the cap sits in socket buffers, not in the daemon.
  EXPECT_LT(sent, cap + (4u << 20)) << "sent " << sent << " bytes before the cut";
  EXPECT_LT(hwm_growth * 1024, static_cast<int64_t>(2 * cap))
      << "peak RSS grew " << hwm_growth << " KiB";
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  std::printf("[ row 19 ] 64 MiB frame (cap %zu MiB): cut after %.1f MiB sent, in %lld ms; "
              "peak RSS %+lld KiB\n",
              cap >> 20, sent / 1048576.0, static_cast<long long>(took),
              static_cast<long long>(hwm_growth));
}

TEST(Row19, TwoHundredSlowlorisConnectionsAreCutAtTheReadDeadlineWhilePingsStayFast) {
  constexpr int kSlow = 200;
  DaemonProcess d;  // the default read deadline: 10 s
  ASSERT_TRUE(d.start().is_ok());
  // A request long enough that one byte a second never completes it.
  std::string req = ipc::encode_request(
      9, "prefs.get", Json::array({{{"category", "slowloris"}, {"key", std::string(40, 'k')}}}));
  // The machine's own ping p99 first: on a loaded machine it is not 0.
  std::vector<int64_t> baseline;
  for (int64_t until = monotonic_ms() + 2000; monotonic_ms() < until;) {
    int64_t t0 = monotonic_ms();
    if (d.call("daemon.ping")) baseline.push_back(monotonic_ms() - t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int64_t base_p99 = percentile(baseline, 99);
  std::vector<Fd> slow;
  for (int i = 0; i < kSlow; ++i) {
    auto c = ipc::Client::connect(d.socket_path(), 2000);
    ASSERT_TRUE(c) << "connection " << i << ": " << c.status().to_string();
    slow.emplace_back(::dup(c->fd()));
  }
  std::atomic<bool> stop{false};
  std::vector<int64_t> pings;
  int failed_pings = 0;
  std::thread pinger([&] {
    while (!stop) {
      int64_t t0 = monotonic_ms();
      auto p = d.call("daemon.ping");
      if (p) pings.push_back(monotonic_ms() - t0);
      else ++failed_pings;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  int64_t start = monotonic_ms();
  std::vector<int64_t> closed_at(kSlow, -1);
  size_t next = 0;
  int open = kSlow;
  int64_t next_byte = start;
  while (open > 0 && monotonic_ms() - start < 16000) {
    if (monotonic_ms() >= next_byte && next < req.size()) {
      for (int i = 0; i < kSlow; ++i) {
        if (closed_at[i] < 0) (void)::send(slow[i].get(), &req[next], 1, MSG_NOSIGNAL);
      }
      ++next;
      next_byte += 1000;
    }
    std::vector<pollfd> fds;
    for (int i = 0; i < kSlow; ++i) fds.push_back({slow[i].get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) > 0) {
      for (int i = 0; i < kSlow; ++i) {
        if (closed_at[i] >= 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[256];
        if (::recv(slow[i].get(), buf, sizeof buf, MSG_DONTWAIT) <= 0) {
          closed_at[i] = monotonic_ms() - start;
          --open;
        }
      }
    }
  }
  stop = true;
  pinger.join();
  EXPECT_EQ(open, 0) << open << " slow connections outlived the read deadline by 6 s";
  std::vector<int64_t> when;
  for (int64_t t : closed_at) {
    if (t >= 0) when.push_back(t);
  }
  int64_t first = when.empty() ? -1 : *std::min_element(when.begin(), when.end());
  int64_t last = when.empty() ? -1 : *std::max_element(when.begin(), when.end());
  EXPECT_GE(first, 9000) << "a slow connection was cut before the 10 s deadline";
  EXPECT_LE(last, 13000) << "the last slow connection was cut " << last << " ms in";
  int64_t p99 = percentile(pings, 99);
  EXPECT_EQ(failed_pings, 0);
  EXPECT_GE(pings.size(), 20u);
  // The matrix's 50 ms, over what the loaded machine gives without the attack.
  EXPECT_LT(p99, 50 + base_p99) << "fresh-client daemon.ping p99 during the attack (" << base_p99
                                << " ms without it)";
  EXPECT_TRUE(d.running());
  std::printf("[ row 19 ] %d slowloris connections (1 byte/s): all cut between %.1f s and "
              "%.1f s; %zu fresh-client pings meanwhile, p50 %lld ms, p99 %lld ms, max %lld ms, "
              "%d failed (p99 %lld ms before the attack)\n",
              kSlow, first / 1000.0, last / 1000.0, pings.size(),
              static_cast<long long>(percentile(pings, 50)), static_cast<long long>(p99),
              static_cast<long long>(pings.empty() ? 0 : pings.back()), failed_pings,
              static_cast<long long>(base_p99));
}

}  // namespace
}  // namespace cairn::testing
