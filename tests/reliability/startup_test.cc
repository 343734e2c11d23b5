// Row 8 of RELIABILITY.md: a corrupt or foreign database at startup is
// refused with a message that names the file and the way out, and neither the
// file nor its -wal and -shm are changed (or created).
#include <sys/stat.h>

#include <fstream>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

std::string digest(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "absent";
  auto r = run_command({"sha256sum", path});
  return r.output.substr(0, 64);
}

// A database cairnd made and stopped cleanly, with some rows in it.
void make_database(DaemonProcess& d) {
  ASSERT_TRUE(d.start().is_ok());
  std::string big(3000, 'x');
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(d.call("prefs.set",
                       {{"category", "c"}, {"key", "k" + std::to_string(i)}, {"value", big}}));
  }
  ASSERT_EQ(d.terminate(), 0);
}

TEST(Row08, ACorruptOrForeignDatabaseIsRefusedNamedAndLeftUntouched) {
  struct Case {
    const char* what;
    std::vector<std::string> damage;  // a shell command; $DB is the database
    const char* says;
  } cases[] = {
      {"a 4 KiB page overwritten",
       {"dd if=/dev/urandom of=\"$DB\" bs=4096 seek=3 count=1 conv=notrunc status=none"},
       "corrupt"},
      {"truncated to half", {"truncate -s $(( $(stat -c %s \"$DB\") / 2 )) \"$DB\""}, "corrupt"},
      {"a text file", {"echo 'just some text' > \"$DB\""}, "is not a SQLite database"},
      {"another application's SQLite file",
       {"rm -f \"$DB\"", "sqlite3 \"$DB\" 'PRAGMA application_id=1234; CREATE TABLE t(x);'"},
       "another application"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    DaemonProcess made;
    make_database(made);
    for (const auto& cmd : c.damage) {
      ASSERT_EQ(run_command({"sh", "-c", cmd}, {{"DB", made.db_path()}}).status, 0) << cmd;
    }
    std::string db = made.db_path();
    std::string before[3] = {digest(db), digest(db + "-wal"), digest(db + "-shm")};
    DaemonProcess d(made, {});
    int64_t t0 = monotonic_ms();
    int rc = d.run_to_exit(10000);
    EXPECT_NE(rc, 0);
    EXPECT_LT(rc, 128) << "cairnd died of a signal";
    EXPECT_LT(monotonic_ms() - t0, 5000);
    std::string log = d.log();
    EXPECT_NE(log.find(c.says), std::string::npos) << log;
    EXPECT_NE(log.find(db), std::string::npos) << "the message does not name the file: " << log;
    EXPECT_NE(log.find("cairn restore"), std::string::npos) << log;
    EXPECT_EQ(digest(db), before[0]) << "the database file was modified";
    EXPECT_EQ(digest(db + "-wal"), before[1]) << "the -wal file was modified or created";
    EXPECT_EQ(digest(db + "-shm"), before[2]) << "the -shm file was modified or created";
  }
}

}  // namespace
}  // namespace cairn::testing
