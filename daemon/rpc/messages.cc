// messages.*: the messages of conversation sessions. Topic "messages"; every
// change's entity id is the message id and its event carries session_id, so the
// full-text indexer (and any subscriber) follows content through the changelog.
//
// Order is created_at, then insertion order (seq): a bulk insert shares one
// timestamp and must come back in the order it was sent. messages.page finds a
// page's rows in the (session_id, created_at, seq) index alone and takes the
// total from the session's message_count, so a deep page costs an index skip,
// never a table scan.
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/memory_fields.h"
#include "daemon/rpc/message_rows.h"
#include "daemon/rpc/register.h"

namespace cairn {

using namespace memory;

namespace {

constexpr int64_t kMaxPageSize = 500;
constexpr size_t kMaxBulk = 4096;  // the wire's limit for one array

// A create with an id that exists: the same message again is a retry and gets
// the first answer; anything else is a CONFLICT.
Result<std::optional<Json>> replay_of(store::Db& db, const MessageInput& m) {
  if (!m.id_given) return std::optional<Json>();
  CAIRN_ASSIGN_OR_RETURN(auto existing, find_message(db, m.id));
  if (!existing) return std::optional<Json>();
  if (!same_message(*existing, m)) {
    return conflict("id: message " + m.id + " exists with different content");
  }
  return std::optional<Json>(message_ack(*existing));
}

Result<Json> append(store::WriteTxn& txn, const MessageInput& m) {
  if (!m.session_id) return invalid_params("session_id is required");
  if (!m.role) return invalid_params("role is required");
  CAIRN_ASSIGN_OR_RETURN(auto replay, replay_of(txn.db(), m));
  if (replay) return *replay;
  CAIRN_RETURN_IF_ERROR(check_message_refs(txn.db(), m));
  CAIRN_ASSIGN_OR_RETURN(Json row, insert_message(txn, m));
  return message_ack(row);
}

// Applies the fields given in `m` to the existing message `old`.
Result<Json> update_message(store::WriteTxn& txn, const Json& old, const MessageInput& m,
                            bool append_content) {
  if (m.session_id && *m.session_id != old["session_id"]) {
    return conflict("session_id: message " + m.id + " belongs to session " +
                    old["session_id"].get<std::string>());
  }
  if (m.parent_id && *m.parent_id != old["parent_id"]) {
    MessageInput refs = m;
    refs.session_id = old["session_id"].get<std::string>();
    CAIRN_RETURN_IF_ERROR(check_message_refs(txn.db(), refs));
    if (*m.parent_id == m.id) return invalid_params("parent_id: a message cannot reply to itself");
  }
  std::string content = old["content"].get<std::string>();
  if (m.content) content = append_content ? content + *m.content : *m.content;
  if (content.size() > kMaxContentBytes) {
    return invalid_params("content: the message would be larger than 4 MiB");
  }
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      txn.db().cached(
          "UPDATE messages SET role = coalesce(?2, role), content = ?3, "
          "tool_calls = coalesce(?4, tool_calls), tool_call_id = coalesce(?5, tool_call_id), "
          "thinking = coalesce(?6, thinking), attachments = coalesce(?7, attachments), "
          "assistant_id = coalesce(?8, assistant_id), source = coalesce(?9, source), "
          "error = coalesce(?10, error), parent_id = coalesce(?11, parent_id), "
          "tokens_used = coalesce(?12, tokens_used), "
          "response_time_ms = coalesce(?13, response_time_ms), updated_at = ?14 WHERE id = ?1"));
  s->bind_all(m.id, m.role, content, m.tool_calls, m.tool_call_id, m.thinking, m.attachments,
              m.assistant_id, m.source, m.error, m.parent_id, m.tokens_used, m.response_time_ms,
              txn.now_ms());
  CAIRN_RETURN_IF_ERROR(s->run());
  // The changelog holds a patch, so the whole message is measured here: an
  // update or a streamed append may not make it too large to read back.
  CAIRN_ASSIGN_OR_RETURN(auto whole, find_message(txn.db(), m.id));
  if (whole) CAIRN_RETURN_IF_ERROR(store::check_record_size("message", m.id, *whole));
  // The changelog keeps what changed, not the whole message again: a reply
  // streamed in n pieces costs O(n) there, not O(n^2).
  Json patch = input_as_row(m);
  for (auto it = patch.begin(); it != patch.end();) {
    it = it.value().is_null() ? patch.erase(it) : std::next(it);
  }
  patch.erase("content");
  if (m.content) patch[append_content ? "content_appended" : "content"] = *m.content;
  patch.erase("session_id");
  patch.erase("id");  // the change's entity id already says which message
  CAIRN_RETURN_IF_ERROR(
      txn.record("messages", "update", m.id, nullptr, patch, {{"session_id", old["session_id"]}})
          .status());
  return Json{{"id", m.id},
              {"created", false},
              {"created_at", old["created_at"]},
              {"updated_at", format_iso8601(txn.now_ms())},
              {"content_bytes", content.size()}};
}

std::vector<ParamSpec> upsert_params() {
  auto params = message_input_params(/*id_required=*/true);
  params.push_back(
      param::boolean("append", "add content to the stored text instead of replacing it"));
  return params;
}

// One row of messages.bulk: the keys of messages.append; session_id may come
// from the call instead.
Json bulk_row_schema() {
  Json row = MethodSpec{"", {}, message_input_params(/*id_required=*/false)}.params_schema();
  row.erase("$schema");
  row["required"] = Json::array({"role"});
  return row;
}

}  // namespace

void register_messages(Registry& r, Services& s) {
  s.hub.add_topic("messages");

  r.add_write("messages.append",
              {"Appends a message to a session.",
               {"messages"},
               message_input_params(/*id_required=*/false)},
              [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
                Params p(params);
                MessageInput m = read_message_input(p, /*id_required=*/false);
                CAIRN_RETURN_IF_ERROR(p.finish());
                return append(txn, m);
              });

  r.add_write("messages.upsert",
              {"Creates a message or changes the fields given; append adds streamed content.",
               {"messages"},
               upsert_params()},
              [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
                Params p(params);
                MessageInput m = read_message_input(p, /*id_required=*/true);
                bool append_content = p.opt_bool("append").value_or(false);
                CAIRN_RETURN_IF_ERROR(p.finish());
                if (!m.session_id) return invalid_params("session_id is required");
                CAIRN_ASSIGN_OR_RETURN(auto old, find_message(txn.db(), m.id));
                if (old) return update_message(txn, *old, m, append_content);
                if (!m.role) return invalid_params("role is required to create message " + m.id);
                CAIRN_RETURN_IF_ERROR(check_message_refs(txn.db(), m));
                CAIRN_ASSIGN_OR_RETURN(Json row, insert_message(txn, m));
                return Json{{"id", m.id},
                            {"created", true},
                            {"created_at", row["created_at"]},
                            {"updated_at", row["updated_at"]},
                            {"content_bytes", m.content.value_or("").size()}};
              });

  // All or nothing: the job runs in its own savepoint, so returning an error
  // after some rows were written rolls every one of them back.
  r.add_write("messages.bulk",
              {"Appends up to 4096 messages at once (all or nothing).",
               {"messages"},
               {param::any("messages",
                           {{"type", "array"},
                            {"items", bulk_row_schema()},
                            {"minItems", 1},
                            {"maxItems", kMaxBulk}},
                           "messages as for messages.append")
                    .required(),
                memory::id_param("session_id", "the session of rows that name none")}},
              [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
                Params p(params);
                const Json& rows = p.any("messages");
                auto default_session = p.has("session_id")
                                           ? std::optional(existing_id(p, "session_id"))
                                           : std::nullopt;
                CAIRN_RETURN_IF_ERROR(p.finish());
                if (!rows.is_array() || rows.empty()) {
                  return invalid_params("messages must be a non-empty array of messages");
                }
                if (rows.size() > kMaxBulk)
                  return invalid_params("messages has more than 4096 items");
                std::vector<MessageInput> inputs;
                inputs.reserve(rows.size());
                for (size_t i = 0; i < rows.size(); ++i) {
                  std::string where = "messages[" + std::to_string(i) + "]";
                  if (!rows[i].is_object()) return invalid_params(where + " must be a map");
                  Params row(Json::array({rows[i]}));
                  MessageInput m = read_message_input(row, /*id_required=*/false);
                  CAIRN_RETURN_IF_ERROR(in_row(row.finish(), where));
                  if (!m.session_id) m.session_id = default_session;
                  if (!m.session_id) return invalid_params(where + ": session_id is required");
                  if (!m.role) return invalid_params(where + ": role is required");
                  inputs.push_back(std::move(m));
                }
                Json items = Json::array();
                int64_t inserted = 0;
                for (size_t i = 0; i < inputs.size(); ++i) {
                  std::string where = "messages[" + std::to_string(i) + "]";
                  auto replay = replay_of(txn.db(), inputs[i]);
                  if (!replay) return in_row(replay.status(), where);
                  if (*replay) {
                    items.push_back(**replay);
                    continue;
                  }
                  CAIRN_RETURN_IF_ERROR(in_row(check_message_refs(txn.db(), inputs[i]), where));
                  auto row = insert_message(txn, inputs[i]);
                  if (!row) return in_row(row.status(), where);
                  items.push_back(message_ack(*row));
                  ++inserted;
                }
                return Json{{"items", std::move(items)}, {"inserted", inserted}};
              });

  r.add_read("messages.page",
             {"Reads one page of a session's messages in order.",
              {},
              {memory::id_param("session_id", "the session").required(),
               param::integer("page", 1, 1000000000, "the page, from 1"),
               param::integer("page_size", 1, kMaxPageSize, "messages per page (default 50)")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               std::string session_id = existing_id(p, "session_id");
               int64_t page = p.opt_int("page", 1, 1000000000).value_or(1);
               int64_t page_size = p.opt_int("page_size", 1, kMaxPageSize).value_or(50);
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(
                   store::Stmt * count,
                   db.cached("SELECT message_count FROM sessions WHERE id = ?1"));
               count->bind_all(session_id);
               CAIRN_ASSIGN_OR_RETURN(bool found, count->step());
               if (!found) return not_found("no session " + session_id);
               int64_t total = count->int64(0);
               count->reset();
               Json items = Json::array();
               int64_t offset = (page - 1) * page_size;
               if (offset < total) {
                 // The inner query walks only the index; rows are read for this page alone.
                 static const std::string& sql = *new std::string(
                     std::string("SELECT ") + kMessageColumns +
                     " FROM messages WHERE seq IN (SELECT seq FROM messages WHERE session_id = ?1 "
                     "ORDER BY created_at, seq LIMIT ?2 OFFSET ?3) ORDER BY created_at, seq");
                 CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
                 q->bind_all(session_id, page_size, offset);
                 for (;;) {
                   CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
                   if (!row) break;
                   items.push_back(message_row(*q));
                 }
               }
               return Json{{"items", std::move(items)},
                           {"total", total},
                           {"page", page},
                           {"page_size", page_size},
                           {"has_next", offset + page_size < total},
                           {"has_prev", page > 1}};
             });

  r.add_read("messages.get",
             {"Reads one message.", {}, {memory::id_param("id", "the message").required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               std::string id = existing_id(p, "id");
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(auto row, find_message(db, id));
               if (!row) return not_found("no message " + id);
               return *row;
             });

  r.add_write(
      "messages.delete",
      {"Deletes a message (its replies stay, detached).",
       {"messages"},
       {memory::id_param("id", "the message").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string id = existing_id(p, "id");
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto old, find_message(txn.db(), id));
        if (!old) return not_found("no message " + id);
        std::string session_id = (*old)["session_id"].get<std::string>();
        // Replies lose their parent (ON DELETE SET NULL): that changes them too.
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * kids,
                               txn.db().cached("SELECT id FROM messages WHERE parent_id = ?1"));
        kids->bind_all(id);
        std::vector<std::string> replies;
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, kids->step());
          if (!row) break;
          replies.push_back(kids->text(0));
        }
        kids->reset();
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                               txn.db().cached("DELETE FROM messages WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
        CAIRN_RETURN_IF_ERROR(bump_session_count(txn, session_id, -1));
        CAIRN_RETURN_IF_ERROR(
            txn.record("messages", "delete", id, *old, nullptr, {{"session_id", session_id}})
                .status());
        for (const auto& reply : replies) {
          CAIRN_RETURN_IF_ERROR(txn.record("messages", "update", reply, nullptr,
                                           {{"parent_id", nullptr}}, {{"session_id", session_id}})
                                    .status());
        }
        return Json{{"deleted", true}, {"id", id}};
      });
}

}  // namespace cairn
