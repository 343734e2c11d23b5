// Row 26 of ../shared/RELIABILITY.md: permission denied. cairnd runs as uid
// 65534 (setpriv, as tests/integration/files_test.cc does); the test, as root,
// takes read permission away from a subdirectory, a file and then the root
// itself, and gives it back. A guard puts the modes back whatever happens.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"

namespace cairn::testing {
namespace {

const std::vector<std::string> kNobody{"setpriv", "--reuid", "65534",
                                       "--regid", "65534",   "--clear-groups"};

// chmod with the mode put back when the test ends.
struct ModeGuard {
  std::vector<std::pair<std::string, mode_t>> changed;
  bool set(const std::string& path, mode_t mode) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return false;
    changed.emplace_back(path, st.st_mode & 07777);
    return ::chmod(path.c_str(), mode) == 0;
  }
  void restore() {
    // The test runs as root, which may chmod below a directory it made 000.
    for (const auto& [path, mode] : changed) ::chmod(path.c_str(), mode);
    changed.clear();
  }
  ~ModeGuard() { restore(); }
};

std::string text(const Json& v) { return v.is_string() ? v.get<std::string>() : ""; }

TEST(Row26, UnreadableSubdirFileAndRootAreReportedNotFatalAndIndexedOnceReadableAgain) {
  if (::geteuid() != 0) GTEST_SKIP() << "running cairnd as uid 65534 needs root";
  if (!have_program("setpriv")) GTEST_SKIP() << "setpriv is not installed";
  TempDir t;
  const std::string root = t / "root";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/locked").c_str(), 0755), 0);
  for (const char* f : {"a.txt", "b.txt", "secret.txt", "locked/c.txt", "locked/d.txt"}) {
    write_file(root + "/" + f, std::string(f) + "\n");
  }
  DaemonOptions o;
  o.wrapper = kNobody;
  DaemonProcess d(o);
  write_file(d.home() + "/cairnd.toml", "watch_degraded_scan_s = 1\n");
  ::mkdir((d.home() + "/run").c_str(), 0700);
  ASSERT_EQ(run_command({"chown", "-R", "65534:65534", d.home()}).status, 0);
  // The fixture pings as root, which the daemon refuses: talk to it as nobody.
  (void)d.start(300);
  ASSERT_TRUE(d.running()) << d.log();
  auto call = [&](const std::string& method, const Json& args = Json::object()) {
    std::vector<std::string> argv = kNobody;
    for (const auto& a : {DaemonProcess::binary("cairn"), std::string("--socket"), d.socket_path(),
                          std::string("--no-spawn"), std::string("--json"), std::string("call"),
                          method, args.dump()}) {
      argv.push_back(a);
    }
    Json out = Json::parse(run_command(argv).output, nullptr, false);
    return out.is_discarded() ? Json() : out;
  };
  auto root_row = [&] {
    Json roots = call("files.roots");
    return roots.contains("roots") && roots["roots"].size() == 1 ? roots["roots"][0] : Json();
  };
  auto row = [&](const std::string& rel) {
    return call("files.get", {{"path", root + "/" + rel}});
  };
  auto ok_with_hash = [&](const std::string& rel) {
    Json r = row(rel);
    return r["status"] == "ok" && r["sha256"] == sha256_of(rel + "\n");
  };
  ASSERT_TRUE(wait_until([&] { return call("daemon.ping") == "pong"; }, 10000)) << d.log();
  ASSERT_EQ(call("files.track", {{"path", root}})["path"], root);
  ASSERT_TRUE(wait_until([&] { return root_row()["state"] == "watching"; }, 20000));
  ASSERT_TRUE(ok_with_hash("locked/c.txt"));

  ModeGuard modes;
  // A subdirectory and a file.
  int64_t t0 = monotonic_ms();
  ASSERT_TRUE(modes.set(root + "/locked", 0));
  ASSERT_TRUE(modes.set(root + "/secret.txt", 0));
  EXPECT_TRUE(wait_until([&] { return row("secret.txt")["status"] == "error"; }, 10000))
      << row("secret.txt");
  EXPECT_NE(text(row("secret.txt")["error"]).find("Permission denied"), std::string::npos)
      << row("secret.txt");
  EXPECT_TRUE(wait_until(
      [&] { return text(root_row()["last_error"]).find(root + "/locked") != std::string::npos; },
      10000))
      << root_row();
  int64_t reported_ms = monotonic_ms() - t0;
  std::string sub_error = text(root_row()["last_error"]);
  EXPECT_NE(sub_error.find("Permission denied"), std::string::npos) << sub_error;
  EXPECT_NE(d.log().find(root + "/locked"), std::string::npos) << "no warning in the log";
  // The rest is indexed: what was there, and a file written now.
  EXPECT_TRUE(ok_with_hash("a.txt"));
  write_file(root + "/new.txt", "new.txt\n");
  EXPECT_TRUE(wait_until([&] { return ok_with_hash("new.txt"); }, 10000)) << row("new.txt");
  EXPECT_EQ(root_row()["state"], "watching");

  // Then the root.
  int64_t t1 = monotonic_ms();
  ASSERT_TRUE(modes.set(root, 0));
  EXPECT_TRUE(wait_until([&] { return root_row()["state"] == "error"; }, 10000)) << root_row();
  int64_t root_ms = monotonic_ms() - t1;
  std::string root_error = text(root_row()["last_error"]);
  EXPECT_NE(root_error.find("Permission denied"), std::string::npos) << root_error;
  EXPECT_EQ(call("daemon.ping"), "pong");
  EXPECT_TRUE(d.running());

  // Readable again: indexed at the next rescan, without a restart or a call.
  int64_t t2 = monotonic_ms();
  modes.restore();
  EXPECT_TRUE(wait_until([&] { return root_row()["state"] == "watching"; }, 15000)) << root_row();
  EXPECT_TRUE(wait_until([&] { return ok_with_hash("secret.txt"); }, 15000)) << row("secret.txt");
  EXPECT_TRUE(wait_until([&] { return root_row()["last_error"].is_null(); }, 15000)) << root_row();
  int64_t recovered_ms = monotonic_ms() - t2;
  EXPECT_TRUE(ok_with_hash("locked/c.txt")) << row("locked/c.txt");
  write_file(root + "/locked/e.txt", "locked/e.txt\n");
  EXPECT_TRUE(wait_until([&] { return ok_with_hash("locked/e.txt"); }, 10000))
      << row("locked/e.txt");
  EXPECT_EQ(call("daemon.ping"), "pong");
  std::printf(
      "[ row 26 ] as uid 65534: file error + subdir reported after %lld ms (\"%s\"); root "
      "state error after %lld ms (\"%s\"); modes back: watching, all indexed after %lld ms\n",
      static_cast<long long>(reported_ms), sub_error.c_str(), static_cast<long long>(root_ms),
      root_error.c_str(), static_cast<long long>(recovered_ms));
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace cairn::testing
