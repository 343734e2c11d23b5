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
  kTransient,   // out of file descriptors, or cancelled: try again later
  kOverCap,     // more than `max_bytes` came out of it (whatever st_size said):
                // recorded unread, like a file whose size is above the cap
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
// A set `cancel` stops a long read early (outcome kTransient): shutdown; it is
// checked after every read of at most 256 KiB. With a `root`, `dir` is opened
// below it following no symlink (base/open_below.h): a directory swapped for a
// link to elsewhere makes the file kVanished, never the hash of a file outside
// the root. With `dirfd` >= 0 (`dir` already open that way) it is used instead.
// `max_bytes` > 0 caps what is read, counted as it is read: a file whose
// st_size understates it (0 for many generated files) stops there (kOverCap).
// A file whose stat did not move while it was read, but which gave other than
// st_size bytes, is hashed as it read (its st_size is what the row keeps, so
// the stat fast path still applies); a file that grew or shrank is kChanged.
HashResult hash_file(const std::string& dir, const std::string& name, int64_t text_cap,
                     const std::atomic<bool>* cancel = nullptr, const std::string& root = {},
                     int dirfd = -1, int64_t max_bytes = 0);

// SHA-256 of a byte string, lowercase hex (symlink targets, tests).
std::string sha256_hex(std::string_view data);

inline int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace cairn::watchers
