// hash_file: SHA-256 of real files, and what it refuses to open.
#include "watchers/hasher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "base/fd.h"
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

// Writes `bytes` of non-zero data, flushed to disk (dirty pages are never
// dropped), then either reads it once so that all of it is cached, or drops it.
void write_file(const std::string& path, size_t bytes, bool cached) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  std::string block(1 << 20, 'q');
  for (size_t done = 0; done < bytes; done += block.size()) {
    ASSERT_EQ(::write(fd.get(), block.data(), block.size()), static_cast<ssize_t>(block.size()));
  }
  ASSERT_EQ(::fdatasync(fd.get()), 0);
  ASSERT_EQ(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED), 0);
  if (!cached) return;
  for (off_t off = 0; off < static_cast<off_t>(bytes); off += static_cast<off_t>(block.size())) {
    ASSERT_GT(::pread(fd.get(), block.data(), block.size(), off), 0);
  }
}

// The share of the file's pages in the page cache (mincore of a mapping).
double cached_fraction(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || st.st_size == 0) return -1;
  const size_t len = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return -1;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in_core((len + page - 1) / page);
  const int rc = ::mincore(map, len, in_core.data());
  ::munmap(map, len);
  if (rc != 0) return -1;
  size_t resident = 0;
  for (unsigned char c : in_core) resident += c & 1;
  return static_cast<double>(resident) / static_cast<double>(in_core.size());
}

// A large file read only to be hashed leaves the page cache again; a large file
// that was cached (in use) and a small one stay.
// Row 34: /proc/self/pagemap says st_size 0 and reads for hundreds of GiB. The
// cap counts the bytes read, so the read stops there (kOverCap) at once.
TEST(Hasher, ReadsAreCappedByTheBytesReadNotByStSize) {
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/pagemap", &st), 0);
  ASSERT_EQ(st.st_size, 0);
  auto t0 = std::chrono::steady_clock::now();
  HashResult r = hash_file("/proc/self", "pagemap", 1 << 20, nullptr, {}, -1, 4 << 20);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.outcome, HashOutcome::kOverCap) << r.error;
  EXPECT_LT(ms, 5000);
}

// A file whose stat does not move while it is read, but which reads other than
// st_size bytes (0 for /proc/self/cmdline), is hashed as it read: looking again
// would read the same, so it is not "changed while hashing" forever.
TEST(Hasher, AFileThatMisreportsItsSizeIsHashedAsItReads) {
  std::string cmdline;
  {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    cmdline.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_FALSE(cmdline.empty());
  HashResult r = hash_file("/proc/self", "cmdline", 1 << 20, nullptr, {}, -1, 1 << 20);
  ASSERT_EQ(r.outcome, HashOutcome::kHashed) << r.error;
  EXPECT_EQ(r.sha256, sha256_hex(cmdline));
  EXPECT_EQ(r.size, 0);  // its st_size: what the stat fast path compares
}

// Shutdown: a set stop flag ends a read in progress at its next chunk.
TEST(Hasher, ASetStopFlagEndsAnEndlessReadAtOnce) {
  std::atomic<bool> stop{false};
  HashResult r;
  auto t0 = std::chrono::steady_clock::now();
  std::thread reader([&] { r = hash_file("/proc/self", "pagemap", 1 << 20, &stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  reader.join();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.outcome, HashOutcome::kTransient);
  EXPECT_LT(ms, 2000);
}

TEST(Hasher, WhatHashingALargeFileBroughtIntoThePageCacheLeavesItAndTheRestStays) {
  cairn::testing::TempDir t;
  write_file(t / "cold", 40u << 20, false);
  write_file(t / "warm", 40u << 20, true);
  write_file(t / "small", 1u << 20, false);
  ASSERT_LT(cached_fraction(t / "cold"), 0.1) << "the setup did not drop the file";
  ASSERT_GT(cached_fraction(t / "warm"), 0.9) << "the setup did not cache the file";
  for (const char* name : {"cold", "warm", "small"}) {
    ASSERT_EQ(hash_file(t.path(), name, 1 << 20).outcome, HashOutcome::kHashed) << name;
  }
  EXPECT_LT(cached_fraction(t / "cold"), 0.05);
  EXPECT_GT(cached_fraction(t / "warm"), 0.9);
  EXPECT_GT(cached_fraction(t / "small"), 0.9);
}

}  // namespace
}  // namespace cairn::watchers
