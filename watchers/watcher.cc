#include "watchers/watcher.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/db.h"

namespace cairn::watchers {

namespace {

std::vector<std::string> string_list(const std::string& text) {
  std::vector<std::string> out;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (path[dir.size()] == '/' || dir == "/");
}

}  // namespace

Watcher::Watcher(uv_loop_t* loop, LoopPoster& poster, store::Writer& writer, WatcherOptions options)
    : loop_(loop), poster_(poster), writer_(writer), options_(std::move(options)) {
  if (options_.max_settle_ms <= 0) {
    options_.max_settle_ms = std::max(10 * options_.settle_ms, 200);
  }
}

Watcher::~Watcher() { stop(); }

Status Watcher::start() {
  auto in = Inotify::open();
  if (in) {
    inotify_ = std::move(*in);
    inotify_->set_max_watches(options_.max_watches);
    poll_.init([&](uv_poll_t* p) { return uv_poll_init(loop_, p, inotify_->fd()); });
    poll_.get()->data = this;
    uv_poll_start(poll_.get(), UV_READABLE, &Watcher::on_poll);
  } else {
    inotify_error_ = in.status().message();
    spdlog::warn("no inotify ({}): tracked roots are scanned periodically", inotify_error_);
  }
  mountinfo_ = Fd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (mountinfo_.valid()) {
    mounts_.init([&](uv_poll_t* p) { return uv_poll_init(loop_, p, mountinfo_.get()); });
    mounts_.get()->data = this;
    uv_poll_start(mounts_.get(), UV_PRIORITIZED, [](uv_poll_t* p, int status, int) {
      auto* self = static_cast<Watcher*>(p->data);
      if (status >= 0 && !self->stopped_) self->on_mounts();
    });
  }
  CrawlerOptions co;
  co.db_path = options_.db_path;
  co.text_cap = options_.text_cap;
  co.hash_max = options_.hash_max;
  co.hash_threads = options_.hash_threads;
  crawler_ = std::make_unique<Crawler>(
      co, writer_, inotify_.get(), counters_,
      [this](std::shared_ptr<RootState> root, std::string path) {
        // Crawler thread: the file changed while it was read; look again once
        // it has settled.
        poster_.post([this, root = std::move(root), path = std::move(path)] {
          if (!stopped_ && !root->retired) queue_path(root, path);
        });
      },
      [this](std::shared_ptr<RootState>) {
        // Writer thread: rows of a root were lost; rescan it once the back-off
        // has passed (the disk may be full for a while).
        poster_.post([this] {
          if (!stopped_) arm_stale();
        });
      });
  CAIRN_RETURN_IF_ERROR(crawler_->start());

  auto init_timer = [&](UvHandle<uv_timer_t>& t) {
    t.init([&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
    t.get()->data = this;
  };
  init_timer(settle_);
  init_timer(overflow_);
  init_timer(reconcile_);
  init_timer(degraded_);
  init_timer(stale_);
  if (options_.reconcile_s > 0) {
    uint64_t ms = static_cast<uint64_t>(options_.reconcile_s) * 1000;
    uv_timer_start(
        reconcile_.get(), [](uv_timer_t* t) { static_cast<Watcher*>(t->data)->rescan_all(false); },
        ms, ms);
  }
  if (options_.degraded_scan_s > 0) {
    uint64_t ms = static_cast<uint64_t>(options_.degraded_scan_s) * 1000;
    uv_timer_start(
        degraded_.get(), [](uv_timer_t* t) { static_cast<Watcher*>(t->data)->rescan_all(true); },
        ms, ms);
  }

  // Resume the roots tracked before the restart.
  return load_roots();
}

Status Watcher::load_roots() {
  CAIRN_ASSIGN_OR_RETURN(auto db, store::Db::open(options_.db_path, store::OpenMode::kReadOnly));
  CAIRN_ASSIGN_OR_RETURN(store::Stmt q,
                         db->prepare("SELECT id, path, include, exclude, gitignore, last_scan_at, "
                                     "last_scan_ms, last_error, error_count FROM roots WHERE "
                                     "active = 1 ORDER BY path"));
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) break;
    RootSpec spec;
    spec.id = q.int64(0);
    spec.path = q.text(1);
    spec.include = string_list(q.text(2));
    spec.exclude = string_list(q.text(3));
    spec.gitignore = q.int64(4) != 0;
    RootState persisted(spec);
    persisted.last_scan_at_ms = q.opt_int64(5).value_or(0);
    persisted.last_scan_ms = q.opt_int64(6).value_or(0);
    persisted.last_error = q.opt_text(7).value_or("");
    persisted.error_count = q.int64(8);
    track(std::move(spec), &persisted);
  }
  return Status::ok();
}

void Watcher::reload() {
  if (stopped_ || !crawler_) return;
  for (auto& [path, root] : roots_) {
    root->retired = true;  // queued work for it stops
    if (inotify_) inotify_->remove_under(path);
  }
  roots_.clear();
  pending_.clear();
  if (Status st = load_roots(); !st.is_ok()) {
    spdlog::error("cannot load the restored database's roots: {}", st.message());
  } else {
    spdlog::info("watcher: {} roots of the restored database", roots_.size());
  }
}

void Watcher::stop() {
  if (stopped_) return;
  stopped_ = true;
  poll_.close();
  mounts_.close();
  settle_.close();
  overflow_.close();
  reconcile_.close();
  degraded_.close();
  stale_.close();
  if (crawler_) crawler_->stop();
}

std::shared_ptr<RootState> Watcher::root_at(const std::string& path) const {
  auto it = roots_.find(path);
  return it == roots_.end() ? nullptr : it->second;
}

std::shared_ptr<RootState> Watcher::root_for(const std::string& path) const {
  // The greatest root path <= `path` that is it or an ancestor of it. Roots do
  // not nest, so walking back from upper_bound finds it quickly.
  auto it = roots_.upper_bound(path);
  while (it != roots_.begin()) {
    --it;
    if (it->first == path || under(path, it->first)) return it->second;
    if (it->first.empty() || it->first[0] != path[0]) break;
  }
  return nullptr;
}

std::shared_ptr<RootState> Watcher::overlapping(const std::string& path) const {
  for (const auto& [p, r] : roots_) {
    if (p != path && (under(path, p) || under(p, path))) return r;
  }
  return nullptr;
}

std::shared_ptr<RootState> Watcher::track(RootSpec spec, const RootState* persisted) {
  if (auto old = root_at(spec.path)) {
    if (old->spec.id == spec.id && old->spec.include == spec.include &&
        old->spec.exclude == spec.exclude && old->spec.gitignore == spec.gitignore) {
      return old;
    }
    // New rules: retire the old state (its rows stay; the new scan decides).
    old->retired = true;
    if (inotify_) inotify_->remove_under(old->spec.path);
    roots_.erase(spec.path);
  }
  auto root = std::make_shared<RootState>(std::move(spec));
  root->generation = writer_.generation();
  if (persisted) {
    root->last_scan_at_ms = persisted->last_scan_at_ms;
    root->last_scan_ms = persisted->last_scan_ms;
    root->last_error = persisted->last_error;
    root->error_count = persisted->error_count;
  }
  roots_[root->spec.path] = root;
  crawler_->add_root(root);
  crawler_->scan(root, root->spec.path);
  return root;
}

void Watcher::untrack(const std::shared_ptr<RootState>& root) {
  roots_.erase(root->spec.path);
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second == root ? pending_.erase(it) : std::next(it);
  }
  crawler_->retire_root(root);
}

void Watcher::rescan(const std::shared_ptr<RootState>& root, const std::string& path) {
  crawler_->scan(root, path);
}

Json Watcher::root_json(const std::shared_ptr<RootState>& root) const {
  if (inotify_) root->watches = static_cast<int64_t>(inotify_->count_under(root->spec.path));
  return root->to_json();
}

Json Watcher::roots_json() const {
  Json out = Json::array();
  for (const auto& [_, r] : roots_) out.push_back(root_json(r));
  return out;
}

Json Watcher::status_json() const {
  int64_t degraded = 0, errors = 0, scanning = 0, stale = 0;
  for (const auto& [_, r] : roots_) {
    std::string st = r->state();
    stale += st == "stale";
    degraded += st == "degraded";
    errors += st == "error";
    scanning += st == "scanning";
  }
  return Json{
      {"roots", roots_.size()},
      {"roots_scanning", scanning},
      {"roots_degraded", degraded},
      {"roots_error", errors},
      {"roots_stale", stale},
      {"inotify", inotify_ ? Json("ok") : Json(inotify_error_)},
      {"watches", inotify_ ? inotify_->watch_count() : 0},
      {"settle_ms", options_.settle_ms},
      {"hashes", counters_.hashes.load()},
      {"bytes_hashed", counters_.bytes_hashed.load()},
      {"stat_skips", counters_.stat_skips.load()},
      {"over_hash_cap", counters_.over_cap.load()},
      {"changed_while_hashing", counters_.changed_while_hashing.load()},
      {"hash_max_bytes", options_.hash_max},
      {"scans", counters_.scans.load()},
      {"checks", counters_.checks.load()},
      {"checks_merged", counters_.checks_merged.load()},
      {"events", counters_.events.load()},
      {"overflows", counters_.overflows.load()},
      {"batches", counters_.batches.load()},
      {"pending", pending_.size()},
  };
}

void Watcher::on_poll(uv_poll_t* p, int status, int) {
  auto* self = static_cast<Watcher*>(p->data);
  if (status < 0 || self->stopped_) return;
  self->inotify_->read_events([self](const WatchEvent& e) { self->on_event(e); });
}

void Watcher::on_mounts() {
  // Reading the table rearms the poll. A root's lstat here is one syscall per
  // root; mount changes are rare.
  char buf[4096];
  ::lseek(mountinfo_.get(), 0, SEEK_SET);
  while (::read(mountinfo_.get(), buf, sizeof buf) > 0) {
  }
  for (const auto& [path, r] : roots_) {
    struct stat st {};
    bool exists = ::lstat(path.c_str(), &st) == 0;
    uint64_t dev = r->dev.load(), ino = r->ino.load();
    if (dev == 0 && ino == 0) continue;  // not walked yet: its scan is queued
    if (!exists || st.st_dev != dev || st.st_ino != ino) queue_path(r, path);
  }
}

void Watcher::on_event(const WatchEvent& e) {
  ++counters_.events;
  if (e.mask & IN_Q_OVERFLOW) {
    on_overflow();
    return;
  }
  if (e.mask & IN_IGNORED) {
    inotify_->forget(e.wd);
    return;
  }
  if (e.dir.empty()) return;
  std::string path = e.name.empty() ? e.dir : (e.dir == "/" ? "/" : e.dir + "/") + e.name;
  // IN_UNMOUNT: the filesystem under this watched directory went away (its
  // watch is dropped next); look at the path again, as for a deletion.
  // IN_ATTRIB on a root itself: its mode may have changed (chmod 000, or back),
  // which no event in a watched parent would tell; the root is looked at again.
  if (e.name.empty() && !(e.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) &&
      !((e.mask & IN_ATTRIB) && roots_.count(e.dir))) {
    return;
  }
  auto root = root_for(path);
  if (!root) return;
  queue_path(root, path);
}

void Watcher::queue_path(const std::shared_ptr<RootState>& root, const std::string& path) {
  int64_t now = monotonic_ms();
  if (pending_.empty()) first_pending_ms_ = now;
  last_event_ms_ = now;
  pending_[path] = root;
  arm_settle();
}

void Watcher::arm_settle() {
  if (stopped_ || uv_is_active(settle_.handle())) return;
  uv_timer_start(
      settle_.get(), [](uv_timer_t* t) { static_cast<Watcher*>(t->data)->on_settle(); },
      static_cast<uint64_t>(options_.settle_ms), 0);
}

void Watcher::on_settle() {
  if (pending_.empty()) return;
  int64_t now = monotonic_ms();
  int64_t quiet_at = last_event_ms_ + options_.settle_ms;
  int64_t deadline = first_pending_ms_ + options_.max_settle_ms;
  if (now < quiet_at && now < deadline) {
    uv_timer_start(
        settle_.get(), [](uv_timer_t* t) { static_cast<Watcher*>(t->data)->on_settle(); },
        static_cast<uint64_t>(std::min(quiet_at, deadline) - now), 0);
    return;
  }
  std::map<std::shared_ptr<RootState>, std::vector<std::string>> by_root;
  for (auto& [path, root] : pending_) {
    if (!root->retired) by_root[root].push_back(path);
  }
  pending_.clear();
  for (auto& [root, paths] : by_root) {
    // Sorted, so a directory's deletion comes before what was below it.
    std::sort(paths.begin(), paths.end());
    crawler_->check(root, std::move(paths));
  }
}

void Watcher::on_overflow() {
  ++counters_.overflows;
  spdlog::warn("inotify queue overflow: rescanning every root");
  if (uv_is_active(overflow_.handle())) return;  // a rescan is already scheduled
  int64_t now = monotonic_ms();
  // Back-off: overflows in quick succession double the wait (up to a minute),
  // so a storm of events does not become a storm of full scans.
  if (now - last_overflow_scan_ms_ < 10000) {
    overflow_backoff_ms_ =
        std::min<int64_t>(std::max<int64_t>(overflow_backoff_ms_ * 2, 250), 60000);
  } else {
    overflow_backoff_ms_ = 0;
  }
  uv_timer_start(
      overflow_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<Watcher*>(t->data);
        self->last_overflow_scan_ms_ = monotonic_ms();
        self->pending_.clear();  // the rescan covers them
        self->rescan_all(false);
      },
      static_cast<uint64_t>(overflow_backoff_ms_ + options_.settle_ms), 0);
}

void Watcher::arm_stale() {
  if (stopped_ || uv_is_active(stale_.handle())) return;
  // 1 s, doubling while writes keep failing, at most 30 s.
  stale_backoff_ms_ = std::min<int64_t>(std::max<int64_t>(stale_backoff_ms_ * 2, 1000), 30000);
  uv_timer_start(
      stale_.get(), [](uv_timer_t* t) { static_cast<Watcher*>(t->data)->on_stale(); },
      static_cast<uint64_t>(stale_backoff_ms_), 0);
}

void Watcher::on_stale() {
  bool any = false;
  for (const auto& [_, r] : roots_) {
    if (r->write_failures.load() == 0) continue;
    any = true;
    // Even when a scan is under way: it began before the failure, so it cannot
    // clear the root; the one queued here can.
    crawler_->scan(r, r->spec.path);
  }
  if (!any) stale_backoff_ms_ = 0;
}

void Watcher::rescan_all(bool only_unhealthy) {
  for (const auto& [_, r] : roots_) {
    std::string st = r->state();
    if (only_unhealthy && st != "degraded" && st != "error" && st != "stale") continue;
    if (st == "scanning" && r->scans_queued.load() > 1) continue;  // one already waits
    crawler_->scan(r, r->spec.path);
  }
}

}  // namespace cairn::watchers
