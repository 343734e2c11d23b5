#include "watchers/hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "base/fd.h"
#include "base/open_below.h"

namespace cairn::watchers {

namespace {

constexpr size_t kBufferBytes = 256 * 1024;
constexpr size_t kSniffBytes = 8 * 1024;
// What hashing a file of at least kDropAbove bytes reads into the page cache
// leaves it again, a window of kDropStep at a time: hashing a tree must not push
// out what the user has cached with gigabytes nobody asked for. In a virtual
// machine a cache that grows into memory the guest has never touched also
// stalls every CPU while the host maps it (row 27: ping p99 228 ms and 13.5 s
// to hash 2 GiB before this, 2 ms and 1.6 s after). A window that was mostly
// cached before the read, a file in use, stays; so do smaller files, source
// code mostly, which are likely to be opened next.
constexpr int64_t kDropAbove = 16 * 1024 * 1024;
constexpr int64_t kDropStep = 4 * 1024 * 1024;

class CacheDropper {
 public:
  // Which windows were mostly cached is read once, before the first read: the
  // kernel's readahead (up to 8 MiB on a virtio disk) fills the next window
  // before the hasher reaches it.
  CacheDropper(int fd, int64_t size) : fd_(fd), on_(size >= kDropAbove) {
    if (on_) keep_ = windows_cached(size);
  }
  // Called with the bytes read so far, after each read.
  void advance(int64_t total) {
    if (!on_) return;
    for (; total - start_ >= kDropStep; start_ += kDropStep) {
      if (!kept(start_)) ::posix_fadvise(fd_, start_, kDropStep, POSIX_FADV_DONTNEED);
    }
  }
  void finish(int64_t total) {
    if (on_ && total > start_ && !kept(start_)) {
      ::posix_fadvise(fd_, start_, 0, POSIX_FADV_DONTNEED);
    }
  }

 private:
  bool kept(int64_t off) const {
    size_t w = static_cast<size_t>(off / kDropStep);
    return w < keep_.size() && keep_[w];
  }
  // For each window, whether more than half of its pages are in the page cache
  // (mincore of a mapping, which reads nothing). Empty, so nothing is kept,
  // when it cannot tell.
  std::vector<bool> windows_cached(int64_t size) const {
    const size_t len = static_cast<size_t>(size);
    void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd_, 0);
    if (map == MAP_FAILED) return {};
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t step = static_cast<size_t>(kDropStep);
    std::vector<unsigned char> in_core(step / page + 1);
    std::vector<bool> keep((len + step - 1) / step);
    for (size_t w = 0; w < keep.size(); ++w) {
      const size_t bytes = std::min(step, len - w * step);
      const size_t pages = (bytes + page - 1) / page;
      if (::mincore(static_cast<char*>(map) + w * step, bytes, in_core.data()) != 0) {
        keep.clear();
        break;
      }
      size_t resident = 0;
      for (size_t p = 0; p < pages; ++p) resident += in_core[p] & 1;
      keep[w] = resident * 2 > pages;
    }
    ::munmap(map, len);
    return keep;
  }

  int fd_;
  bool on_;
  std::vector<bool> keep_;
  int64_t start_ = 0;  // the first byte not yet dropped or kept
};

std::string hex(const unsigned char* d, unsigned n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 15];
  }
  return out;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

bool same_state(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         mtime_ns_of(a) == mtime_ns_of(b);
}

HashResult failed(int err, const char* what) {
  HashResult r;
  if (err == ENOENT || err == ELOOP || err == ENOTDIR) {
    r.outcome = HashOutcome::kVanished;
  } else if (err == EMFILE || err == ENFILE || err == ENOMEM) {
    r.outcome = HashOutcome::kTransient;
  } else {
    r.outcome = HashOutcome::kError;
  }
  r.error = std::string(what) + ": " + std::strerror(err);
  return r;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

HashResult hash_file(const std::string& dir, const std::string& name, int64_t text_cap,
                     const std::atomic<bool>* cancel, const std::string& root, int dirfd,
                     int64_t max_bytes) {
  Fd dfd = dirfd >= 0     ? Fd(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0))
           : root.empty() ? Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
                          : open_dir_below(root, dir);
  if (!dfd.valid()) return failed(errno, "cannot open its directory");
  Fd fd(::openat(dfd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return failed(errno, "unreadable");
  struct stat before {};
  if (::fstat(fd.get(), &before) != 0) return failed(errno, "cannot stat");
  if (!S_ISREG(before.st_mode)) {
    HashResult r;
    r.outcome = HashOutcome::kNotRegular;
    return r;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    HashResult r;
    r.error = "OpenSSL cannot start a SHA-256 digest";
    return r;
  }
  thread_local std::vector<unsigned char> buf(kBufferBytes);
  bool binary = false;
  int64_t total = 0;
  CacheDropper dropper(fd.get(), before.st_size);
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      HashResult r;
      r.outcome = HashOutcome::kTransient;
      r.error = "cancelled";
      return r;
    }
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed(errno, "read failed");
    }
    if (n == 0) break;
    if (total < static_cast<int64_t>(kSniffBytes)) {
      size_t look =
          std::min<size_t>(static_cast<size_t>(n), kSniffBytes - static_cast<size_t>(total));
      binary = binary || std::memchr(buf.data(), 0, look) != nullptr;
    }
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    total += n;
    dropper.advance(total);
    if (max_bytes > 0 && total > max_bytes) {
      HashResult r;
      r.outcome = HashOutcome::kOverCap;
      r.size = before.st_size;
      r.mtime_ns = mtime_ns_of(before);
      r.inode = static_cast<int64_t>(before.st_ino);
      return r;
    }
  }
  dropper.finish(total);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  // Stat the open file and the name again: a write during the read moves size
  // or mtime; a rename over the name moves the inode behind the name.
  struct stat after {
  }, named{};
  if (::fstat(fd.get(), &after) != 0) return failed(errno, "cannot stat");
  if (::fstatat(dfd.get(), name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0) {
    return failed(errno, "vanished while hashing");
  }
  HashResult r;
  // A short or long read with an unmoved stat is a file that misreports its
  // size (a generated file, a FUSE file): looking again would read the same.
  if (!same_state(before, after) || !same_state(after, named)) {
    r.outcome = HashOutcome::kChanged;
    return r;
  }
  r.outcome = HashOutcome::kHashed;
  r.sha256 = hex(md, len);
  r.size = before.st_size;
  r.mtime_ns = mtime_ns_of(before);
  r.inode = static_cast<int64_t>(before.st_ino);
  r.is_text = !binary && total <= text_cap;
  return r;
}

}  // namespace cairn::watchers
