#include "store/write_txn.h"

#include "base/clock.h"

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

std::optional<std::vector<uint8_t>> packed(const Json& v) {
  if (v.is_null()) return std::nullopt;
  return Json::to_msgpack(v);
}

}  // namespace

Result<int64_t> WriteTxn::record(std::string_view topic, std::string_view kind,
                                 std::string_view entity_id, const Json& old_value,
                                 const Json& new_value, Json extra) {
  auto old_packed = packed(old_value);
  auto new_packed = packed(new_value);
  auto extra_packed = extra.empty() ? std::nullopt : packed(extra);
  CAIRN_ASSIGN_OR_RETURN(
      Stmt * s, db_.cached("INSERT INTO changelog(at, topic, kind, entity_id, origin, old_value, "
                           "new_value, event) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s->bind_all(now_ms_, topic, kind, entity_id, origin_, old_packed, new_packed, extra_packed);
  CAIRN_RETURN_IF_ERROR(s->run());
  int64_t cursor = db_.last_insert_rowid();
  changes_.push_back({cursor, now_ms_, std::string(topic), std::string(kind),
                      std::string(entity_id), std::move(extra)});
  return cursor;
}

}  // namespace cairn::store
