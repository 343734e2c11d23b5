#include "daemon/retention.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"
#include "daemon/services.h"

namespace cairn {

namespace {

std::vector<RetentionStep>& steps() {
  static auto& all = *new std::vector<RetentionStep>;
  return all;
}

Result<int64_t> trim_changelog(store::WriteTxn& txn, const Services& s) {
  if (s.config.changelog_retention_days <= 0) return int64_t{0};
  int64_t cutoff = txn.now_ms() - int64_t{s.config.changelog_retention_days} * 86400000;
  auto& db = txn.db();
  CAIRN_ASSIGN_OR_RETURN(store::Stmt last,
                         db.prepare("SELECT max(cursor) FROM changelog WHERE at < ?1"));
  last.bind_all(cutoff);
  CAIRN_ASSIGN_OR_RETURN(bool row, last.step());
  if (!row || last.is_null(0)) return int64_t{0};
  int64_t through = last.int64(0);
  CAIRN_ASSIGN_OR_RETURN(store::Stmt del, db.prepare("DELETE FROM changelog WHERE cursor <= ?1"));
  CAIRN_RETURN_IF_ERROR(del.bind_all(through).run());
  int64_t removed = db.changes();
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt mark,
      db.prepare("UPDATE meta SET value = ?1 WHERE key = 'changelog_trimmed_through'"));
  CAIRN_RETURN_IF_ERROR(mark.bind_all(std::to_string(through)).run());
  return removed;
}

}  // namespace

void add_retention_step(RetentionStep step) { steps().push_back(std::move(step)); }

void run_retention(Services& services) {
  Services* s = &services;
  services.writer.submit_background(
      "retention",
      [s](store::WriteTxn& txn) -> Result<Json> {
        Json removed = Json::object();
        CAIRN_ASSIGN_OR_RETURN(removed["changelog"], trim_changelog(txn, *s));
        for (const auto& step : steps()) {
          CAIRN_ASSIGN_OR_RETURN(removed[step.name], step.run(txn, *s));
        }
        return Json{{"at", format_iso8601(txn.now_ms())}, {"removed", removed}};
      },
      [s](Result<Json> r) {
        if (!r) {
          spdlog::warn("retention failed: {}", r.status().to_string());
          return;
        }
        s->poster.post([s, v = *r] { s->last_retention = v; });
      });
}

}  // namespace cairn
