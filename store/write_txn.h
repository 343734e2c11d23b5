// WriteTxn: what a write job sees while it runs inside the writer's transaction.
// Every mutation a job makes must be recorded with record(), which writes the
// changelog row (audit trail and change feed) in the same transaction.
// Writer thread only; lives for one job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "store/change.h"
#include "store/db.h"

namespace cairn::store {

// Bytes one record (a message, a task, a knowledge item, a run without its
// logs...) may take encoded: what one read reply carries (8 MiB), less room
// for the reply's envelope and the fields a read adds. A write that would
// store more is refused, so whatever was accepted can be read back.
inline constexpr size_t kMaxRecordBytes = 7u << 20;

// OK when `value` (the record `what` `id` as it is read back) encodes within
// kMaxRecordBytes; else TOO_LARGE naming its largest fields and the limit.
Status check_record_size(std::string_view what, std::string_view id, const Json& value);

class WriteTxn {
 public:
  WriteTxn(Db& db, std::string origin, int64_t now_ms)
      : db_(db), origin_(std::move(origin)), now_ms_(now_ms) {}

  Db& db() { return db_; }
  const std::string& origin() const { return origin_; }
  // The job's timestamp: one value for everything the job writes.
  int64_t now_ms() const { return now_ms_; }

  // Appends to the changelog (values stored as msgpack, byte-exact). `old_value`/`new_value` are
  // the entity before and after (null for insert/delete); `extra` is merged into the event. A
  // `new_value` over kMaxRecordBytes is refused (check_record_size).
  Result<int64_t> record(std::string_view topic, std::string_view kind, std::string_view entity_id,
                         const Json& old_value, const Json& new_value, Json extra = Json::object());

  std::vector<Change>& changes() { return changes_; }

 private:
  Db& db_;
  std::string origin_;
  int64_t now_ms_;
  std::vector<Change> changes_;
};

}  // namespace cairn::store
