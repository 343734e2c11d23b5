// Rows 31 and 34 of ../shared/RELIABILITY.md: the paths a client names for a
// db.* method.
//   Row 31: a write (db.export, db.backup) aimed at cairnd's own files (the
//   live database, -wal, -shm, the lock, the socket, the log, the config), at a
//   symlink or hard link to one of them, or anywhere in the data directory but
//   its backups directory is refused with INVALID_PARAMS naming the path, and
//   every acknowledged write is still there after a restart.
//   Row 34: a FIFO, /dev/zero, a directory or a /proc file named as what
//   db.import or db.restore reads answers a clear error within a second,
//   nothing blocks, and the next db.* call is served (not CONFLICT).
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/reliability/reliability.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

int64_t acked_prefs(DaemonProcess& d, int n) {
  auto c = d.client();
  int64_t acked = 0;
  for (int i = 0; i < n; ++i) {
    auto r = c.call("prefs.set", {{"category", "acked"}, {"key", std::to_string(i)}, {"value", i}});
    if (!r) break;
    ++acked;
  }
  return acked;
}

TEST(Row31, WritesAimedAtTheDaemonsOwnFilesAreRefusedAndNothingIsLost) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_EQ(acked_prefs(d, 50), 50);
  const std::string data = d.data_dir();
  // Links from outside the data directory onto the live files.
  std::string outside = d.home() + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(d.db_path().c_str(), (outside + "/db-link").c_str()), 0);
  ASSERT_EQ(::symlink((d.db_path() + "-wal").c_str(), (outside + "/wal-link").c_str()), 0);
  ASSERT_EQ(::symlink(data.c_str(), (outside + "/data-link").c_str()), 0);
  ASSERT_EQ(::link(d.db_path().c_str(), (outside + "/hard.db").c_str()), 0);
  ASSERT_EQ(::symlink((outside + "/nowhere").c_str(), (outside + "/dangling").c_str()), 0);
  std::vector<std::string> targets = {
      d.db_path(),
      d.db_path() + "-wal",
      d.db_path() + "-shm",
      d.db_path() + "-journal",
      data + "/cairnd.lock",
      d.socket_path(),
      d.log_path(),
      d.home() + "/cairnd.toml",
      data + "/notes.json",  // inside the data directory, not a backup
      outside + "/db-link",
      outside + "/wal-link",
      outside + "/data-link/cairn.db",
      outside + "/data-link/other.json",
      outside + "/hard.db",
      outside + "/dangling",
      outside + "/missing-dir/x.json",
  };
  for (const std::string& method : {std::string("db.export"), std::string("db.backup")}) {
    for (const std::string& t : targets) {
      auto r = d.call(method, {{"path", t}});
      ASSERT_FALSE(r) << method << " wrote " << t;
      EXPECT_EQ(r.status().code(), Code::kInvalidParams)
          << method << " " << t << ": " << r.status().to_string();
      EXPECT_NE(r.status().message().find(t), std::string::npos)
          << method << ": the message does not name " << t << ": " << r.status().message();
    }
  }
  // A directory that is (or leads into) the data directory is no backup target either.
  for (const std::string& dir : {data, outside + "/data-link"}) {
    auto r = d.call("db.backup", {{"path", dir}});
    ASSERT_FALSE(r) << "db.backup into " << dir;
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << r.status().to_string();
  }
  // Nothing was replaced: the links are links still, the dangling one points nowhere.
  struct stat st {};
  ASSERT_EQ(::lstat((outside + "/db-link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(::access((outside + "/nowhere").c_str(), F_OK), 0);
  // Places it may write still work: outside the data directory and its backups.
  EXPECT_TRUE(d.call("db.export", {{"path", outside + "/e.json"}}));
  EXPECT_TRUE(d.call("db.backup", {{"path", outside + "/b.db"}}));
  EXPECT_TRUE(d.call("db.backup", Json::object()));
  // Writes go on and every acknowledged one survives a restart.
  ASSERT_EQ(acked_prefs(d, 60), 60);
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(d.db_path());
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM prefs WHERE category = 'acked';")),
            "60");
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok());
  auto v = again.call("prefs.get", {{"category", "acked"}, {"key", "59"}});
  ASSERT_TRUE(v) << v.status().to_string();
  EXPECT_EQ((*v)["value"], 59);
}

TEST(Row34, SpecialFilesNamedForImportOrRestoreAnswerAtOnceAndLeaveDbFree) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string fifo = d.home() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string dir = d.home() + "/a-dir";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  struct Case {
    std::string path;
    Code code;
  };
  std::vector<Case> cases = {{fifo, Code::kInvalidParams},
                             {"/dev/zero", Code::kInvalidParams},
                             {"/dev/null", Code::kInvalidParams},
                             {dir, Code::kInvalidParams},
                             {"/proc/self/status", Code::kInvalidParams},
                             {d.home() + "/missing", Code::kNotFound}};
  for (const Case& c : cases) {
    for (const std::string& method : {std::string("db.import"), std::string("db.restore")}) {
      Json args{{"path", c.path}};
      if (method == "db.import") args["mode"] = "merge";
      int64_t t0 = monotonic_ms();
      auto r = d.client().call(method, args, 5000);
      int64_t took = monotonic_ms() - t0;
      ASSERT_FALSE(r) << method << " of " << c.path << " succeeded";
      EXPECT_EQ(r.status().code(), c.code)
          << method << " " << c.path << ": " << r.status().to_string();
      EXPECT_NE(r.status().message().find(c.path), std::string::npos) << r.status().message();
      EXPECT_LT(took, 1000) << method << " of " << c.path << " took " << took << " ms";
      // The next db.* call is served: the failed one freed the slot.
      auto next = d.call("db.export", {{"tables", {"prefs"}}});
      EXPECT_TRUE(next) << "after " << method << " of " << c.path << ": "
                        << next.status().to_string();
    }
  }
  expect_ping_within_100ms(d);
  // SIGTERM is not held up by anything those calls started.
  int64_t t0 = monotonic_ms();
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_LT(monotonic_ms() - t0, 5000);
}

TEST(Row34, AFifoOrADirectoryAsTheConfigFileIsRefusedAtStartWithinASecond) {
  TempDir home;
  std::string fifo = home / "fifo.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string dir = home / "dir.toml";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  for (const std::string& config : {fifo, dir, std::string("/dev/zero")}) {
    int64_t t0 = monotonic_ms();
    CommandResult r =
        run_command({DaemonProcess::binary("cairnd"), "--config", config, "--data-dir",
                     home / "data", "--socket", home / "s.sock", "--state-dir", home / "state"},
                    {}, 10000);
    int64_t took = monotonic_ms() - t0;
    EXPECT_EQ(r.status, 2) << config << ": " << r.output;
    EXPECT_NE(r.output.find(config), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not a regular file"), std::string::npos) << r.output;
    EXPECT_LT(took, 1000) << config;
  }
}

}  // namespace
}  // namespace cairn::testing
