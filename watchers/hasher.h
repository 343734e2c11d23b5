// Hasher: reads one tracked file safely and computes its SHA-256 (OpenSSL EVP).
//
// The file is opened with openat(dir, name, O_RDONLY|O_NOFOLLOW|O_NONBLOCK|
// O_CLOEXEC) and fstat'ed; only a regular file is read (a FIFO opened without
// O_NONBLOCK blocks forever, a device can be endless, a symlink is not
// followed). The path is stat'ed again after reading: if size, mtime or inode
// moved the file changed while being hashed and the result says so, so no hash
// is ever stored for a state the file was not in.
//
// Binary detection: a NUL byte in the first 8 KiB. `is_text` is true for a
// regular file that is not binary and not above the size cap; files above the
// cap are still hashed.
//
// Pure functions; any thread. Each call uses its own buffer and digest context.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::watchers {

enum class HashOutcome {
  kHashed,      // sha256 and the stat fields describe one state of the file
  kNotRegular,  // opened, but not a regular file (it changed type under us)
  kChanged,     // it changed while being read: check again later
  kVanished,    // gone (ENOENT) or replaced by a symlink
  kError,       // could not open or read it: `error` says why (e.g. unreadable)
  kTransient,   // out of file descriptors: try again later
};

struct HashResult {
  HashOutcome outcome = HashOutcome::kError;
  std::string sha256;  // lowercase hex
  bool is_text = false;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t inode = 0;
  std::string error;
};

// Hashes `dir`/`name`. `text_cap` is the size above which a file is not text.
// A set `cancel` stops a long read early (outcome kTransient): shutdown. With
// a `root`, `dir` is opened below it following no symlink (base/open_below.h): a
// directory swapped for a link to elsewhere makes the file kVanished, never
// the hash of a file outside the root.
HashResult hash_file(const std::string& dir, const std::string& name, int64_t text_cap,
                     const std::atomic<bool>* cancel = nullptr, const std::string& root = {});

// SHA-256 of a byte string, lowercase hex (symlink targets, tests).
std::string sha256_hex(std::string_view data);

inline int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace cairn::watchers
