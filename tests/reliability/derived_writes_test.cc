// Row 40 of ../shared/RELIABILITY.md: derived writes that fail. The watcher's
// file rows (and the index built from them) are written while the database's
// disk is full: nothing may be dropped for good. The root says what happened
// while it is behind, and once space returns the rows and the search index
// converge to the files on disk in the same process.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "tests/reliability/reliability.h"
#include "tests/support/files_helpers.h"
#include "tests/support/probes.h"
#include "tests/support/tmpfs_mount.h"

namespace cairn::testing {
namespace {

constexpr int kFiles = 300;

std::string content(int i, const std::string& word) {
  return "file " + std::to_string(i) + " says " + word + "\n" + std::string(200, 'x') + "\n";
}

// Fills the filesystem of `path` with one file, until it refuses more.
void fill(const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  std::string block(64 * 1024, 'f');
  while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
  }
  f.flush();
}

bool index_idle(DaemonProcess& d) {
  auto s = d.call("index.status");
  if (!s) return false;
  for (const auto& k : (*s)["kinds"]) {
    if (k["dirty"] != 0) return false;
  }
  return true;
}

int64_t hits(DaemonProcess& d, const std::string& word) {
  auto r = d.call("search.query", {{"q", word}, {"limit", 1000}});
  if (!r) return -1;
  int64_t n = 0;
  for (const auto& h : (*r)["results"]) n += h.value("kind", "") == "file";
  return n;
}

// The database on an 8 MiB tmpfs, the tracked tree on the ordinary disk: 300
// files are tracked and indexed; then the tmpfs is filled (a filler file, and
// 4 KiB prefs until five in a row are refused) and all 300 files are
// rewritten with a new word. The root must leave `watching` and say in
// last_error that its rows could not be written. The filler removed: within
// 90 s, in the same daemon, every row's hash and stat are the file's, the new
// word finds all 300 files and the old one none, and the root is `watching`
// again with no last_error.
TEST(Row40, FileRowsLostToAFullDiskAreRewrittenOnceSpaceReturnsAndTheRootSaysSoMeanwhile) {
  TempDir t;
  const std::string mnt = t / "mnt";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  TmpfsMount m{mnt, "size=8m,mode=0755"};
  if (!m.mount()) {
    GTEST_SKIP() << "mount -t tmpfs needs root or CAP_SYS_ADMIN: " << std::strerror(errno);
  }
  const std::string tree = t / "tree";
  ASSERT_EQ(::mkdir(tree.c_str(), 0755), 0);
  for (int i = 0; i < kFiles; ++i)
    write_file(tree + "/f" + std::to_string(i) + ".txt", content(i, "alphaword"));
  DaemonOptions o;
  o.args = {"--data-dir", mnt + "/data"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  const pid_t pid = d.pid();
  track(d, tree);
  ASSERT_TRUE(wait_until([&] { return listed(d, tree).size() == kFiles; }, 30000));
  ASSERT_TRUE(wait_until([&] { return index_idle(d) && hits(d, "alphaword") == kFiles; }, 60000))
      << hits(d, "alphaword");

  // Full: a filler, then prefs until five in a row are refused (the WAL's
  // room is used up too).
  const std::string filler = mnt + "/filler";
  fill(filler);
  int refused = 0;
  for (int i = 0; refused < 5 && i < 5000; ++i) {
    auto r = d.call("prefs.set", {{"category", "full"},
                                  {"key", "k" + std::to_string(i)},
                                  {"value", std::string(4096, 'p')}});
    refused = r ? 0 : refused + 1;
  }
  ASSERT_EQ(refused, 5) << "the disk never filled";

  const int64_t changed_at = monotonic_ms();
  for (int i = 0; i < kFiles; ++i)
    write_file(tree + "/f" + std::to_string(i) + ".txt", content(i, "betaword"));
  Json while_full;
  EXPECT_TRUE(wait_until(
      [&] {
        while_full = root_json(d, tree);
        return while_full.value("state", "") == "stale";
      },
      30000))
      << while_full.dump();
  const std::string error = while_full.value("last_error", Json("")).is_string()
                                ? while_full["last_error"].get<std::string>()
                                : "";
  EXPECT_NE(error.find("writing file rows failed"), std::string::npos) << while_full.dump();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_GE((*st)["files"]["roots_stale"].get<int64_t>(), 1) << (*st)["files"].dump();
  expect_ping_within_100ms(d);

  // Space returns: the rows and the index converge without a restart.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  const int64_t freed_at = monotonic_ms();
  EXPECT_TRUE(wait_until(
      [&] { return listed(d, tree).size() == kFiles && rows_unlike_the_files(d, tree).empty(); },
      90000))
      << rows_unlike_the_files(d, tree).size() << " rows unlike their files";
  const int64_t rows_ms = monotonic_ms() - freed_at;
  EXPECT_TRUE(wait_until([&] { return state_of(d, tree) == "watching"; }, 30000))
      << root_json(d, tree).dump();
  EXPECT_TRUE(root_json(d, tree)["last_error"].is_null()) << root_json(d, tree).dump();
  EXPECT_TRUE(wait_until(
      [&] { return index_idle(d) && hits(d, "betaword") == kFiles && hits(d, "alphaword") == 0; },
      90000))
      << "betaword " << hits(d, "betaword") << ", alphaword " << hits(d, "alphaword");
  const int64_t index_ms = monotonic_ms() - freed_at;
  EXPECT_EQ(d.pid(), pid);
  expect_ping_within_100ms(d);
  std::printf(
      "[ row 40 ] %d files rewritten while full: root '%s' (%s) after %lld ms; space "
      "freed: rows exact after %lld ms, search exact after %lld ms, same pid\n",
      kFiles, while_full.value("state", "").c_str(), error.c_str(),
      static_cast<long long>(freed_at - changed_at), static_cast<long long>(rows_ms),
      static_cast<long long>(index_ms));
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(mnt + "/data/cairn.db");
}

}  // namespace
}  // namespace cairn::testing
