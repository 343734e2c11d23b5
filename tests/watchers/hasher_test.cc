// hash_file: SHA-256 of real files, and what it refuses to open.
#include "watchers/hasher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/daemon_process.h"

namespace cairn::watchers {
namespace {

TEST(Hasher, TheHashOfAFileIsItsSha256) {
  cairn::testing::TempDir t;
  std::ofstream(t / "abc") << "abc";
  HashResult r = hash_file(t.path(), "abc", 1 << 20);
  ASSERT_EQ(r.outcome, HashOutcome::kHashed) << r.error;
  EXPECT_EQ(r.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(r.size, 3);
  EXPECT_TRUE(r.is_text);
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hasher, ANulByteOrASizeAboveTheCapMeansNotText) {
  cairn::testing::TempDir t;
  std::ofstream(t / "bin", std::ios::binary) << std::string("a\0b", 3);
  std::ofstream(t / "big") << std::string(100, 'x');
  EXPECT_FALSE(hash_file(t.path(), "bin", 1 << 20).is_text);
  HashResult big = hash_file(t.path(), "big", 10);
  EXPECT_EQ(big.outcome, HashOutcome::kHashed);
  EXPECT_FALSE(big.is_text);
}

TEST(Hasher, AFifoIsNeverReadAndASymlinkNeverFollowed) {
  cairn::testing::TempDir t;
  ASSERT_EQ(::mkfifo((t / "fifo").c_str(), 0644), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (t / "link").c_str()), 0);
  EXPECT_EQ(hash_file(t.path(), "fifo", 1 << 20).outcome, HashOutcome::kNotRegular);
  EXPECT_EQ(hash_file(t.path(), "link", 1 << 20).outcome, HashOutcome::kVanished);
}

TEST(Hasher, AMissingFileHasVanished) {
  cairn::testing::TempDir t;
  EXPECT_EQ(hash_file(t.path(), "nope", 1 << 20).outcome, HashOutcome::kVanished);
}

}  // namespace
}  // namespace cairn::watchers
