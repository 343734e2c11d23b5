// Crawler: the watcher's worker thread. It walks roots, checks the paths the
// inotify events named, decides by the stat fast path (size, mtime_ns, inode)
// which files must be read, hands those to the HashPool, and sends the
// observations to the writer in bounded batches (submit_background, at most
// kBatchRows rows per job and kMaxJobsInFlight jobs queued).
//
// Jobs: add/remove a root, scan a root or a subtree, check paths. They run in
// the order they were queued, one at a time, so observations of one path reach
// the writer in the order they were made; the write job decides what changed.
// A queued scan runs in slices of kScanSliceMs: when a job waits behind it, it
// sends what it has observed (hashes finished, batch flushed) and goes to the
// back of the queue, so one root's scan never starves another root.
//
// Directories are opened below the root with no symlink followed on the way
// (base/open_below.h: a directory swapped for a link is not followed out of
// the root, and trees deeper than PATH_MAX are read), remembered by (st_dev,
// st_ino) to break bind-mount loops, and get an inotify watch before they are
// listed (so a file created at once in a new directory is either listed or
// announced). A root that exists but cannot be read is unavailable (state
// error); an unreadable subdirectory is reported in the root's last_error and
// the rows below it are kept.
// Symlinks are recorded (their target's text is what is hashed), never
// followed; FIFOs, sockets and devices are recorded as "other" and never
// opened. The daemon's own database, -wal, -shm and -journal files are skipped.
// A pseudo filesystem (watchers/pseudo_fs.h) mounted inside a root is not
// entered; a root on one is an error. What a file gives is capped by the bytes
// read, not by st_size, and stop() ends reads in progress at their next chunk.
//
// A write of observations that fails (disk full, I/O error, busy) loses them:
// the roots in it count a write failure and say so (state "stale",
// last_error), and the owner rescans them until a full scan's writes all
// commit, which clears it. A rescan compares the disk with the rows, so it
// rewrites exactly what was lost.
//
// After db.restore (the writer's generation moved) the crawler drops what it
// read from the old file (rules, roots, the unsent batch) and reopens its
// connection before its next job; its write jobs carry the generation they were
// made in, and the writer refuses them once it moved, so no row observed
// against the old file reaches the new one. The Watcher retires the old roots
// and tracks the restored file's.
//
// Public methods are called on the loop thread; everything else runs on the
// crawler thread, which owns the RootRules and its read-only connection.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/db.h"
#include "store/writer.h"
#include "watchers/file_rows.h"
#include "watchers/hash_pool.h"
#include "watchers/inotify.h"
#include "watchers/root_rules.h"
#include "watchers/root_state.h"

namespace cairn::watchers {

// Counters shown in daemon.status. Any thread.
struct WatchCounters {
  std::atomic<int64_t> hashes{0};  // files read and hashed
  std::atomic<int64_t> bytes_hashed{0};
  std::atomic<int64_t> stat_skips{0};             // re-hashes avoided by the stat fast path
  std::atomic<int64_t> over_cap{0};               // files recorded unread: above hash_max
  std::atomic<int64_t> changed_while_hashing{0};  // hashes dropped: the file moved under them
  std::atomic<int64_t> scans{0};
  std::atomic<int64_t> checks{0};         // paths checked after events
  std::atomic<int64_t> checks_merged{0};  // checks joined to one already waiting
  std::atomic<int64_t> events{0};         // inotify events read
  std::atomic<int64_t> overflows{0};
  std::atomic<int64_t> batches{0};
};

struct CrawlerOptions {
  std::string db_path;
  int64_t text_cap = 8 << 20;
  // Regular files larger than this are recorded (size, mtime, inode) but never
  // read: no hash, not text. Reading a 100 GiB (even sparse) file would hold a
  // hash thread for minutes on every change. 0: no cap.
  int64_t hash_max = int64_t{1} << 30;
  int hash_threads = 0;  // 0: one per core, at least 2
};

class Crawler {
 public:
  // Called on the crawler thread when a file kept changing while it was being
  // hashed (or descriptors ran out): the owner checks it again later.
  using Recheck = std::function<void(std::shared_ptr<RootState>, std::string path)>;
  // Called on the writer thread when a write of this root's rows failed (disk
  // full, I/O error, busy): the observations in it are lost, so the root is
  // stale (RootState::write_failures) until a full rescan has written again;
  // the owner schedules that rescan (with back-off).
  using WriteFailed = std::function<void(std::shared_ptr<RootState>)>;

  Crawler(CrawlerOptions options, store::Writer& writer, Inotify* inotify, WatchCounters& counters,
          Recheck recheck, WriteFailed write_failed = nullptr);
  ~Crawler();
  Crawler(const Crawler&) = delete;
  Crawler& operator=(const Crawler&) = delete;

  Status start();
  // Abandons queued jobs and joins the thread (rows already sent are written).
  void stop();

  void add_root(std::shared_ptr<RootState> root);
  // Untracked: marks its rows deleted and drops its watches.
  void retire_root(std::shared_ptr<RootState> root);
  // `path` is the root (a full scan, which also notices a vanished root) or a
  // directory below it.
  void scan(std::shared_ptr<RootState> root, std::string path);
  void check(std::shared_ptr<RootState> root, std::vector<std::string> paths);

  static constexpr size_t kBatchRows = 500;
  static constexpr int kMaxJobsInFlight = 4;
  // A scan walks this long, then lets a waiting job run before it goes on.
  static constexpr int64_t kScanSliceMs = 100;

 private:
  enum class Kind { kAdd, kRetire, kScan, kCheck };
  struct ScanRun;
  struct Task {
    Kind kind;
    std::shared_ptr<RootState> root;
    std::vector<std::string> paths;
    std::shared_ptr<ScanRun> scan;  // kScan: where it stopped (null: not begun)
  };
  struct Known {
    int64_t size = 0, mtime_ns = 0, inode = 0;
    std::string type;
    bool ok = false;         // status ok and hashed
    bool status_ok = false;  // status ok (hashed or above the hash cap)
    // From the columns size, mtime_ns, inode, type, status, sha256 IS NOT NULL
    // of a files query, starting at column `first`.
    static Known from_row(const store::Stmt& q, int first);
  };
  using KnownMap = std::unordered_map<std::string, Known>;
  // A directory a walk could not read, and why (strerror).
  struct Unreadable {
    std::string path;
    std::string why;
  };
  // A directory of the walk kept open while its subdirectories wait, so they
  // are opened with one openat(parent, name) instead of resolving their path
  // from the root (which made a walk of a d-deep chain cost d^2 lookups). At
  // most kMaxHeldDirs at once; past that, by path.
  struct HeldDir {
    Fd fd;
    int* held;
    ~HeldDir() { --*held; }
  };
  static constexpr int kMaxHeldDirs = 16;
  // A directory waiting to be listed.
  struct PendingDir {
    std::string path;
    GitignoreChain chain;  // the .gitignore files above it
    std::shared_ptr<HeldDir> parent;
  };
  // One scan of a root or a subtree, as it goes: run in slices (run_scan), or
  // at once inside a check (do_scan).
  struct ScanRun {
    std::string path;
    bool full = false;
    int64_t started = 0;
    int64_t failures_before = 0;  // the root's write_failures when it began
    bool loaded = false;          // `known` was read: the walk may run
    std::string error;
    KnownMap known;  // rows not seen yet
    std::vector<Unreadable> unreadable;
    std::vector<std::string> pseudo_skipped;  // pseudo filesystem mounts not entered
    bool watch_failed = false;
    // The walk's own state.
    bool walk_begun = false;
    bool degraded = false;
    std::set<std::pair<dev_t, ino_t>> visited;
    int held = 0;
    std::vector<PendingDir> stack;  // after `held`: destroyed before it
  };

  void push(Task t);
  void run();
  void run_task(Task& t);
  void do_add(const std::shared_ptr<RootState>& root);
  void do_retire(const std::shared_ptr<RootState>& root);
  // A scan at once (a check found a new directory).
  void do_scan(const std::shared_ptr<RootState>& root, const std::string& path);
  // A queued scan: a slice at a time while other jobs wait.
  void run_scan(Task& t);
  void begin_scan(const std::shared_ptr<RootState>& root, const std::string& path, ScanRun& run);
  void finish_scan(const std::shared_ptr<RootState>& root, ScanRun& run);
  void do_check(const std::shared_ptr<RootState>& root, const std::string& path);
  // Walks until the tree is done (true) or `deadline_ms` passed (false).
  bool walk(const std::shared_ptr<RootState>& root, ScanRun& run, int64_t deadline_ms);
  // The start itself: false when there is nothing to list (gone, a file, a
  // root on a pseudo filesystem).
  bool begin_walk(const std::shared_ptr<RootState>& root, ScanRun& run, RootRules* rules);
  bool walk_dirs(const std::shared_ptr<RootState>& root, ScanRun& run, RootRules* rules,
                 int64_t deadline_ms);
  // `dirfd`: `dir`, open below the root (-1: opened by path when needed).
  void consider(const std::shared_ptr<RootState>& root, const std::string& dir,
                const std::string& name, const std::string& path, const struct stat& st,
                const Known* known, int dirfd = -1);
  void collect(bool wait);
  void handle_pending();
  void handle_done(HashDone d);
  // Handles what is finished without waiting.
  void drain_hashes();
  // Waits for every outstanding hash and handles it.
  void finish_hashes();
  void emit(Observation o);
  void flush();
  void wait_jobs();
  Result<KnownMap> load_known(int64_t root_id, const std::string& under);
  Result<std::optional<Known>> load_one(const std::string& path);
  RootRules* rules_of(int64_t root_id);
  bool skip_own_file(const struct stat& dir_st, const std::string& name) const;
  bool cancelled(const std::shared_ptr<RootState>& root) const;
  // Opens db_ on the current database file, remembering the writer generation.
  Status open_db();
  // Before each job: follows a database replaced by db.restore.
  void follow_replaced_database();

  CrawlerOptions options_;
  store::Writer& writer_;
  Inotify* inotify_;  // null when inotify is unavailable: periodic scans only
  WatchCounters& counters_;
  Recheck recheck_;
  WriteFailed write_failed_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Writer jobs in flight; guarded by jobs_mu_.
  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  int jobs_in_flight_ = 0;

  // Crawler thread only:
  std::unique_ptr<store::Db> db_;
  int64_t db_generation_ = 0;  // the writer's generation when db_ was opened
  std::unique_ptr<HashPool> pool_;
  std::map<int64_t, std::shared_ptr<RootState>> roots_;
  std::map<int64_t, std::unique_ptr<RootRules>> rules_;
  std::deque<HashDone> pending_done_;
  std::vector<Observation> batch_;
  std::map<int64_t, std::shared_ptr<RootState>> batch_roots_;
  // The directory whose files are being handed to the pool, kept open for
  // their jobs when it is deep (one path walk per directory, not per file).
  std::string held_dir_;
  std::shared_ptr<Fd> held_dir_fd_;
  void write_failed(const std::shared_ptr<RootState>& root, const Status& st);
  dev_t own_dev_ = 0;
  ino_t own_ino_ = 0;
  std::string own_name_;
};

}  // namespace cairn::watchers
