#include "store/write_txn.h"

#include "base/clock.h"
#include "base/json_text.h"

namespace cairn::store {

Json Change::to_event() const {
  Json e = extra.is_object() ? extra : Json::object();
  e["topic"] = topic;
  e["kind"] = kind;
  e["id"] = entity_id;
  e["cursor"] = cursor;
  e["at"] = format_iso8601(at_ms);
  return e;
}

namespace {

Result<std::optional<std::string>> text_or_null(const Json& v, std::string_view field) {
  if (v.is_null()) return std::optional<std::string>();
  CAIRN_ASSIGN_OR_RETURN(std::string t, to_json_text(v, field));
  return std::optional<std::string>(std::move(t));
}

}  // namespace

Result<int64_t> WriteTxn::record(std::string_view topic, std::string_view kind,
                                 std::string_view entity_id, const Json& old_value,
                                 const Json& new_value, Json extra) {
  CAIRN_ASSIGN_OR_RETURN(auto old_text, text_or_null(old_value, "old value"));
  CAIRN_ASSIGN_OR_RETURN(auto new_text, text_or_null(new_value, "new value"));
  std::optional<std::string> extra_text;
  if (!extra.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string t, to_json_text(extra, "event"));
    extra_text = std::move(t);
  }
  CAIRN_ASSIGN_OR_RETURN(
      Stmt * s, db_.cached("INSERT INTO changelog(at, topic, kind, entity_id, origin, old_value, "
                           "new_value, event) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s->bind_all(now_ms_, topic, kind, entity_id, origin_, old_text, new_text, extra_text);
  CAIRN_RETURN_IF_ERROR(s->run());
  int64_t cursor = db_.last_insert_rowid();
  changes_.push_back({cursor, now_ms_, std::string(topic), std::string(kind),
                      std::string(entity_id), std::move(extra)});
  return cursor;
}

}  // namespace cairn::store
