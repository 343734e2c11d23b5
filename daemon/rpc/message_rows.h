// Message rows: reading a message's fields from request params, the row <-> Json
// mapping, and the SQL that inserts, finds and counts them. Shared by
// messages.* and sessions.*. Functions take the connection of the calling
// thread (a reader's, or the writer's inside a job).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"
#include "daemon/method_spec.h"
#include "daemon/params.h"
#include "store/db.h"
#include "store/write_txn.h"

namespace cairn::memory {

inline const std::vector<std::string> kRoles = {"system", "user", "assistant", "tool"};
inline constexpr size_t kMaxContentBytes = 4u << 20;  // the wire's limit for one string
inline constexpr size_t kMaxJsonFieldBytes = 1u << 20;

// A message as a request describes it. Absent fields are nullopt; upsert leaves
// absent fields of an existing message unchanged.
struct MessageInput {
  std::string id;
  bool id_given = false;
  std::optional<std::string> session_id;
  std::optional<std::string> role;
  std::optional<std::string> content;
  std::optional<std::string> tool_calls;   // canonical JSON text
  std::optional<std::string> tool_call_id;
  std::optional<std::string> thinking;
  std::optional<std::string> attachments;  // canonical JSON text
  std::optional<std::string> assistant_id;
  std::optional<std::string> source;
  std::optional<std::string> error;
  std::optional<std::string> parent_id;
  std::optional<int64_t> tokens_used;
  std::optional<int64_t> response_time_ms;
  std::optional<int64_t> created_at;
};

// Reads every message field from `p` (it does not call finish()). With
// `id_required` the id must be given, else a uuid is made when absent.
MessageInput read_message_input(Params& p, bool id_required);

// The declaration of those fields for a MethodSpec (messages.append, upsert).
std::vector<ParamSpec> message_input_params(bool id_required);

// The message as its row would hold it, without timestamps: what an idempotent
// create compares.
Json input_as_row(const MessageInput& m);

// The columns message_row() reads, in its order.
inline constexpr const char* kMessageColumns =
    "id, session_id, role, content, tool_calls, tool_call_id, thinking, attachments, "
    "assistant_id, source, error, parent_id, tokens_used, response_time_ms, created_at, "
    "updated_at";
Json message_row(const store::Stmt& s);

// The full row as the wire shows it, or nullopt when there is no message `id`.
Result<std::optional<Json>> find_message(store::Db& db, const std::string& id);
// Checks a new message against the database: session exists, parent exists in
// the same session. NOT_FOUND / INVALID_PARAMS name the field.
Status check_message_refs(store::Db& db, const MessageInput& m);
// Inserts a new message (role and session_id set; refs checked), bumps the
// session's count, records "insert". Returns the row.
Result<Json> insert_message(store::WriteTxn& txn, const MessageInput& m);
// The id, created_at pair a create returns for `row`.
Json message_ack(const Json& row);
// Whether an existing row matches a repeated create (timestamps aside).
bool same_message(const Json& existing, const MessageInput& m);

// Adds `delta` to the session's message_count.
Status bump_session_count(store::WriteTxn& txn, const std::string& session_id, int64_t delta);
Result<bool> session_exists(store::Db& db, const std::string& id);

}  // namespace cairn::memory
