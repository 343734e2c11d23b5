// Row 38 of ../shared/RELIABILITY.md: who can read what cairn writes. Under a
// umask of 022 (the usual one), the database, its -wal and -shm, default and
// named backups with their sidecars, exports, the copy a restore keeps aside
// and the log are 0600, the directories cairnd makes 0700, and uid 65534 (run
// with setpriv, as the other permission tests do) can read none of them, even
// in a 0755 directory. A database left 0644 by an older version is tightened
// at the next start.
#include <sys/stat.h>
#include <unistd.h>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

const std::vector<std::string> kNobody{"setpriv", "--reuid", "65534",
                                       "--regid", "65534",   "--clear-groups"};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 01000;  // absent: never equal to a mode
  return st.st_mode & 07777;
}

bool nobody_can_read(const std::string& path) {
  std::vector<std::string> argv = kNobody;
  argv.insert(argv.end(), {"head", "-c", "1", path});
  return run_command(argv).status == 0;
}

// Restores the test process's umask when the test ends.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t m) : old_(::umask(m)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(Row38, EveryFileCairnWritesIsPrivateAndAnotherUserReadsNone) {
  if (::geteuid() != 0) GTEST_SKIP() << "checking what uid 65534 can read needs root";
  if (!have_program("setpriv")) GTEST_SKIP() << "setpriv is not installed";
  UmaskGuard umask(022);
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "secret"}, {"key", "k"}, {"value", "v"}}));
  // A folder the user opened to others, as in the report: 0755 all the way.
  std::string shared = d.home() + "/shared";
  ASSERT_EQ(::mkdir(shared.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(d.home().c_str(), 0755), 0);
  auto named = d.call("db.backup", {{"path", shared + "/b.db"}});
  ASSERT_TRUE(named) << named.status().to_string();
  auto dflt = d.call("db.backup", Json::object());
  ASSERT_TRUE(dflt) << dflt.status().to_string();
  std::string default_backup = (*dflt)["path"];
  ASSERT_TRUE(d.call("db.export", {{"path", shared + "/e.json"}}));
  auto restored = d.call("db.restore", {{"path", shared + "/b.db"}});
  ASSERT_TRUE(restored) << restored.status().to_string();
  std::string aside = (*restored)["kept_aside"];
  ASSERT_TRUE(d.call("prefs.set", {{"category", "secret"}, {"key", "k2"}, {"value", "v"}}));

  const std::vector<std::string> files = {d.db_path(),
                                          d.db_path() + "-wal",
                                          d.db_path() + "-shm",
                                          shared + "/b.db",
                                          shared + "/b.db.json",
                                          default_backup,
                                          default_backup + ".json",
                                          shared + "/e.json",
                                          aside,
                                          d.log_path()};
  for (const auto& f : files) EXPECT_EQ(mode_of(f), 0600u) << f;
  EXPECT_EQ(mode_of(d.data_dir()), 0700u);
  EXPECT_EQ(mode_of(d.data_dir() + "/backups"), 0700u);
  // Even with the data directory opened up, the files themselves hold.
  ASSERT_EQ(::chmod(d.data_dir().c_str(), 0755), 0);
  ASSERT_EQ(::chmod((d.data_dir() + "/backups").c_str(), 0755), 0);
  // The control: uid 65534 can read a file that is meant to be readable there.
  std::string open = shared + "/readme";
  {
    Fd fd(::open(open.c_str(), O_WRONLY | O_CREAT, 0644));
    ASSERT_TRUE(fd.valid());
  }
  ASSERT_EQ(::chmod(open.c_str(), 0644), 0);
  ASSERT_TRUE(nobody_can_read(open)) << "the control file is unreadable: the test proves nothing";
  for (const auto& f : files) EXPECT_FALSE(nobody_can_read(f)) << "uid 65534 read " << f;
}

TEST(Row38, ADatabaseLeftReadableByOthersIsTightenedAtStart) {
  UmaskGuard umask(022);
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "secret"}, {"key", "k"}, {"value", "v"}}));
  EXPECT_EQ(d.terminate(), 0);
  ASSERT_EQ(::chmod(d.db_path().c_str(), 0644), 0);
  ASSERT_EQ(::chmod(d.log_path().c_str(), 0644), 0);
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok());
  EXPECT_EQ(mode_of(again.db_path()), 0600u);
  EXPECT_EQ(mode_of(again.db_path() + "-wal"), 0600u);
  EXPECT_EQ(mode_of(again.log_path()), 0600u);
}

}  // namespace
}  // namespace cairn::testing
