#include "store/write_txn.h"

#include <algorithm>
#include <utility>
#include <vector>

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

Status check_record_size(std::string_view what, std::string_view id, const Json& value) {
  if (value.is_null()) return Status::ok();
  size_t total = Json::to_msgpack(value).size();
  if (total <= kMaxRecordBytes) return Status::ok();
  if (!value.is_object()) {
    return Status(Code::kTooLarge, std::string(what) + " " + std::string(id) + " would be " +
                                       std::to_string(total) + " bytes, over the " +
                                       std::to_string(kMaxRecordBytes) +
                                       " one record may take so that it can be read back");
  }
  std::vector<std::pair<size_t, std::string>> fields;
  for (auto it = value.begin(); it != value.end(); ++it) {
    fields.emplace_back(it.key().size() + Json::to_msgpack(it.value()).size(), it.key());
  }
  std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a > b; });
  std::string named;
  for (size_t i = 0; i < fields.size() && i < 4; ++i) {
    if (fields[i].first < 1024) break;
    named += (named.empty() ? "" : ", ") + fields[i].second + " " + std::to_string(fields[i].first);
  }
  return Status(Code::kTooLarge,
                std::string(what) + " " + std::string(id) + ": its fields together (" + named +
                    " bytes) would be " + std::to_string(total) + " bytes, over the " +
                    std::to_string(kMaxRecordBytes) +
                    " one record may take so that it can be read back: shorten them");
}

Result<int64_t> WriteTxn::record(std::string_view topic, std::string_view kind,
                                 std::string_view entity_id, const Json& old_value,
                                 const Json& new_value, Json extra) {
  auto old_packed = packed(old_value);
  auto new_packed = packed(new_value);
  if (new_packed && new_packed->size() > kMaxRecordBytes) {
    CAIRN_RETURN_IF_ERROR(check_record_size(topic, entity_id, new_value));
  }
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
