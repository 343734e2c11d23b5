#include "daemon/rpc/message_rows.h"

#include "base/clock.h"
#include "daemon/rpc/memory_fields.h"

namespace cairn::memory {

MessageInput read_message_input(Params& p, bool id_required) {
  MessageInput m;
  m.id_given = id_required || p.has("id");
  m.id = id_required ? existing_id(p, "id") : new_or_given_id(p, "id");
  if (p.has("session_id")) m.session_id = existing_id(p, "session_id");
  m.role = p.opt_enum("role", kRoles);
  m.content = opt_text(p, "content", kMaxContentBytes);
  m.tool_calls = opt_json(p, "tool_calls", JsonShape::kObjectOrArray, kMaxJsonFieldBytes);
  m.tool_call_id = opt_text(p, "tool_call_id", 256);
  m.thinking = opt_text(p, "thinking", kMaxContentBytes);
  m.attachments = opt_json(p, "attachments", JsonShape::kObjectOrArray, kMaxJsonFieldBytes);
  m.assistant_id = opt_text(p, "assistant_id", 256);
  m.source = opt_text(p, "source", 256);
  m.error = opt_text(p, "error", 64 * 1024);
  if (p.has("parent_id")) m.parent_id = existing_id(p, "parent_id");
  m.tokens_used = p.opt_int("tokens_used", 0, int64_t{1} << 53);
  m.response_time_ms = p.opt_int("response_time_ms", 0, int64_t{1} << 53);
  m.created_at = p.opt_past_time("created_at");
  return m;
}

namespace {

Json opt_json_value(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return Json::parse(*text, nullptr, false);
}

template <typename T>
Json opt_value(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

}  // namespace

std::vector<ParamSpec> message_input_params(bool id_required) {
  ParamSpec id =
      id_param("id", id_required ? "the message (created when new)"
                                 : "client-chosen id (a retry returns the existing message)");
  ParamSpec role = param::enumeration(
      "role", kRoles, id_required ? "who speaks (required to create)" : "who speaks");
  if (id_required) {
    id.required();
  } else {
    role.required();
  }
  return {id,
          id_param("session_id", "the session").required(),
          role,
          text_param("content", kMaxContentBytes, "the text, up to 4 MiB"),
          json_param("tool_calls", JsonShape::kObjectOrArray, kMaxJsonFieldBytes, "tool calls"),
          text_param("tool_call_id", 256, "the tool call this answers"),
          text_param("thinking", kMaxContentBytes, "the model's reasoning"),
          json_param("attachments", JsonShape::kObjectOrArray, kMaxJsonFieldBytes, "attachments"),
          text_param("assistant_id", 256, "the assistant"),
          text_param("source", 256, "where it came from"),
          text_param("error", 64 * 1024, "an error to record"),
          id_param("parent_id", "the message it replies to (same session)"),
          param::integer("tokens_used", 0, int64_t{1} << 53, "tokens used"),
          param::integer("response_time_ms", 0, int64_t{1} << 53, "response time in ms"),
          param::time("created_at", "when it was written (default now)").past()};
}

Json input_as_row(const MessageInput& m) {
  return Json{{"id", m.id},
              {"session_id", opt_value(m.session_id)},
              {"role", opt_value(m.role)},
              {"content", m.content.value_or("")},
              {"tool_calls", opt_json_value(m.tool_calls)},
              {"tool_call_id", opt_value(m.tool_call_id)},
              {"thinking", opt_value(m.thinking)},
              {"attachments", opt_json_value(m.attachments)},
              {"assistant_id", opt_value(m.assistant_id)},
              {"source", opt_value(m.source)},
              {"error", opt_value(m.error)},
              {"parent_id", opt_value(m.parent_id)},
              {"tokens_used", opt_value(m.tokens_used)},
              {"response_time_ms", opt_value(m.response_time_ms)}};
}

Json message_row(const store::Stmt& s) {
  return Json{{"id", s.text(0)},
              {"session_id", s.text(1)},
              {"role", s.text(2)},
              {"content", s.text(3)},
              {"tool_calls", json_column(s, 4)},
              {"tool_call_id", s.value(5)},
              {"thinking", s.value(6)},
              {"attachments", json_column(s, 7)},
              {"assistant_id", s.value(8)},
              {"source", s.value(9)},
              {"error", s.value(10)},
              {"parent_id", s.value(11)},
              {"tokens_used", s.value(12)},
              {"response_time_ms", s.value(13)},
              {"created_at", time_column(s, 14)},
              {"updated_at", time_column(s, 15)}};
}

Result<std::optional<Json>> find_message(store::Db& db, const std::string& id) {
  static const std::string& sql =
      *new std::string(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json out = message_row(*s);
  // A statement left on a row keeps its read transaction open: a reader
  // connection would answer every later call from this snapshot.
  s->reset();
  return std::optional<Json>(std::move(out));
}

Result<bool> session_exists(store::Db& db, const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT 1 FROM sessions WHERE id = ?1"));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  s->reset();
  return row;
}

Status check_message_refs(store::Db& db, const MessageInput& m) {
  if (!m.session_id) return invalid_params("session_id is required");
  CAIRN_ASSIGN_OR_RETURN(bool exists, session_exists(db, *m.session_id));
  if (!exists) return not_found("session_id: no session " + *m.session_id);
  if (m.parent_id) {
    CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                           db.cached("SELECT session_id FROM messages WHERE id = ?1"));
    s->bind_all(*m.parent_id);
    CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return not_found("parent_id: no message " + *m.parent_id);
    std::string parent_session = s->text(0);
    s->reset();
    if (parent_session != *m.session_id) {
      return invalid_params("parent_id: message " + *m.parent_id + " is in another session");
    }
  }
  return Status::ok();
}

Status bump_session_count(store::WriteTxn& txn, const std::string& session_id, int64_t delta) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      txn.db().cached("UPDATE sessions SET message_count = message_count + ?2 WHERE id = ?1"));
  return s->bind_all(session_id, delta).run();
}

Result<Json> insert_message(store::WriteTxn& txn, const MessageInput& m) {
  int64_t created = m.created_at.value_or(txn.now_ms());
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      txn.db().cached("INSERT INTO messages(id, session_id, role, content, tool_calls, "
                      "tool_call_id, thinking, attachments, assistant_id, source, error, "
                      "parent_id, tokens_used, response_time_ms, created_at, updated_at) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                      "?15, ?16)"));
  s->bind_all(m.id, *m.session_id, *m.role, m.content.value_or(""), m.tool_calls,
              m.tool_call_id, m.thinking, m.attachments, m.assistant_id, m.source, m.error,
              m.parent_id, m.tokens_used, m.response_time_ms, created, txn.now_ms());
  CAIRN_RETURN_IF_ERROR(s->run());
  CAIRN_RETURN_IF_ERROR(bump_session_count(txn, *m.session_id, 1));
  Json row = input_as_row(m);
  row["created_at"] = format_iso8601(created);
  row["updated_at"] = format_iso8601(txn.now_ms());
  CAIRN_RETURN_IF_ERROR(
      txn.record("messages", "insert", m.id, nullptr, row, {{"session_id", *m.session_id}})
          .status());
  return row;
}

Json message_ack(const Json& row) {
  return Json{{"id", row["id"]}, {"created_at", row["created_at"]}};
}

bool same_message(const Json& existing, const MessageInput& m) {
  Json proposed = input_as_row(m);
  for (const auto& [key, value] : proposed.items()) {
    if (existing.value(key, Json()) != value) return false;
  }
  if (m.created_at && existing["created_at"] != format_iso8601(*m.created_at)) return false;
  return true;
}

}  // namespace cairn::memory
