// events.subscribe / events.unsubscribe (loop thread: subscriptions belong to the
// connection) and changes.since (a reader: the changelog is the durable feed).
#include <algorithm>
#include <cstdlib>

#include "base/clock.h"
#include "daemon/hub.h"
#include "daemon/params.h"
#include "daemon/rpc/register.h"
#include "ipc/packer.h"
#include "store/write_txn.h"

namespace cairn {

namespace {

constexpr int64_t kMaxChanges = 10000;
// Bytes of changes one changes.since page holds at most (before the last one
// added): half of what one reply may take.
constexpr size_t kPageBytes = 4u << 20;

Result<std::string> meta_value(store::Db& db, const char* key) {
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached("SELECT value FROM meta WHERE key = ?1"));
  s->bind_all(key);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->text(0) : std::string();
}

Result<int64_t> trimmed_through(store::Db& db) {
  CAIRN_ASSIGN_OR_RETURN(std::string trimmed, meta_value(db, "changelog_trimmed_through"));
  if (trimmed.empty()) return int64_t{0};
  char* end = nullptr;
  long long v = std::strtoll(trimmed.c_str(), &end, 10);
  if (*end != '\0' || v < 0)
    return internal_error("meta changelog_trimmed_through is not a cursor");
  return static_cast<int64_t>(v);
}

// Topics a filter may name: the ones domains declared (a typo would otherwise
// match nothing, silently). Domains declare them at startup and the set never
// changes afterwards, so a reader thread may read it.
Status known_topics(const Hub& hub, const std::vector<std::string>& topics) {
  for (const auto& t : topics) {
    if (t != "*" && !hub.topics().count(t)) {
      std::string all;
      for (const auto& k : hub.topics()) all += (all.empty() ? "" : ", ") + k;
      return invalid_params("topics: unknown topic " + t + " (known: " + all + ")");
    }
  }
  return Status::ok();
}

}  // namespace

void register_events(Registry& r, Services& s) {
  r.add_loop("events.subscribe",
             {"Subscribes this connection to event topics (or [\"*\"]).",
              {},
              {param::str_list("topics", 64, 64, "topic names, or [\"*\"] for all")
                   .with_schema({{"minItems", 1}, {"examples", {{"*"}}}})
                   .required()}},
             [&s](CallContext& ctx, const Json& params) -> Result<Json> {
               Args a(params);
               auto topics = a.opt_str_list("topics");
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
               Args a(params);
               auto topics = a.opt_str_list("topics");
               s.hub.unsubscribe(ctx.conn, topics.value_or(std::vector<std::string>{}));
               return Json{{"topics", s.hub.subscriptions(ctx.conn)}};
             });

  r.add_read(
      "changes.since",
      {"Reads the change feed after a cursor: the durable log of every committed change.",
       {},
       {param::integer("cursor", 0, INT64_MAX, "the last cursor seen; 0 to start").required(),
        param::str_list("topics", 64, 64, "only these topics (or [\"*\"] for all)"),
        param::integer("limit", 1, kMaxChanges,
                       "most changes to return (default 1000); a page also ends at about 4 MiB"),
        param::str("db_id", 64,
                   "the db_id seen before: a different database sets fresh_instance")}},
      [&s](store::Db& db, const Json& params) -> Result<Json> {
        Args a(params);
        int64_t cursor = a.integer("cursor");
        auto topics = a.opt_str_list("topics");
        int64_t limit = a.opt_int("limit").value_or(1000);
        auto db_id = a.opt_str("db_id");
        if (topics) CAIRN_RETURN_IF_ERROR(known_topics(s.hub, *topics));
        CAIRN_ASSIGN_OR_RETURN(int64_t trimmed, trimmed_through(db));
        CAIRN_ASSIGN_OR_RETURN(int64_t latest, db.query_int("SELECT coalesce(max(cursor), 0) FROM "
                                                            "changelog"));
        // A cursor from another database, from the future, or behind what retention
        // removed cannot be continued: the client must resync in full. Cursor 0
        // (a client that has seen nothing, or synced while the log was empty) is
        // behind any trim: the changes it asks for are no longer all there.
        Json out{{"db_id", s.db_id}};
        const auto fresh_reply = [&out](int64_t latest_cursor) {
          out["fresh_instance"] = true;
          out["changes"] = Json::array();
          out["cursor"] = latest_cursor;
          out["has_more"] = false;
          return out;
        };
        if ((db_id && *db_id != s.db_id) || cursor > latest || cursor < trimmed) {
          return fresh_reply(latest);
        }
        out["fresh_instance"] = false;
        std::string sql =
            "SELECT cursor, at, topic, kind, entity_id, origin, old_value, new_value, event FROM "
            "changelog WHERE cursor > ?1";
        Json topic_list = Json::array();
        bool every_topic =
            topics && std::find(topics->begin(), topics->end(), "*") != topics->end();
        if (topics && !topics->empty() && !every_topic) {
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
          // A page ends at `limit` changes or once it holds kPageBytes, whichever
          // comes first, so the reply stays within what one reply may take.
          // A change whose values pass what one record may take (an update of a
          // large record holds it twice) is sent without them, so the feed never
          // stops on it: values_omitted says to read the record itself.
          size_t values = q.blob_view(6).size() + q.blob_view(7).size();
          bool omit = values + q.blob_view(8).size() > store::kMaxRecordBytes;
          size_t cost = (omit ? 0 : values) + q.blob_view(8).size();
          if (n == limit || (n > 0 && rows.size() + cost > kPageBytes)) {
            more = true;
            break;
          }
          last = q.int64(0);
          if (omit) {
            rows.map_over(q.blob_view(8), {"cursor", "at", "topic", "kind", "id", "origin", "old",
                                           "new", "values_omitted"});
          } else {
            rows.map_over(q.blob_view(8),
                          {"cursor", "at", "topic", "kind", "id", "origin", "old", "new"});
          }
          rows.str("cursor").integer(last);
          rows.str("at").str(format_iso8601(q.int64(1)));
          rows.str("topic").str(q.text(2));
          rows.str("kind").str(q.text(3));
          rows.str("id").str(q.text(4));
          rows.str("origin").str(q.text(5));
          if (omit) {
            rows.str("old").nil();
            rows.str("new").nil();
            rows.str("values_omitted").boolean(true);
          } else {
            rows.str("old").stored(q.blob_view(6));
            rows.str("new").stored(q.blob_view(7));
          }
          ++n;
        }
        // Reads are not one snapshot: retention may have trimmed past `cursor`
        // between the check above and the rows. Checked again after them, so a
        // reply never holds a delta with a hole in it.
        CAIRN_ASSIGN_OR_RETURN(int64_t trimmed_after, trimmed_through(db));
        if (cursor < trimmed_after) {
          CAIRN_ASSIGN_OR_RETURN(latest,
                                 db.query_int("SELECT coalesce(max(cursor), 0) FROM changelog"));
          return fresh_reply(latest);
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
