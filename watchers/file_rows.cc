#include "watchers/file_rows.h"

#include <unordered_map>

#include "base/byte_text.h"

namespace cairn::watchers {

namespace {

struct Row {
  int64_t id = 0;
  int64_t root_id = 0;
  std::string path;
  std::string type;
  int64_t size = 0, mtime_ns = 0, inode = 0;
  std::optional<std::string> sha256;
  bool is_text = false;
  std::string status;
  std::optional<std::string> error;
};

constexpr const char* kRowCols =
    "id, root_id, path, type, size, mtime_ns, inode, sha256, is_text, status, error";

Row read_row(const store::Stmt& s) {
  Row r;
  r.id = s.int64(0);
  r.root_id = s.int64(1);
  r.path = s.text(2);
  r.type = s.text(3);
  r.size = s.int64(4);
  r.mtime_ns = s.int64(5);
  r.inode = s.int64(6);
  r.sha256 = s.opt_text(7);
  r.is_text = s.int64(8) != 0;
  r.status = s.text(9);
  r.error = s.opt_text(10);
  return r;
}

std::string name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A pending event: records are written after the batch, when renames are paired.
struct Pending {
  std::string kind;
  int64_t id = 0;
  std::string path;
  std::optional<std::string> sha256;
  std::optional<std::string> old_sha256;
  int64_t inode = 0;
  std::string status;
  std::optional<std::string> error;
  std::string from;  // renamed
  bool dropped = false;
};

class Applier {
 public:
  explicit Applier(store::WriteTxn& txn) : txn_(txn) {}

  Status upsert(const Observation& o);
  Status gone(const Observation& o);
  Result<BatchOutcome> finish();

 private:
  void count(int64_t root_id, int64_t files, int64_t bytes) {
    auto& d = out_.deltas[root_id];
    d.first += files;
    d.second += bytes;
  }
  Status mark_deleted(const Row& r);

  store::WriteTxn& txn_;
  std::vector<Pending> pending_;
  BatchOutcome out_;
};

Status Applier::upsert(const Observation& o) {
  store::Db& db = txn_.db();
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q,
                         db.cached("SELECT id, root_id, path, type, size, mtime_ns, inode, sha256, "
                                   "is_text, status, error FROM files WHERE path = ?1"));
  q->bind_all(o.path);
  CAIRN_ASSIGN_OR_RETURN(bool found, q->step());
  std::optional<Row> old;
  if (found) old = read_row(*q);
  q->reset();
  int64_t now = txn_.now_ms();
  if (!old) {
    CAIRN_ASSIGN_OR_RETURN(
        store::Stmt * ins,
        db.cached("INSERT INTO files(root_id, path, name, type, size, mtime_ns, inode, sha256, "
                  "is_text, status, error, gen, created_at, updated_at) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12)"));
    ins->bind_all(o.root_id, o.path, name_of(o.path), o.type, o.size, o.mtime_ns, o.inode, o.sha256,
                  int64_t{o.is_text}, o.status, o.error, now);
    CAIRN_RETURN_IF_ERROR(ins->run());
    count(o.root_id, 1, o.size);
    pending_.push_back({"created",
                        db.last_insert_rowid(),
                        o.path,
                        o.sha256,
                        std::nullopt,
                        o.inode,
                        o.status,
                        o.error,
                        {},
                        false});
    return Status::ok();
  }
  bool revived = old->status == "deleted";
  bool content = revived || old->sha256 != o.sha256 || old->type != o.type ||
                 old->status != o.status || old->error != o.error;
  bool stat = old->size != o.size || old->mtime_ns != o.mtime_ns || old->inode != o.inode ||
              old->is_text != o.is_text || old->root_id != o.root_id;
  if (!content && !stat) return Status::ok();
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      db.cached("UPDATE files SET root_id = ?2, type = ?3, size = ?4, mtime_ns = ?5, inode = ?6, "
                "sha256 = ?7, is_text = ?8, status = ?9, error = ?10, gen = gen + ?11, "
                "updated_at = ?12 WHERE id = ?1"));
  // is_text moving (a new size cap) also bumps gen: the indexer must look again.
  bool bump = content || old->is_text != o.is_text;
  up->bind_all(old->id, o.root_id, o.type, o.size, o.mtime_ns, o.inode, o.sha256,
               int64_t{o.is_text}, o.status, o.error, int64_t{bump}, now);
  CAIRN_RETURN_IF_ERROR(up->run());
  if (revived) {
    count(o.root_id, 1, o.size);
  } else {
    count(old->root_id, -1, -old->size);
    count(o.root_id, 1, o.size);
  }
  if (content) {
    pending_.push_back({revived ? "created" : "modified",
                        old->id,
                        o.path,
                        o.sha256,
                        revived ? std::nullopt : old->sha256,
                        o.inode,
                        o.status,
                        o.error,
                        {},
                        false});
  }
  return Status::ok();
}

Status Applier::mark_deleted(const Row& r) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * up,
                         txn_.db().cached("UPDATE files SET status = 'deleted', gen = gen + 1, "
                                          "updated_at = ?2 WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(r.id, txn_.now_ms()).run());
  count(r.root_id, -1, -r.size);
  pending_.push_back(
      {"deleted", r.id, r.path, r.sha256, r.sha256, r.inode, "deleted", std::nullopt, {}, false});
  return Status::ok();
}

Status Applier::gone(const Observation& o) {
  // The path itself and, if it was a directory, every live row below it. The
  // range on the unique path index finds "dir/..." without a LIKE scan.
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * q,
      txn_.db().cached(o.only_path
                           ? "SELECT id, root_id, path, type, size, mtime_ns, inode, sha256, "
                             "is_text, status, error FROM files WHERE path = ?1 AND status != "
                             "'deleted'"
                           : "SELECT id, root_id, path, type, size, mtime_ns, inode, sha256, "
                             "is_text, status, error FROM files WHERE (path = ?1 OR (path > ?1 "
                             "|| '/' AND path < ?1 || '0')) AND status != 'deleted'"));
  q->bind_all(o.path);
  std::vector<Row> rows;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    rows.push_back(read_row(*q));
  }
  q->reset();
  for (const auto& r : rows) CAIRN_RETURN_IF_ERROR(mark_deleted(r));
  return Status::ok();
}

Result<BatchOutcome> Applier::finish() {
  // Pair deletions with creations of the same inode and content: renames.
  std::unordered_map<int64_t, size_t> deleted_by_inode;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].kind == "deleted" && pending_[i].inode != 0 && pending_[i].sha256) {
      deleted_by_inode[pending_[i].inode] = i;
    }
  }
  if (!deleted_by_inode.empty()) {
    for (auto& p : pending_) {
      if (p.kind != "created" || !p.sha256) continue;
      auto it = deleted_by_inode.find(p.inode);
      if (it == deleted_by_inode.end()) continue;
      Pending& d = pending_[it->second];
      if (d.dropped || d.sha256 != p.sha256) continue;
      d.dropped = true;
      p.kind = "renamed";
      p.from = d.path;
      deleted_by_inode.erase(it);
    }
  }
  BatchOutcome& out = out_;
  for (const auto& p : pending_) {
    if (p.dropped) continue;
    // Paths that are not UTF-8 are recorded and announced as bin.
    Json extra{{"path", str_or_bin(p.path)}, {"sha256", p.sha256 ? Json(*p.sha256) : Json()}};
    if (p.kind == "renamed") extra["from"] = str_or_bin(p.from);
    if (p.status == "error") {
      extra["status"] = "error";
      extra["error"] = p.error ? Json(*p.error) : Json();
    }
    Json old_value = p.kind == "created"
                         ? Json()
                         : Json{{"sha256", p.old_sha256 ? Json(*p.old_sha256) : Json()}};
    if (p.kind == "renamed") old_value = Json{{"path", str_or_bin(p.from)}};
    Json new_value = p.kind == "deleted" ? Json()
                                         : Json{{"path", str_or_bin(p.path)},
                                                {"sha256", p.sha256 ? Json(*p.sha256) : Json()},
                                                {"status", p.status}};
    CAIRN_RETURN_IF_ERROR(
        txn_.record("files", p.kind, std::to_string(p.id), old_value, new_value, extra).status());
    ++out.events;
  }
  return std::move(out_);
}

}  // namespace

Result<BatchOutcome> apply_batch(store::WriteTxn& txn, const std::vector<Observation>& batch) {
  Applier a(txn);
  for (const auto& o : batch) {
    CAIRN_RETURN_IF_ERROR(o.op == Observation::Op::kUpsert ? a.upsert(o) : a.gone(o));
  }
  return a.finish();
}

}  // namespace cairn::watchers
