// open_dir_below / lstat_below (base/open_below.h): what lies below a root is
// opened without following a symlink and whatever its depth; and the hasher
// that uses them. Paths that are not UTF-8 (base/byte_text.h) go out as bin.
#include "base/open_below.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>

#include "base/byte_text.h"
#include "tests/support/daemon_process.h"
#include "watchers/hasher.h"

namespace cairn {
namespace {

TEST(OpenBelow, OpensTheRootAndDirectoriesBelowIt) {
  testing::TempDir t;
  ASSERT_EQ(::mkdir((t / "a").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((t / "a/b").c_str(), 0755), 0);
  EXPECT_TRUE(open_dir_below(t.path(), t.path()).valid());
  EXPECT_TRUE(open_dir_below(t.path(), t / "a/b").valid());
  errno = 0;
  EXPECT_FALSE(open_dir_below(t / "a", t.path()).valid());
  EXPECT_EQ(errno, EXDEV);
}

TEST(OpenBelow, ARootThatIsAFileOpensItsOwnDirectoryAndNoOther) {
  testing::TempDir t;
  ASSERT_EQ(::mkdir((t / "a").c_str(), 0755), 0);
  std::ofstream(t / "a/one.txt") << "x\n";
  EXPECT_TRUE(open_dir_below(t / "a/one.txt", t / "a").valid());
  struct stat st {};
  EXPECT_EQ(lstat_below(t / "a/one.txt", t / "a/one.txt", &st), 0);
  EXPECT_FALSE(open_dir_below(t / "a/one.txt", t.path()).valid());
  EXPECT_FALSE(open_dir_below(t / "a", t.path()).valid());
}

TEST(OpenBelow, ASymlinkOnTheWayIsNeverFollowed) {
  testing::TempDir t, outside;
  ASSERT_EQ(::mkdir((outside / "in").c_str(), 0755), 0);
  std::ofstream(outside / "in/secret") << "outside";
  ASSERT_EQ(::symlink(outside.path().c_str(), (t / "link").c_str()), 0);
  errno = 0;
  EXPECT_FALSE(open_dir_below(t.path(), t / "link/in").valid());
  EXPECT_TRUE(errno == ELOOP || errno == ENOTDIR) << errno;
  struct stat st {};
  ASSERT_EQ(lstat_below(t.path(), t / "link", &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(lstat_below(t.path(), t / "link/in/secret", &st), 0);
  // The hasher with a root: the file behind the link is not read.
  auto r = watchers::hash_file(t / "link/in", "secret", 1 << 20, nullptr, t.path());
  EXPECT_EQ(r.outcome, watchers::HashOutcome::kVanished) << r.error;
  EXPECT_EQ(watchers::hash_file(outside / "in", "secret", 1 << 20).outcome,
            watchers::HashOutcome::kHashed);
}

TEST(OpenBelow, ATreeDeeperThanPathMaxIsOpened) {
  testing::TempDir t;
  std::string path = t.path();
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(::mkdirat(fd.get(), "sixteen-bytes-xx", 0755), 0);
    fd = Fd(::openat(fd.get(), "sixteen-bytes-xx", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    path += "/sixteen-bytes-xx";
  }
  ASSERT_GT(path.size(), static_cast<size_t>(PATH_MAX));
  Fd deep = open_dir_below(t.path(), path);
  ASSERT_TRUE(deep.valid()) << std::strerror(errno);
  struct stat a {
  }, b{};
  ASSERT_EQ(::fstat(deep.get(), &a), 0);
  ASSERT_EQ(::fstat(fd.get(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  struct stat st {};
  EXPECT_EQ(lstat_below(t.path(), path, &st), 0);
  // std::filesystem cannot remove it (ENAMETOOLONG): rm can.
  testing::run_command({"rm", "-rf", t / "sixteen-bytes-xx"});
}

TEST(ByteText, OnlyWellFormedUtf8IsAStr) {
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("line\nbreak"));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("bad\xffname"));
  EXPECT_FALSE(is_utf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8("\xe2\x82"));          // cut short
  EXPECT_TRUE(str_or_bin("a/b").is_string());
  Json bin = str_or_bin("a/\xff");
  ASSERT_TRUE(bin.is_binary());
  EXPECT_EQ(bin_as_str(bin), Json("a/\xff"));
  EXPECT_EQ(bin_as_str(Json(3)), Json(3));
}

}  // namespace
}  // namespace cairn
