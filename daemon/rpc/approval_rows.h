// Approval rows: reading one as clients see it, and the expiry pass that turns
// pending approvals past their deadline into `expired`. Shared by the
// approvals.* methods and ApprovalWaits. find_approval on any thread's own
// connection; expire_pending on the writer thread inside a WriteTxn.
#pragma once

#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "store/db.h"
#include "store/write_txn.h"

namespace cairn {

// {id, action_type, details, requested_by, task_id, status, decided_at,
//  decision_note, expires_at, created_at}, or nothing when there is no such id.
Result<std::optional<Json>> find_approval(store::Db& db, const std::string& id);

// Fields every approvals event carries, so waiters and subscribers need no read.
Json approval_event_fields(const Json& row);

// Once an approval is decided or expired, the notification its request raised
// is no longer something to act on: if it is still unread, it becomes read
// (recorded). A person's own marking (archived, read) is left alone.
Status settle_request_notification(store::WriteTxn& txn, const std::string& approval_id);

// Marks every pending approval whose expires_at <= now_ms as expired (decided_at
// = now_ms), recording each change. Returns the ids it expired.
Result<std::vector<std::string>> expire_pending(store::WriteTxn& txn, int64_t now_ms);

}  // namespace cairn
