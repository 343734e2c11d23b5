// Notifications as other workflow families create them inside their own write
// job (approvals.request raises one). Writer thread, inside a WriteTxn.
#pragma once

#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "store/write_txn.h"

namespace cairn {

struct NewNotification {
  std::optional<std::string> id;  // client-supplied, else a new UUID
  std::string title;
  std::string message;
  std::string type = "info";
  std::string priority = "normal";  // low, normal, high, urgent
  Json data;                        // any JSON, or null
  std::optional<int64_t> at;        // created_at; the job's time when absent
};

// Inserts and records a notification (topic "notifications", kind "insert");
// returns the row as clients see it. With an existing id: the same content
// returns the existing row, different content is CONFLICT.
Result<Json> insert_notification(store::WriteTxn& txn, const NewNotification& n);

// Sets a notification's status (unread, read, archived), recording the change
// unless it already had it; nothing when there is no such id.
Result<std::optional<Json>> mark_notification(store::WriteTxn& txn, const std::string& id,
                                              const std::string& status);

// The id of the notification approvals.request raises for approval `id`.
inline std::string approval_notification_id(const std::string& approval_id) {
  return "approval:" + approval_id;
}

}  // namespace cairn
