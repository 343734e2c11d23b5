#include "indexer/worker.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "base/clock.h"
#include "base/thread_name.h"
#include "base/thread_priority.h"
#include "indexer/chunker.h"
#include "indexer/index_store.h"

namespace cairn::indexer {

Worker::Worker(WorkerOptions options, store::Writer& writer, Sources sources)
    : options_(std::move(options)), writer_(writer), sources_(std::move(sources)) {
  for (const auto& s : sources_) topics_.insert(s->topics().begin(), s->topics().end());
}

Worker::~Worker() { stop(); }

void Worker::start() { thread_ = std::thread([this] { run(); }); }

void Worker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Worker::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool Worker::concerns(const std::vector<store::Change>& changes) const {
  for (const auto& c : changes) {
    if (topics_.count(c.topic) || (c.topic == "index" && c.kind == "rebuild")) return true;
  }
  return false;
}

std::vector<std::string> Worker::kinds() const {
  std::vector<std::string> out;
  for (const auto& s : sources_) out.push_back(s->kind());
  return out;
}

Json Worker::status() const {
  std::lock_guard lock(mu_);
  Json j{{"running", running_.load()},
         {"passes", passes_.load()},
         {"interval_s", options_.interval_s},
         {"last_error", last_error_.empty() ? Json() : Json(last_error_)}};
  if (last_pass_ms_ >= 0) {
    j["last_pass_ms"] = last_pass_ms_.load();
    j["last_pass_at"] = format_iso8601(last_pass_at_.load());
  }
  return j;
}

void Worker::set_error(const std::string& e) {
  std::lock_guard lock(mu_);
  last_error_ = e;
}

void Worker::run() {
  set_background_priority();  // before the name: a named thread is reniced
  set_thread_name("cairn-index");
  // The generation before the open: a restore between them makes the next
  // pass reopen again.
  db_generation_ = writer_.generation();
  auto opened = store::Db::open(options_.db_path, store::OpenMode::kReadOnly);
  if (!opened.has_value()) {
    spdlog::error("index worker cannot open the database: {}", opened.status().message());
    set_error(opened.status().message());
    return;
  }
  std::unique_ptr<store::Db> db = std::move(*opened);
  auto next_periodic = std::chrono::steady_clock::now() + std::chrono::seconds(options_.interval_s);
  for (;;) {
    bool periodic = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_periodic, [&] { return stopping_ || woken_; });
      if (stopping_) return;
      if (!woken_) periodic = true;
      if (woken_) {
        // Debounce: let the rest of a burst of saves arrive, then one pass.
        cv_.wait_for(lock, std::chrono::milliseconds(options_.debounce_ms),
                     [&] { return stopping_; });
        if (stopping_) return;
        woken_ = false;
      }
    }
    if (periodic) {
      next_periodic = std::chrono::steady_clock::now() + std::chrono::seconds(options_.interval_s);
    }
    if (writer_.generation() != db_generation_) {
      // db.restore replaced the file: read the new one, as at a start.
      int64_t generation = writer_.generation();
      auto reopened = store::Db::open(options_.db_path, store::OpenMode::kReadOnly);
      if (!reopened.has_value()) {
        set_error(reopened.status().message());
        continue;
      }
      db = std::move(*reopened);
      db_generation_ = generation;
      set_error("");
      spdlog::info("index worker: following the restored database");
    }
    pass(*db, periodic);
  }
}

void Worker::pass(store::Db& db, bool periodic) {
  running_ = true;
  int64_t started = monotonic_ms();
  bool ok = true;
  for (auto& src : sources_) {
    if (!index_source(db, *src)) {
      ok = false;
      break;
    }
  }
  if (ok && periodic) {
    // Idle maintenance: one small merge step per table keeps segment counts low
    // without one huge merge (and WAL) at once.
    auto fn = std::make_shared<store::WriteFn>([](store::WriteTxn& txn) -> Result<Json> {
      CAIRN_RETURN_IF_ERROR(
          txn.db().exec("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('merge', 64);"
                        "INSERT INTO chunks_tri(chunks_tri, rank) VALUES('merge', 64)"));
      return Json();
    });
    if (Status st = write_batch(fn); !st.is_ok()) set_error(st.message());
  }
  last_pass_ms_ = monotonic_ms() - started;
  last_pass_at_ = wall_ms();
  ++passes_;
  running_ = false;
}

bool Worker::index_source(store::Db& db, IndexSource& src) {
  const std::string kind = src.kind();
  auto avail = src.available(db);
  if (!avail.has_value() || !*avail) return true;  // not in this database yet
  // A kind whose recorded version differs (never built, or index.rebuild) is
  // being rebuilt: time it.
  int64_t version = 0;
  {
    auto s = db.prepare("SELECT index_version FROM index_meta WHERE kind = ?1");
    if (!s.has_value()) {
      set_error(s.status().message());
      return false;
    }
    s->bind_all(kind);
    auto row = s->step();
    if (row.has_value() && *row) version = s->int64(0);
  }
  bool rebuilding = version != kIndexVersion;
  int64_t started_ms = monotonic_ms();
  int64_t started_at = wall_ms();
  bool wrote = false;
  // Documents written in this pass: one that is dirty again already (changing
  // all the time, or a source whose SQL disagrees with itself) waits for the
  // next pass instead of spinning this one.
  std::set<std::string> done_ids;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
    }
    auto removed = src.list_removed(db, options_.batch_docs);
    auto dirty = src.list_dirty(db, kChunkerVersion, options_.batch_docs +
                                static_cast<int>(std::min<size_t>(done_ids.size(), 4096)));
    if (!removed.has_value() || !dirty.has_value()) {
      Status st = removed.has_value() ? dirty.status() : removed.status();
      spdlog::warn("index {}: cannot list documents: {}", kind, st.message());
      set_error(st.message());
      return false;
    }
    auto docs = std::make_shared<std::vector<ChunkedDoc>>();
    int64_t bytes = 0;
    for (const auto& ref : *dirty) {
      if (bytes >= options_.batch_bytes ||
          static_cast<int>(docs->size()) >= options_.batch_docs) {
        break;
      }
      if (done_ids.count(ref.doc_id)) continue;
      auto text = src.load(db, ref);
      ChunkedDoc d;
      d.kind = kind;
      d.doc_id = ref.doc_id;
      d.gen = ref.gen;
      if (!text.has_value()) {
        d.error = text.status().message();
      } else if (!*text) {
        continue;  // gone since it was listed: a later round or pass drops it
      } else {
        d.file_id = (*text)->file_id;
        d.error = (*text)->error;
        d.title = to_valid_utf8((*text)->title);
        if (!d.error) {
          d.chunks = chunk_text(to_valid_utf8((*text)->body));
          if (d.chunks.empty() && !d.title.empty()) d.chunks.push_back(Chunk{1, 1, ""});
          d.bytes = static_cast<int64_t>((*text)->body.size());
        }
      }
      bytes += d.bytes;
      done_ids.insert(d.doc_id);
      docs->push_back(std::move(d));
    }
    auto gone = std::make_shared<std::vector<std::string>>(std::move(*removed));
    // Nothing more to do: a last write records the counts (and the rebuild's
    // duration) when this pass changed anything or a rebuild was asked for.
    bool last = docs->empty() && gone->empty();
    if (last && !wrote && !rebuilding) break;
    auto fn = std::make_shared<store::WriteFn>(
        [kind, docs, gone, rebuilding, started_ms, started_at,
         last](store::WriteTxn& txn) -> Result<Json> {
          int64_t chunks = 0;
          for (const auto& id : *gone) CAIRN_RETURN_IF_ERROR(forget_doc(txn.db(), kind, id));
          for (const auto& d : *docs) {
            CAIRN_RETURN_IF_ERROR(write_doc(txn.db(), d, txn.now_ms()));
            chunks += static_cast<int64_t>(d.chunks.size());
          }
          if (last) {
            CAIRN_RETURN_IF_ERROR(refresh_meta(txn.db(), kind, 0, txn.now_ms()));
            if (rebuilding) {
              CAIRN_RETURN_IF_ERROR(
                  record_rebuild(txn.db(), kind, started_at, monotonic_ms() - started_ms));
            }
          }
          // Subscribers to "index" learn what became searchable; `idle` marks
          // the end of a pass over the kind.
          CAIRN_RETURN_IF_ERROR(txn.record("index", "indexed", kind, nullptr, nullptr,
                                           {{"documents", docs->size()},
                                            {"removed", gone->size()},
                                            {"chunks", chunks},
                                            {"idle", last}})
                                    .status());
          return Json();
        });
    if (Status st = write_batch(fn); !st.is_ok()) {
      if (writer_.generation() != db_generation_) return false;  // restored: start over
      spdlog::warn("index {}: write failed: {}", kind, st.message());
      set_error(st.message());
      return false;
    }
    wrote = true;
    if (last) break;
  }
  return true;
}

Status Worker::write_batch(std::shared_ptr<store::WriteFn> fn) {
  auto done = std::make_shared<std::promise<Status>>();
  std::future<Status> result = done->get_future();
  writer_.submit_background(
      "index",
      [fn, w = &writer_, generation = db_generation_](store::WriteTxn& txn) -> Result<Json> {
        // Documents read from a database a restore replaced never reach the new one.
        if (w->generation() != generation) return store::Writer::replaced_status();
        return (*fn)(txn);
      },
      [done](Result<Json> r) { done->set_value(r.status()); });
  // Bounded wait: at shutdown the writer still drains (stop() runs before it stops).
  while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    std::lock_guard lock(mu_);
    if (stopping_) return Status(Code::kInternal, "stopping");
  }
  return result.get();
}

}  // namespace cairn::indexer
