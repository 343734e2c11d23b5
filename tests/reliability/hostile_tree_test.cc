// Row 25 of ../shared/RELIABILITY.md: a hostile tree. Links to / and /proc, a
// symlink loop, a FIFO named like a text file, a character device, a socket,
// the root bind-mounted inside itself, names with \xff, \n and 255 bytes, a
// directory 300 levels deep (its path longer than PATH_MAX), and a directory
// swapped for a symlink to a tree outside the root while the root is scanned.
// cairnd runs under `strace -e trace=open,openat,openat2` so its opens can be
// read back (helpers in tests/support/files_helpers.h).
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

constexpr int kDepth = 300;
constexpr int kMidDepth = 100;
const char* kLevel = "level-directory!";  // 16 bytes: 300 levels make 5,100 bytes of path
constexpr int kSwapFiles = 100;
const char* kOutsideToken = "zqxoutsidetokenzqx";

std::string deep_dir(const std::string& root, int levels) {
  std::string p = root + "/deep";
  for (int i = 0; i < levels; ++i) p += std::string("/") + kLevel;
  return p;
}

bool write_at(int dir_fd, const char* name, const std::string& text) {
  Fd fd(::openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd.valid() &&
         ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// `levels` directories below root/deep made with mkdirat/openat (no path
// longer than a name is ever passed to the kernel); leaf.txt at kMidDepth and
// at the bottom.
bool make_deep(const std::string& root, int levels) {
  if (::mkdir((root + "/deep").c_str(), 0755) != 0) return false;
  Fd fd(::open((root + "/deep").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (int i = 1; i <= levels && fd.valid(); ++i) {
    if (::mkdirat(fd.get(), kLevel, 0755) != 0) return false;
    fd = Fd(::openat(fd.get(), kLevel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.valid() && (i == kMidDepth || i == levels) &&
        !write_at(fd.get(), "leaf.txt", "leaf at depth " + std::to_string(i) + "\n")) {
      return false;
    }
  }
  return fd.valid();
}

// Detaches a bind mount when the test ends, passed or not (before the TempDir
// holding it is removed: declare it after the TempDir).
struct BindMountGuard {
  std::string target;
  bool mounted = false;
  ~BindMountGuard() {
    if (mounted) ::umount2(target.c_str(), MNT_DETACH);
  }
};

// Swaps root/swap (a directory) with a symlink to the outside tree, over and
// over (renameat2 RENAME_EXCHANGE: the name always exists), until stopped;
// leaves the directory in place.
class Swapper {
 public:
  Swapper(std::string in_root, std::string link) : a_(std::move(in_root)), b_(std::move(link)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        if (::renameat2(AT_FDCWD, a_.c_str(), AT_FDCWD, b_.c_str(), RENAME_EXCHANGE) == 0) {
          swapped_ = !swapped_;
          ++swaps_;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(swapped_ ? 300 : 700));
      }
      if (swapped_) ::renameat2(AT_FDCWD, a_.c_str(), AT_FDCWD, b_.c_str(), RENAME_EXCHANGE);
    });
  }
  ~Swapper() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int swaps() const { return swaps_; }

 private:
  std::string a_, b_;
  std::atomic<bool> stop_{false};
  bool swapped_ = false;
  std::atomic<int> swaps_{0};
  std::thread thread_;
};

bool valid_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

TEST(Row25, AHostileTreeIsScannedInTheRootOnlyWithoutBlockingAndOddNamesRoundTrip) {
  TempDir t;
  const std::string root = t / "root";
  const std::string outside = t / "outside";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((outside + "/inner").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/swap").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/swap/inner").c_str(), 0755), 0);
  std::map<std::string, std::string> expect;  // relative path -> sha256 of a regular file
  std::set<std::string> outside_hashes;
  for (int i = 0; i < kSwapFiles; ++i) {
    for (std::string sub : {"", "inner/"}) {
      std::string name = sub + "s" + std::to_string(i) + ".txt";
      std::string in = "inside " + name + "\n",
                  out = std::string(kOutsideToken) + " " + name + "\n";
      write_file(root + "/swap/" + name, in);
      write_file(outside + "/" + name, out);
      expect["swap/" + name] = sha256_of(in);
      outside_hashes.insert(sha256_of(out));
    }
  }
  ASSERT_EQ(::symlink(outside.c_str(), (t / "swaplink").c_str()), 0);
  // Links, recorded as links and never followed.
  const std::map<std::string, std::string> links{
      {"up", "/"}, {"p", "/proc"}, {"loop1", "loop2"}, {"loop2", "loop1"}};
  for (const auto& [name, target] : links) {
    ASSERT_EQ(::symlink(target.c_str(), (root + "/" + name).c_str()), 0);
  }
  // Special files, recorded as "other" and never opened.
  std::vector<std::string> specials{"x.txt", "sock"};
  ASSERT_EQ(::mkfifo((root + "/x.txt").c_str(), 0644), 0);
  Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", (root + "/sock").c_str());
  ASSERT_EQ(::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string device = "no (not permitted)";
  if (::mknod((root + "/c").c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0) {
    specials.push_back("c");
    device = "yes";
  }
  // Odd names.
  const std::string ff_name = "bad\xffname.txt";  // 'n' is not a hex digit
  const std::string nl_name = "line\nbreak.txt";
  const std::string long_name = std::string(NAME_MAX - 4, 'n') + ".txt";
  for (const auto& name : {ff_name, nl_name, long_name}) {
    std::string text = "odd name " + std::to_string(name.size()) + "\n";
    write_file(root + "/" + name, text);
    expect[name] = sha256_of(text);
  }
  // 300 levels deep.
  ASSERT_TRUE(make_deep(root, kDepth)) << std::strerror(errno);
  std::string mid_leaf = deep_dir(root, kMidDepth).substr(root.size() + 1) + "/leaf.txt";
  std::string deep_leaf = deep_dir(root, kDepth).substr(root.size() + 1) + "/leaf.txt";
  ASSERT_GT(root.size() + 1 + deep_leaf.size(), static_cast<size_t>(PATH_MAX));
  expect[mid_leaf] = sha256_of("leaf at depth " + std::to_string(kMidDepth) + "\n");
  expect[deep_leaf] = sha256_of("leaf at depth " + std::to_string(kDepth) + "\n");
  // The root bind-mounted on its own subdirectory (whose file it hides).
  ASSERT_EQ(::mkdir((root + "/sub").c_str(), 0755), 0);
  write_file(root + "/sub/hidden.txt", "hidden\n");
  BindMountGuard bind{root + "/sub"};
  bind.mounted = ::mount(root.c_str(), bind.target.c_str(), nullptr, MS_BIND, nullptr) == 0;
  if (!bind.mounted) expect["sub/hidden.txt"] = sha256_of("hidden\n");

  // cairnd under strace when it can be: every open it makes is written down.
  const bool traced = have_program("strace");
  std::string trace = t / "open.trace";
  DaemonOptions o;
  if (traced) {
    o.wrapper = {
        "strace", "-f", "-qq", "-s", "65536", "-o", trace, "-e", "trace=open,openat,openat2", "--"};
  }
  DaemonProcess d(o);
  Status started = d.start();
  if (traced && !started.is_ok() && d.log().find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "ptrace is not permitted here: " << d.log();
  }
  ASSERT_TRUE(started.is_ok()) << started.to_string();

  // The first scan runs while root/swap keeps turning into a link to outside/.
  Swapper swapper(root + "/swap", t / "swaplink");
  int64_t t0 = monotonic_ms();
  ASSERT_TRUE(d.call("files.track", {{"path", root}}).has_value());
  EXPECT_TRUE(wait_until([&] { return !root_json(d, root)["last_scan_ms"].is_null(); }, 60000))
      << root_json(d, root).dump();
  int64_t first_scan = monotonic_ms() - t0;
  int64_t scan_ms = root_json(d, root).value("last_scan_ms", int64_t{-1});
  // A file replaced at once by a directory of the same name: what is found
  // below it stays listed (its check walks the new directory, then retires the
  // file's row alone).
  write_file(root + "/was_file", "a file\n");
  EXPECT_TRUE(wait_until([&] { return get(d, root + "/was_file")["status"] == "ok"; }, 10000));
  ASSERT_EQ(::unlink((root + "/was_file").c_str()), 0);
  ASSERT_EQ(::mkdir((root + "/was_file").c_str(), 0755), 0);
  write_file(root + "/was_file/inner.txt", "inner\n");
  bool inner_listed =
      wait_until([&] { return get(d, root + "/was_file/inner.txt")["status"] == "ok"; }, 5000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  inner_listed = inner_listed && get(d, root + "/was_file/inner.txt")["status"] == "ok";
  EXPECT_TRUE(inner_listed) << get(d, root + "/was_file/inner.txt");
  EXPECT_EQ(get(d, root + "/was_file")["status"], "deleted");
  expect["was_file/inner.txt"] = sha256_of("inner\n");
  // Three more full walks while it goes on.
  int rescans = 0;
  for (int i = 0; i < 3; ++i) {
    rescans += d.call("files.rescan", {{"path", root}}).has_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
  swapper.finish();
  ASSERT_TRUE(d.call("files.rescan", {{"path", root}}).has_value());
  // Settled: no scan queued, nothing pending, twice in a row.
  auto settled = [&] { return state_of(d, root) == "watching" && status_files(d)["pending"] == 0; };
  EXPECT_TRUE(wait_until(settled, 30000)) << root_json(d, root).dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(wait_until(settled, 30000)) << root_json(d, root).dump();
  expect_ping_within_100ms(d);

  // Every row the daemon ever wrote, deleted ones included.
  auto rows = all_rows(d, "", {{"status", "any"}});
  ASSERT_FALSE(rows.empty());
  int outside_rows = 0, outside_content = 0, non_utf8_str = 0;
  for (const auto& [path, row] : rows) {
    if (path.compare(0, root.size() + 1, root + "/") != 0) {
      ++outside_rows;
      ADD_FAILURE() << "a row outside the root: " << row;
    }
    Json sha = row.value("sha256", Json());
    if (sha.is_string() && outside_hashes.count(sha.get<std::string>())) {
      ++outside_content;
      ADD_FAILURE() << "a file outside the root was read as " << path << " (status "
                    << row["status"] << ")";
    }
    for (const char* field : {"path", "name"}) {
      Json v = row.value(field, Json());
      if (v.is_string() && !valid_utf8(v.get<std::string>())) ++non_utf8_str;
    }
    // Nothing through the links, nothing twice through the bind mount.
    for (const char* below : {"/up/", "/p/", "/loop1/", "/sub/sub/"}) {
      EXPECT_NE(path.compare(0, root.size() + std::strlen(below), root + below), 0) << path;
    }
    if (bind.mounted) {
      EXPECT_NE(path.compare(0, root.size() + 5, root + "/sub/"), 0) << path;
    }
  }
  EXPECT_EQ(non_utf8_str, 0) << "paths that are not UTF-8 must come as bin, not as str";
  // And no hash of an outside file was ever announced (a later rescan would
  // have replaced it in the rows): every change on topic files.
  int changes = 0, outside_announced = 0;
  Json since{{"cursor", 0}, {"topics", {"files"}}, {"limit", 1000}};
  for (int page = 0; page < 1000; ++page) {
    auto c = d.call("changes.since", since);
    ASSERT_TRUE(c.has_value()) << c.status().to_string();
    for (const auto& ch : (*c)["changes"]) {
      ++changes;
      for (const char* side : {"old", "new"}) {
        // Not every change carries a hash (a root's, a deletion's): value()
        // reads a missing key as null where operator[] on a const object may not.
        Json sha = ch.value(side, Json()).is_object() ? ch[side].value("sha256", Json()) : Json();
        if (sha.is_string() && outside_hashes.count(sha.get<std::string>())) {
          ++outside_announced;
        }
      }
    }
    since["cursor"] = (*c)["cursor"];
    if (!(*c)["has_more"].get<bool>()) break;
  }
  EXPECT_EQ(outside_announced, 0) << "hashes of files outside the root in the changelog";
  auto live = all_rows(d, root);
  for (const auto& [name, target] : links) {
    const Json& row = live[root + "/" + name];
    EXPECT_EQ(row["type"], "symlink") << name << ": " << row;
    EXPECT_EQ(row["sha256"], sha256_of(target)) << name;
  }
  for (const auto& name : specials) {
    const Json& row = live[root + "/" + name];
    EXPECT_EQ(row["type"], "other") << name << ": " << row;
    EXPECT_TRUE(row["sha256"].is_null()) << name;
  }
  int exact = 0;
  for (const auto& [rel, sha] : expect) {
    auto it = live.find(root + "/" + rel);
    if (it == live.end()) {
      ADD_FAILURE() << "not listed: "
                    << (rel.size() > 80 ? "..." + rel.substr(rel.size() - 80) : rel) << " ("
                    << rel.size() << " bytes)";
      continue;
    }
    EXPECT_EQ(it->second["sha256"], sha) << rel.substr(0, 80);
    exact += it->second["sha256"] == sha;
  }
  // Odd names back through files.get, byte for byte.
  int round_trips = 0;
  for (const auto& name : {ff_name, nl_name, long_name}) {
    std::string path = root + "/" + name;
    Json arg = valid_utf8(path) ? Json(path) : Json::binary({path.begin(), path.end()});
    auto r = d.call("files.get", {{"path", arg}});
    EXPECT_TRUE(r.has_value()) << r.status().to_string();
    if (!r) continue;
    EXPECT_EQ(path_bytes((*r)["path"]), path);
    EXPECT_EQ(path_bytes((*r)["name"]), name);
    round_trips += path_bytes((*r)["path"]) == path && path_bytes((*r)["name"]) == name;
  }
  // Nothing read from outside reached the search index either.
  bool indexed = wait_until(
      [&] {
        auto s = d.call("index.status");
        if (!s) return false;
        for (const auto& k : (*s)["kinds"]) {
          if (k["dirty"] != 0) return false;
        }
        return true;
      },
      30000);
  auto found = d.call("search.query", {{"q", kOutsideToken}});
  ASSERT_TRUE(found.has_value()) << found.status().to_string();
  EXPECT_TRUE((*found)["results"].empty()) << (*found)["results"].dump().substr(0, 400);

  // No open of the FIFO, the device or the socket, blocking or not.
  int opens = 0, special_opens = 0;
  if (traced) {
    std::ifstream in(trace);
    for (std::string line; std::getline(in, line);) {
      if (line.find("open") == std::string::npos) continue;
      ++opens;
      for (const auto& name : specials) {
        if (line.find("/" + name + "\"") != std::string::npos ||
            line.find("\"" + name + "\"") != std::string::npos) {
          ++special_opens;
          ADD_FAILURE() << "opened: " << line;
        }
      }
    }
    EXPECT_GT(opens, 0);
  }
  EXPECT_LT(scan_ms, 60000);
  EXPECT_TRUE(d.running());
  std::printf(
      "[ row 25 ] first scan %lld ms (tracked to done %lld ms), %d swaps of swap/ during it and "
      "%d rescans; %zu rows ever written, %d outside the root, %d with outside content; "
      "%d of %zu files exact (incl. depth %d, path %zu bytes); %d of 3 odd names round-trip, "
      "%d non-UTF-8 str; file->dir kept its new file: %s; %d changes, %d with outside content; "
      "bind mount %s, device %s; index settled %s; %d opens traced%s, "
      "%d of FIFO/device/socket\n",
      static_cast<long long>(scan_ms), static_cast<long long>(first_scan), swapper.swaps(), rescans,
      rows.size(), outside_rows, outside_content, exact, expect.size(), kDepth,
      root.size() + 1 + deep_leaf.size(), round_trips, non_utf8_str, inner_listed ? "yes" : "no",
      changes, outside_announced, bind.mounted ? "yes" : "no (not permitted)", device.c_str(),
      indexed ? "yes" : "no", opens, traced ? "" : " (no strace)", special_opens);
  // Under strace, SIGTERM goes to cairnd itself (strace exits with it).
  if (traced) ::kill(daemon_pid(d), SIGTERM);
  EXPECT_EQ(d.terminate(10000), 0);
}

}  // namespace
}  // namespace cairn::testing
