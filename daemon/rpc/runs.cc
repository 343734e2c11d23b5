// runs.*: agent runs of a task. Status moves only along legal edges:
//   queued -> running -> succeeded | failed | canceled,   queued -> canceled.
// started_at is set on entering running, finished_at on entering a final state.
// Patches and logs can be large: lists and changelog entries leave them out.
// Topic "runs".
#include <algorithm>

#include "daemon/params.h"
#include "daemon/retention.h"
#include "daemon/rpc/columns.h"
#include "daemon/rpc/register.h"

namespace cairn {

namespace {

const std::vector<std::string> kRunStatuses = {"queued", "running", "succeeded", "failed",
                                               "canceled"};
constexpr size_t kMaxTextBytes = 4u << 20;    // one patch, one logs argument
constexpr int64_t kMaxLogBytes = 16LL << 20;  // logs of one run in total
constexpr size_t kMaxFilesChanged = 10000;

bool legal(const std::string& from, const std::string& to) {
  if (from == "queued") return to == "running" || to == "canceled";
  if (from == "running") return to == "succeeded" || to == "failed" || to == "canceled";
  return false;
}

// What one runs.get returns of a run's logs at most.
constexpr int64_t kLogSliceBytes = 4LL << 20;

// [begin, end) of `text` from `offset` for at most `limit` bytes, both ends
// moved back to the start of a UTF-8 character so no slice splits one (a
// slice of text that is not UTF-8 is cut where asked).
std::pair<size_t, size_t> utf8_slice(const std::string& text, size_t offset, size_t limit) {
  auto continuation = [&](size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80;
  };
  auto back = [&](size_t i, size_t floor) {
    for (int n = 0; n < 3 && i > floor && continuation(i); ++n) --i;
    return i;
  };
  size_t begin = back(std::min(offset, text.size()), 0);
  size_t end = std::min(text.size(), begin + limit);
  if (end < text.size()) {
    size_t cut = back(end, begin);
    if (cut > begin) end = cut;
  }
  return {begin, end};
}

bool final_state(const std::string& s) {
  return s == "succeeded" || s == "failed" || s == "canceled";
}

// Without patch and logs: lists and the changelog.
constexpr const char* kBriefColumns =
    "id, task_id, instruction, executor, status, summary, files_changed, error, created_at, "
    "started_at, finished_at, length(patch), length(logs)";

Json brief_row(const store::Stmt& s) {
  return Json{{"id", s.text(0)},
              {"task_id", columns::text(s, 1)},
              {"instruction", s.text(2)},
              {"executor", s.text(3)},
              {"status", s.text(4)},
              {"summary", columns::text(s, 5)},
              {"files_changed", columns::json(s, 6)},
              {"error", columns::text(s, 7)},
              {"created_at", columns::time(s, 8)},
              {"started_at", columns::time(s, 9)},
              {"finished_at", columns::time(s, 10)},
              {"patch_bytes", s.is_null(11) ? 0 : s.int64(11)},
              {"log_bytes", s.is_null(12) ? 0 : s.int64(12)}};
}

// The brief row, plus patch and logs when `full`.
Result<std::optional<Json>> find_run(store::Db& db, const std::string& id, bool full) {
  static const std::string& sql = *new std::string(std::string("SELECT ") + kBriefColumns +
                                                   ", patch, logs FROM runs WHERE id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json out = brief_row(*s);
  if (full) {
    out["patch"] = columns::text(*s, 13);
    out["logs"] = columns::text(*s, 14);
  }
  s->reset();  // a statement left on a row would pin this connection's snapshot
  return std::optional<Json>(std::move(out));
}

Json run_event_fields(const Json& row) {
  return Json{
      {"status", row["status"]}, {"task_id", row["task_id"]}, {"executor", row["executor"]}};
}

// files_changed: a JSON array of path strings.
Result<std::optional<std::string>> files_changed_text(const std::optional<Json>& v) {
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_array()) return invalid_params("files_changed must be an array of paths");
  if (v->size() > kMaxFilesChanged) {
    return invalid_params("files_changed has more than 10000 items");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string() || (*v)[i].get_ref<const std::string&>().empty()) {
      return invalid_params("files_changed[" + std::to_string(i) + "] must be a non-empty path");
    }
  }
  return columns::json_text(v, "files_changed");
}

Result<Json> create_run(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto id_arg = a.opt_str("id");
  auto task_id = a.opt_str("task_id");
  auto instruction = a.str("instruction");
  auto executor = a.opt_str("executor").value_or("");
  if (instruction.empty()) return invalid_params("instruction must not be empty");
  CAIRN_ASSIGN_OR_RETURN(std::string id, columns::id_or_new(id_arg));
  Json wanted{{"task_id", task_id ? Json(*task_id) : Json()},
              {"instruction", instruction},
              {"executor", executor}};
  CAIRN_ASSIGN_OR_RETURN(auto existing, find_run(txn.db(), id, false));
  if (existing) {
    CAIRN_RETURN_IF_ERROR(columns::same_content(
        *existing, wanted, {"task_id", "instruction", "executor"}, "run " + id));
    return *existing;
  }
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * ins,
      txn.db().cached("INSERT INTO runs(id, task_id, instruction, executor, status, created_at) "
                      "VALUES(?1, ?2, ?3, ?4, 'queued', ?5)"));
  CAIRN_RETURN_IF_ERROR(ins->bind_all(id, task_id, instruction, executor, txn.now_ms()).run());
  CAIRN_ASSIGN_OR_RETURN(auto row, find_run(txn.db(), id, false));
  CAIRN_RETURN_IF_ERROR(
      txn.record("runs", "insert", id, nullptr, *row, run_event_fields(*row)).status());
  return *row;
}

Result<Json> update(store::WriteTxn& txn, const Json& params) {
  Args a(params);
  auto id = a.str("id");
  auto status = a.opt_str("status");
  auto summary = a.opt_str("summary");
  auto patch = a.opt_str("patch");
  auto files = a.opt_any("files_changed");
  auto logs = a.opt_str("logs");
  auto append_logs = a.opt_str("append_logs");
  auto error = a.opt_str("error");
  if (logs && append_logs) return invalid_params("logs and append_logs cannot be given together");
  CAIRN_ASSIGN_OR_RETURN(auto files_text, files_changed_text(files));
  CAIRN_ASSIGN_OR_RETURN(auto old, find_run(txn.db(), id, false));
  if (!old) return not_found("no run " + id);
  std::string from = (*old)["status"];
  // The same status again changes nothing (a retried update stays safe).
  bool moves = status && *status != from;
  if (moves && !legal(from, *status)) {
    return conflict("run " + id + " cannot go from " + from + " to " + *status);
  }
  int64_t now = txn.now_ms();
  std::optional<int64_t> started, finished;
  if (moves && *status == "running") started = now;
  if (moves && final_state(*status)) finished = now;
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * up,
      txn.db().cached(
          "UPDATE runs SET status = coalesce(?2, status), summary = coalesce(?3, summary), "
          "patch = coalesce(?4, patch), files_changed = coalesce(?5, files_changed), "
          "logs = CASE WHEN ?6 IS NOT NULL THEN ?6 WHEN ?7 IS NOT NULL THEN coalesce(logs, '') "
          "|| ?7 ELSE logs END, error = coalesce(?8, error), started_at = coalesce(?9, "
          "started_at), finished_at = coalesce(?10, finished_at) WHERE id = ?1"));
  CAIRN_RETURN_IF_ERROR(up->bind_all(id, moves ? status : std::nullopt, summary, patch, files_text,
                                     logs, append_logs, error, started, finished)
                            .run());
  CAIRN_ASSIGN_OR_RETURN(auto row, find_run(txn.db(), id, false));
  if ((*row)["log_bytes"].get<int64_t>() > kMaxLogBytes) {
    return invalid_params("logs of run " + id + " would pass 16 MiB");
  }
  // The changelog's row leaves patch and logs out; runs.get returns the run
  // with its patch (logs come in slices), so that is what is measured.
  // Measured from the brief row and the patch's length first: reading the
  // whole run on every streamed append_logs would copy its logs each time.
  if (Json::to_msgpack(*row).size() + (*row)["patch_bytes"].get<int64_t>() >
      store::kMaxRecordBytes - 64) {
    CAIRN_ASSIGN_OR_RETURN(auto full, find_run(txn.db(), id, true));
    full->erase("logs");
    CAIRN_RETURN_IF_ERROR(store::check_record_size("run", id, *full));
  }
  CAIRN_RETURN_IF_ERROR(
      txn.record("runs", "update", id, *old, *row, run_event_fields(*row)).status());
  return *row;
}

Result<Json> list(store::Db& db, const Json& params) {
  Args a(params);
  auto task_id = a.opt_str("task_id");
  auto status = a.opt_str("status");
  int64_t limit = a.opt_int("limit").value_or(100);
  static const std::string& sql =
      *new std::string(std::string("SELECT ") + kBriefColumns +
                       " FROM runs WHERE (?1 IS NULL OR task_id = ?1) AND (?2 IS NULL "
                       "OR status = ?2) ORDER BY created_at DESC, id LIMIT ?3");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
  q->bind_all(task_id, status, limit);
  Json items = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    items.push_back(brief_row(*q));
  }
  return Json{{"runs", std::move(items)}};
}

// Retention: the logs of runs finished more than the configured days ago are
// dropped (the run, its summary and patch stay).
Result<int64_t> drop_old_logs(store::WriteTxn& txn, const Services& s) {
  if (s.config.run_logs_retention_days <= 0) return int64_t{0};
  int64_t cutoff = txn.now_ms() - int64_t{s.config.run_logs_retention_days} * 86400000;
  CAIRN_ASSIGN_OR_RETURN(store::Stmt q,
                         txn.db().prepare("SELECT id FROM runs WHERE logs IS NOT NULL AND "
                                          "finished_at < ?1 LIMIT 10000"));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> ids, q.bind_all(cutoff).column_texts());
  for (const auto& id : ids) {
    CAIRN_ASSIGN_OR_RETURN(auto old, find_run(txn.db(), id, false));
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * up,
                           txn.db().cached("UPDATE runs SET logs = NULL WHERE id = ?1"));
    CAIRN_RETURN_IF_ERROR(up->bind_all(id).run());
    CAIRN_ASSIGN_OR_RETURN(auto now, find_run(txn.db(), id, false));
    Json extra = run_event_fields(*now);
    extra["retention"] = true;
    CAIRN_RETURN_IF_ERROR(txn.record("runs", "update", id, *old, *now, extra).status());
  }
  return static_cast<int64_t>(ids.size());
}

}  // namespace

void register_runs(Registry& r, Services& s) {
  s.hub.add_topic("runs");
  add_retention_step({"run_logs", drop_old_logs});
  r.add_write("runs.create",
              {"Records an agent run (queued).",
               {"runs"},
               {param::str("id", 128, "client-chosen id"),
                param::str("task_id", 128, "the task it works on"),
                param::str("instruction", 1 << 20, "what the run is to do").required(),
                param::str("executor", 256, "who or what runs it")}},
              create_run);
  r.add_write(
      "runs.update",
      {"Moves a run along its states and records its output.",
       {"runs"},
       {param::str("id", 128, "the run").required(),
        param::enumeration("status", kRunStatuses,
                           "the new status (queued -> running -> succeeded, failed or canceled)"),
        param::str("summary", 1 << 20, "a summary"),
        param::str("patch", kMaxTextBytes, "the patch, up to 4 MiB"),
        param::any(
            "files_changed",
            {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", kMaxFilesChanged}},
            "paths the run changed"),
        param::str("logs", kMaxTextBytes, "the logs (replaces them)"),
        param::str("append_logs", kMaxTextBytes, "text to add to the logs"),
        param::str("error", 1 << 20, "what went wrong")}},
      update);
  r.add_read("runs.list",
             {"Lists runs newest first, without patch and logs.",
              {},
              {param::str("task_id", 128, "only for this task"),
               param::enumeration("status", kRunStatuses, "only this status"),
               param::integer("limit", 1, 1000, "most rows (default 100)")}},
             list);
  r.add_read(
      "runs.get",
      {"Reads a run with its patch and a slice of its logs (at most 4 MiB a call).",
       {},
       {param::str("id", 128, "the run").required(),
        param::integer("logs_offset", 0, kMaxLogBytes,
                       "byte offset of the logs slice: the logs_next_offset of the call before"),
        param::integer(
            "logs_limit", 1, kLogSliceBytes,
            "most bytes of logs (default: what the run leaves of one reply, at most 4 MiB)")}},
      [](store::Db& db, const Json& params) -> Result<Json> {
        Args a(params);
        auto id = a.str("id");
        int64_t logs_offset = a.opt_int("logs_offset").value_or(0);
        auto asked_limit = a.opt_int("logs_limit");
        CAIRN_ASSIGN_OR_RETURN(auto row, find_run(db, id, true));
        if (!row) return not_found("no run " + id);
        Json& logs = (*row)["logs"];
        // By default the slice takes what the run leaves of one reply, so a run
        // with a large patch is read in one call and pages its logs after.
        int64_t logs_limit = kLogSliceBytes;
        if (asked_limit) {
          logs_limit = *asked_limit;
        } else {
          Json held = std::move(logs);
          logs = nullptr;
          int64_t rest = static_cast<int64_t>(store::kMaxRecordBytes) -
                         static_cast<int64_t>(Json::to_msgpack(*row).size());
          logs = std::move(held);
          logs_limit = std::clamp<int64_t>(rest, 64 << 10, kLogSliceBytes);
        }
        Json next = nullptr;
        if (logs.is_string()) {
          const auto& all = logs.get_ref<const std::string&>();
          auto [begin, end] =
              utf8_slice(all, static_cast<size_t>(logs_offset), static_cast<size_t>(logs_limit));
          if (end < all.size()) next = static_cast<int64_t>(end);
          logs = all.substr(begin, end - begin);
        }
        (*row)["logs_offset"] = logs_offset;
        (*row)["logs_next_offset"] = next;
        return *row;
      });
}

}  // namespace cairn
