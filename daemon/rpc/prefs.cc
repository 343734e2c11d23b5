// prefs.*: preferences by category and key with JSON values. Topic "prefs".
#include "base/clock.h"
#include "base/json_text.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"

namespace cairn {

namespace {

constexpr size_t kMaxValueBytes = 1u << 20;
// Bytes of values one prefs.list page holds (before the last one added): half
// of what one reply may take.
constexpr size_t kPageBytes = 4u << 20;

Json pref_row(const store::Stmt& s) {
  auto value = parse_json_text(s.text(2));
  return Json{{"category", s.text(0)},
              {"key", s.text(1)},
              {"value", value ? *value : Json()},
              {"updated_at", format_iso8601(s.int64(3))}};
}

Result<std::optional<Json>> find_pref(store::Db& db, const std::string& category,
                                      const std::string& key) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s,
                         db.cached("SELECT category, key, value, updated_at FROM prefs "
                                   "WHERE category = ?1 AND key = ?2"));
  s->bind_all(category, key);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  return std::optional<Json>(pref_row(*s));
}

std::string entity(const std::string& category, const std::string& key) {
  return category + "/" + key;
}

}  // namespace

void register_prefs(Registry& r, Services& s) {
  s.hub.add_topic("prefs");

  r.add_write(
      "prefs.set",
      {"Sets a preference (any value up to 1 MiB) by category and key.",
       {"prefs"},
       {param::str("category", 256, "the category, 1 to 256 bytes").required(),
        param::str("key", 256, "the key within the category, 1 to 256 bytes").required(),
        param::any("value", Json::object(), "any value, up to 1 MiB as msgpack").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto category = a.str("category");
        auto key = a.str("key");
        auto value = a.opt_any("value");
        if (category.empty() || key.empty())
          return invalid_params("category and key must not be empty");
        CAIRN_ASSIGN_OR_RETURN(std::string text, to_json_text(*value, "value"));
        if (text.size() > kMaxValueBytes) {
          return Status(Code::kInvalidParams, "value is larger than 1 MiB as JSON");
        }
        CAIRN_ASSIGN_OR_RETURN(auto old, find_pref(txn.db(), category, key));
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * up,
            txn.db().cached(
                "INSERT INTO prefs(category, key, value, updated_at) VALUES(?1, ?2, ?3, "
                "?4) ON CONFLICT(category, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at"));
        CAIRN_RETURN_IF_ERROR(up->bind_all(category, key, text, txn.now_ms()).run());
        Json now{{"category", category},
                 {"key", key},
                 {"value", *value},
                 {"updated_at", format_iso8601(txn.now_ms())}};
        CAIRN_RETURN_IF_ERROR(txn.record("prefs", old ? "update" : "insert", entity(category, key),
                                         old ? (*old)["value"] : Json(), *value,
                                         {{"category", category}, {"key", key}})
                                  .status());
        return now;
      });

  r.add_read("prefs.get",
             {"Reads one preference.",
              {},
              {param::str("category", 256, "the category").required(),
               param::str("key", 256, "the key").required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Args a(params);
               auto category = a.str("category");
               auto key = a.str("key");
               CAIRN_ASSIGN_OR_RETURN(auto found, find_pref(db, category, key));
               if (!found) return not_found("no preference " + entity(category, key));
               return *found;
             });

  r.add_read("prefs.list",
             {"Lists preferences ordered by category and key, a page of about 4 MiB at a time.",
              {},
              {param::str("category", 256, "only this category"),
               param::integer("offset", 0, INT64_MAX,
                              "where the page starts: the next_offset of the page before")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Args a(params);
               auto category = a.opt_str("category");
               int64_t offset = a.opt_int("offset").value_or(0);
               CAIRN_ASSIGN_OR_RETURN(
                   store::Stmt * s,
                   db.cached("SELECT category, key, value, updated_at FROM prefs WHERE "
                             "?1 IS NULL OR category = ?1 ORDER BY category, key "
                             "LIMIT -1 OFFSET ?2"));
               s->bind_all(category, offset);
               // A page ends once its values hold kPageBytes (values are up to 1 MiB
               // each): next_offset says where the next one starts.
               Json items = Json::array();
               size_t bytes = 0;
               Json next = nullptr;
               for (;;) {
                 CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
                 if (!row) break;
                 if (!items.empty() && bytes + s->text(2).size() > kPageBytes) {
                   next = offset + static_cast<int64_t>(items.size());
                   break;
                 }
                 bytes += s->text(2).size() + s->text(1).size() + s->text(0).size();
                 items.push_back(pref_row(*s));
               }
               s->reset();
               return Json{{"prefs", std::move(items)}, {"next_offset", next}};
             });

  r.add_write(
      "prefs.delete",
      {"Deletes one preference.",
       {"prefs"},
       {param::str("category", 256, "the category").required(),
        param::str("key", 256, "the key").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Args a(params);
        auto category = a.str("category");
        auto key = a.str("key");
        CAIRN_ASSIGN_OR_RETURN(auto old, find_pref(txn.db(), category, key));
        if (!old) return not_found("no preference " + entity(category, key));
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * del,
            txn.db().cached("DELETE FROM prefs WHERE category = ?1 AND key = ?2"));
        CAIRN_RETURN_IF_ERROR(del->bind_all(category, key).run());
        CAIRN_RETURN_IF_ERROR(txn.record("prefs", "delete", entity(category, key), (*old)["value"],
                                         nullptr, {{"category", category}, {"key", key}})
                                  .status());
        return Json{{"deleted", true}};
      });
}

}  // namespace cairn
