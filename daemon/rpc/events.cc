// events.subscribe / events.unsubscribe (loop thread: subscriptions belong to the
// connection) and changes.since (a reader: the changelog is the durable feed).
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "ipc/packer.h"

namespace cairn {

namespace {

constexpr int64_t kMaxChanges = 10000;

Result<std::string> meta_value(store::Db& db, const char* key) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT value FROM meta WHERE key = ?1"));
  s->bind_all(key);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->text(0) : std::string();
}

}  // namespace

void register_events(Registry& r, Services& s) {
  r.add_loop("events.subscribe",
             {"Subscribes this connection to event topics (or [\"*\"]).",
              {},
              {param::str_list("topics", 64, 64, "topic names, or [\"*\"] for all").required()}},
             [&s](CallContext& ctx, const Json& params) -> Result<Json> {
               Params p(params);
               auto topics = p.opt_str_list("topics", 64, 64);
               CAIRN_RETURN_IF_ERROR(p.finish());
               if (!topics || topics->empty())
                 return invalid_params("topics is required (a list, or [\"*\"])");
               CAIRN_RETURN_IF_ERROR(s.hub.subscribe(ctx.conn, *topics));
               return Json{{"topics", s.hub.subscriptions(ctx.conn)}};
             });

  r.add_loop("events.unsubscribe",
             {"Unsubscribes this connection from event topics (all when absent).",
              {},
              {param::str_list("topics", 64, 64, "topic names")}},
             [&s](CallContext& ctx, const Json& params) -> Result<Json> {
               Params p(params);
               auto topics = p.opt_str_list("topics", 64, 64);
               CAIRN_RETURN_IF_ERROR(p.finish());
               s.hub.unsubscribe(ctx.conn, topics.value_or(std::vector<std::string>{}));
               return Json{{"topics", s.hub.subscriptions(ctx.conn)}};
             });

  r.add_read(
      "changes.since",
      {"Reads the change feed after a cursor: the durable log of every committed change.",
       {},
       {param::integer("cursor", 0, INT64_MAX, "the last cursor seen; 0 to start").required(),
        param::str_list("topics", 64, 64, "only these topics"),
        param::integer("limit", 1, kMaxChanges, "most changes to return (default 1000)"),
        param::str("db_id", 64,
                   "the db_id seen before: a different database sets fresh_instance")}},
      [&s](store::Db& db, const Json& params) -> Result<Json> {
        Params p(params);
        int64_t cursor = p.integer("cursor", 0, INT64_MAX);
        auto topics = p.opt_str_list("topics", 64, 64);
        int64_t limit = p.opt_int("limit", 1, kMaxChanges).value_or(1000);
        auto db_id = p.opt_str("db_id", 64);
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(std::string trimmed, meta_value(db, "changelog_trimmed_through"));
        CAIRN_ASSIGN_OR_RETURN(int64_t latest, db.query_int("SELECT coalesce(max(cursor), 0) FROM "
                                                            "changelog"));
        // A cursor from another database, from the future, or behind what retention
        // removed cannot be continued: the client must resync in full.
        bool fresh = (db_id && *db_id != s.db_id) || cursor > latest ||
                     (cursor > 0 && cursor < std::stoll(trimmed.empty() ? "0" : trimmed));
        Json out{{"db_id", s.db_id}, {"fresh_instance", fresh}};
        if (fresh) {
          out["changes"] = Json::array();
          out["cursor"] = latest;
          out["has_more"] = false;
          return out;
        }
        std::string sql =
            "SELECT cursor, at, topic, kind, entity_id, origin, old_value, new_value, event FROM "
            "changelog WHERE cursor > ?1";
        Json topic_list = Json::array();
        if (topics && !topics->empty()) {
          sql += " AND topic IN (SELECT value FROM json_each(?3))";
          topic_list = *topics;
        }
        sql += " ORDER BY cursor LIMIT ?2";
        CAIRN_ASSIGN_OR_RETURN(store::Stmt q, db.prepare(sql));
        q.bind(1, cursor).bind(2, limit + 1);
        if (!topic_list.empty()) q.bind(3, topic_list.dump());
        // The rows are written as msgpack directly: old and new values are whole
        // rows stored as msgpack, and building each change as Json (decoding them,
        // then encoding the whole reply again) took most of the call's time.
        ipc::Packer rows;
        int64_t n = 0;
        int64_t last = cursor;
        bool more = false;
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, q.step());
          if (!row) break;
          if (n == limit) {
            more = true;
            break;
          }
          last = q.int64(0);
          rows.map_over(q.blob_view(8),
                        {"cursor", "at", "topic", "kind", "id", "origin", "old", "new"});
          rows.str("cursor").integer(last);
          rows.str("at").str(format_iso8601(q.int64(1)));
          rows.str("topic").str(q.text(2));
          rows.str("kind").str(q.text(3));
          rows.str("id").str(q.text(4));
          rows.str("origin").str(q.text(5));
          rows.str("old").stored(q.blob_view(6));
          rows.str("new").stored(q.blob_view(7));
          ++n;
        }
        ipc::Packer changes;
        changes.array(static_cast<uint32_t>(n)).append(rows);
        // With a topic filter the caller has still seen everything up to `latest`.
        out["changes"] = changes.take();
        out["cursor"] = more ? last : std::max(last, topic_list.empty() ? last : latest);
        out["has_more"] = more;
        return out;
      });
}

}  // namespace cairn
