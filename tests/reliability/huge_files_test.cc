// Row 27 of ../shared/RELIABILITY.md: huge, sparse and changing files. The
// real daemon hashing real files while RPC latency is sampled, and files that
// change under the hash (helpers in tests/support/files_helpers.h).
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

// An incremental SHA-256 whose intermediate digests can be taken (a copy of
// the context is finished), so the hash of every prefix of a growing file is
// known without reading it again.
class Sha {
 public:
  Sha() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void add(const std::string& s) { EVP_DigestUpdate(ctx_.get(), s.data(), s.size()); }
  void add_zeros(int64_t n) {
    std::string z(1 << 20, '\0');
    for (; n > 0; n -= static_cast<int64_t>(z.size())) {
      EVP_DigestUpdate(ctx_.get(), z.data(), static_cast<size_t>(std::min<int64_t>(n, z.size())));
    }
  }
  std::string digest_with(const std::string& tail = "") const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> c(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_MD_CTX_copy_ex(c.get(), ctx_.get());
    EVP_DigestUpdate(c.get(), tail.data(), tail.size());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(c.get(), md, &len);
    return hex_of(md, len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// A sparse file of `size` bytes whose last bytes are `tail` (the rest zeros).
bool make_sparse(const std::string& path, int64_t size, const std::string& tail = "") {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid() || ::ftruncate(fd.get(), size) != 0) return false;
  if (!tail.empty() && ::pwrite(fd.get(), tail.data(), tail.size(),
                                size - static_cast<int64_t>(tail.size())) !=
                           static_cast<ssize_t>(tail.size())) {
    return false;
  }
  return true;
}

struct Percentiles {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.p50 = v[v.size() / 2];
  p.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  p.max = v.back();
  return p;
}


// Latencies of daemon.ping and files.list on their own connections, sampled
// from another thread until stopped.
class LatencySampler {
 public:
  LatencySampler(DaemonProcess& d, std::string root) : root_(std::move(root)) {
    auto ca = ipc::Client::connect(d.socket_path(), 2000);
    auto cb = ipc::Client::connect(d.socket_path(), 2000);
    if (!ca || !cb) return;
    thread_ = std::thread([this, a = std::move(*ca), b = std::move(*cb)]() mutable {
      while (!stop_) {
        int64_t t0 = monotonic_ms();
        auto p = a.call("daemon.ping", nullptr, 5000);
        int64_t t1 = monotonic_ms();
        auto l = b.call("files.list", {{"root", root_}, {"limit", 50}}, 5000);
        int64_t t2 = monotonic_ms();
        if (!p || !l) ++errors_;
        ping_.push_back(static_cast<double>(t1 - t0));
        list_.push_back(static_cast<double>(t2 - t1));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~LatencySampler() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool started() const { return thread_.joinable() || !ping_.empty(); }
  Percentiles ping() const { return percentiles(ping_); }
  Percentiles list() const { return percentiles(list_); }
  int errors() const { return errors_; }

 private:
  std::string root_;
  std::atomic<bool> stop_{false};
  std::vector<double> ping_, list_;
  int errors_ = 0;
  std::thread thread_;
};


// The hash load: CAIRN_HASH_LOAD_MB of sparse files below the hash cap (read
// and hashed in full), next to a 100 GiB sparse file above it.
TEST(Row27, AHundredGibSparseFileIsRecordedUnreadAndRpcsStayFastWhileFilesHash) {
  const int64_t kMiB = 1 << 20;
  const int64_t load_mb = env_int("CAIRN_HASH_LOAD_MB", 2048);
  const int64_t each = 256 * kMiB;
  const int files = static_cast<int>(std::max<int64_t>(1, load_mb * kMiB / each));
  TempDir t;
  ASSERT_EQ(run_command({"truncate", "-s", "100G", t / "big"}).status, 0);
  for (int i = 0; i < files; ++i) {
    ASSERT_TRUE(make_sparse(t / ("load" + std::to_string(i)), each, "tail" + std::to_string(i)));
  }
  write_file(t / "small.txt", "small\n");
  // CAIRN_HASH_THREADS: the daemon's hash_threads (0: one per core, at least 2).
  DaemonProcess d;
  write_file(d.home() + "/cairnd.toml", "hash_threads = " + std::to_string(env_int("CAIRN_HASH_THREADS", 0)) + "\n");
  ASSERT_TRUE(d.start().is_ok());
  Json st0 = status_files(d);
  const int64_t cap = st0["hash_max_bytes"].get<int64_t>();
  ASSERT_GT(cap, 0);
  ASSERT_LT(cap, int64_t{100} << 30);

  // The same sampling with nothing to hash: what the shared machine gives.
  Percentiles idle_ping, idle_list;
  {
    LatencySampler idle(d, t.path());
    std::this_thread::sleep_for(std::chrono::seconds(3));
    idle.finish();
    idle_ping = idle.ping();
    idle_list = idle.list();
  }
  LatencySampler sampler(d, t.path());
  ASSERT_TRUE(sampler.started());
  int64_t t0 = monotonic_ms();
  auto tracked = d.call("files.track", {{"path", t.path()}});
  ASSERT_TRUE(tracked.has_value()) << tracked.status().to_string();
  bool done = wait_until([&] { return state_of(d, t.path()) == "watching"; }, 50000);
  int64_t scan_ms = monotonic_ms() - t0;
  sampler.finish();
  ASSERT_TRUE(done) << state_of(d, t.path());

  Json big = get(d, t / "big");
  EXPECT_EQ(big["type"], "file");
  EXPECT_EQ(big["status"], "ok") << big.dump();
  EXPECT_EQ(big["size"], int64_t{100} << 30);
  EXPECT_TRUE(big["sha256"].is_null()) << big.dump();
  EXPECT_EQ(big["is_text"], false);
  Json st = status_files(d);
  EXPECT_EQ(st["over_hash_cap"], 1) << st.dump();
  EXPECT_EQ(st["bytes_hashed"].get<int64_t>(), files * each + 6) << st.dump();
  for (int i = 0; i < files; ++i) {
    std::string tail = "tail" + std::to_string(i);
    Sha s;
    s.add_zeros(each - static_cast<int64_t>(tail.size()));
    EXPECT_EQ(get(d, t / ("load" + std::to_string(i)))["sha256"], s.digest_with(tail));
  }
  EXPECT_EQ(get(d, t / "small.txt")["sha256"], sha256sum(t / "small.txt"));

  // A rescan of the unchanged root reads nothing again, the big file included.
  ASSERT_TRUE(d.call("files.rescan", {{"path", t.path()}}).has_value());
  EXPECT_TRUE(wait_until([&] { return status_files(d)["scans"] == st["scans"].get<int64_t>() + 1 &&
                                      state_of(d, t.path()) == "watching"; },
                         20000));
  EXPECT_EQ(status_files(d)["bytes_hashed"], st["bytes_hashed"]);
  EXPECT_EQ(status_files(d)["over_hash_cap"], 1);

  Percentiles ping = sampler.ping(), list = sampler.list();
  std::printf(
      "[ row 27 ] %d x %lld MiB hashed + 100 GiB sparse above the %lld MiB cap, scan %lld ms; "
      "during it daemon.ping p50 %.0f p99 %.0f max %.0f ms (n=%zu), files.list p50 %.0f p99 "
      "%.0f max %.0f ms (n=%zu), %d errors; idle before: ping p99 %.0f, files.list p99 %.0f "
      "ms (n=%zu)\n",
      files, static_cast<long long>(each / kMiB), static_cast<long long>(cap / kMiB),
      static_cast<long long>(scan_ms), ping.p50, ping.p99, ping.max, ping.n, list.p50, list.p99,
      list.max, list.n, sampler.errors(), idle_ping.p99, idle_list.p99, idle_ping.n);
  EXPECT_EQ(sampler.errors(), 0);
  EXPECT_GE(ping.n, 20u);
  // The matrix's bound is 50 ms (CAIRN_RPC_P99_MS=50). CI allows 100 ms: there
  // the sanitizer build compiles beside this test on a new virtual machine, and
  // p99 reached 27 / 31 ms in one such run (4 / 5 ms in another, 1-6 ms alone).
  // Under ASan the daemon is several times slower: files.list p99 41 ms alone.
#if defined(CAIRN_WITH_ASAN) || defined(CAIRN_WITH_TSAN)
  const double bound = env_int("CAIRN_RPC_P99_MS", 250);
#else
  const double bound = env_int("CAIRN_RPC_P99_MS", 100);
#endif
  EXPECT_LT(ping.p99, bound);
  EXPECT_LT(list.p99, bound);
  expect_ping_within_100ms(d);
}

TEST(Row27, FilesAppendedEvery10msOrRenamedOverWhileHashedNeverStoreAStaleHash) {
  const int64_t kMiB = 1 << 20;
  const int seconds = env_int("CAIRN_CHURN_S", 3);
  TempDir t;
  // `grow`: 64 MiB, then 4 KiB appended every 10 ms; every prefix hash is known.
  std::string seed(64 * kMiB, 'g');
  write_file(t / "grow", seed);
  Sha grow_sha;
  grow_sha.add(seed);
  std::set<std::string> grow_states{grow_sha.digest_with()};
  // `swap`: 128 MiB sparse, renamed over by a new 128 MiB file every 50 ms.
  const int64_t swap_size = 128 * kMiB;
  ASSERT_TRUE(make_sparse(t / "swap", swap_size, "swap-000000"));
  Sha zeros;
  zeros.add_zeros(swap_size - 11);
  std::set<std::string> swap_states{zeros.digest_with("swap-000000")};

  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  track(d, t.path());
  auto events = d.client();
  ASSERT_TRUE(events.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  int64_t changed0 = status_files(d)["changed_while_hashing"].get<int64_t>();

  std::atomic<bool> stop{false};
  int appends = 0, renames = 0;
  std::thread grower([&] {
    Fd fd(::open((t / "grow").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    std::string chunk(4096, 'a');
    while (!stop) {
      chunk[0] = static_cast<char>('a' + appends % 26);
      if (::write(fd.get(), chunk.data(), chunk.size()) != 4096) break;
      grow_sha.add(chunk);
      grow_states.insert(grow_sha.digest_with());
      ++appends;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::thread swapper([&] {
    while (!stop) {
      char tail[32];  // always 11 characters: the hash of the zeros before it is shared
      std::snprintf(tail, sizeof tail, "swap-%06d", (renames + 1) % 1000000);
      if (!make_sparse(t / ".swap.next", swap_size, tail)) break;
      if (::rename((t / ".swap.next").c_str(), (t / "swap").c_str()) != 0) break;
      swap_states.insert(zeros.digest_with(tail));
      ++renames;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  grower.join();
  swapper.join();
  int64_t quiet_at = monotonic_ms();

  // Converges once quiet: every row matches the file's final stat and bytes.
  const std::string grow_final = sha256sum(t / "grow");
  const std::string swap_final = sha256sum(t / "swap");
  bool converged = wait_until(
      [&] {
        return get(d, t / "grow")["sha256"] == grow_final &&
               get(d, t / "swap")["sha256"] == swap_final;
      },
      30000);
  int64_t converge_ms = monotonic_ms() - quiet_at;
  EXPECT_TRUE(converged) << get(d, t / "grow").dump() << get(d, t / "swap").dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // anything still in flight
  EXPECT_EQ(rows_unlike_the_files(d, t.path()), std::vector<std::string>{});
  EXPECT_EQ(listed(d, t.path()), (std::set<std::string>{"grow", "swap"}));

  // Every hash ever announced for them was the hash of a state they were in.
  int announced = 0;
  std::vector<Json> seen;
  while (auto n = events.next_notification(300)) {
    for (const auto& e : n->params) seen.push_back(e);
  }
  for (const auto& e : seen) {
    if (!e.contains("sha256") || e["sha256"].is_null()) continue;
    std::string sha = e["sha256"].get<std::string>();
    if (e["path"] == t / "grow") {
      ++announced;
      EXPECT_EQ(grow_states.count(sha), 1u) << "grow: a hash of no state it was in: " << e.dump();
    } else if (e["path"] == t / "swap") {
      ++announced;
      EXPECT_EQ(swap_states.count(sha), 1u) << "swap: a hash of no state it was in: " << e.dump();
    }
  }
  int64_t changed = status_files(d)["changed_while_hashing"].get<int64_t>() - changed0;
  std::printf(
      "[ row 27 ] %d appends (10 ms apart) and %d renames-over (50 ms apart) in %d s; %lld hashes "
      "abandoned because the file changed under them; %d hashes announced, all of real states; "
      "converged %lld ms after the writes stopped\n",
      appends, renames, seconds, static_cast<long long>(changed), announced,
      static_cast<long long>(converge_ms));
  EXPECT_GT(changed, 0) << "the injection never hit a hash in progress";
  expect_ping_within_100ms(d);
}

}  // namespace
}  // namespace cairn::testing
