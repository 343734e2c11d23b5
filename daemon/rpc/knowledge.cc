// knowledge.*: knowledge items and the typed, weighted graph between them.
// Topic "knowledge"; an item's changes carry its id (the full-text indexer
// re-reads title and content by id). Link changes are recorded on the same topic
// with kind "link"/"unlink", entity id = the link's from item, and {from, to,
// type, strength} in the event: an indexer that re-reads the item finds it
// unchanged, which is harmless.
//
// knowledge.related walks the graph breadth first with one visited set
// (knowledge_graph.h): each item is reached once, at its nearest distance, so
// cycles end the walk and depth (at most 6) and item count are capped.
#include "base/clock.h"
#include "daemon/params.h"
#include "daemon/rpc/knowledge_graph.h"
#include "daemon/rpc/knowledge_rows.h"
#include "daemon/rpc/memory_fields.h"
#include "daemon/rpc/register.h"

namespace cairn {

using namespace memory;

namespace {

constexpr int64_t kMaxDepth = 6;

Status record_link(store::WriteTxn& txn, const char* kind, const std::string& from,
                   const std::string& to, const std::string& type, const Json& strength) {
  Json link{{"from", from}, {"to", to}, {"type", type}, {"strength", strength}};
  bool removing = std::string_view(kind) == "unlink";
  return txn.record("knowledge", kind, from, removing ? link : Json(), removing ? Json() : link,
                    link)
      .status();
}

}  // namespace

void register_knowledge(Registry& r, Services& s) {
  s.hub.add_topic("knowledge");

  r.add_write(
      "knowledge.create",
      {"Stores a knowledge item.", {"knowledge"}, knowledge_input_params(/*id_required=*/false)},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        KnowledgeInput k = read_knowledge_input(p, /*id_required=*/false);
        CAIRN_RETURN_IF_ERROR(p.finish());
        if (!k.source_type) return invalid_params("source_type is required");
        if (!k.knowledge_type) return invalid_params("knowledge_type is required");
        if (!k.title) return invalid_params("title is required");
        if (k.id_given) {
          CAIRN_ASSIGN_OR_RETURN(auto existing, find_knowledge(txn.db(), k.id));
          if (existing) {
            if (!same_knowledge(*existing, k)) {
              return conflict("id: knowledge item " + k.id + " exists with different content");
            }
            return *existing;
          }
        }
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * ins,
            txn.db().cached(
                "INSERT INTO knowledge_items(id, source_type, source_id, knowledge_type, "
                "title, content, confidence, tags, metadata, created_at, updated_at) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"));
        CAIRN_RETURN_IF_ERROR(ins->bind_all(k.id, *k.source_type, k.source_id, *k.knowledge_type,
                                            *k.title, k.content.value_or(""),
                                            k.confidence.value_or(1.0), k.tags.value_or("[]"),
                                            k.metadata.value_or("{}"), txn.now_ms())
                                  .run());
        CAIRN_ASSIGN_OR_RETURN(auto row, find_knowledge(txn.db(), k.id));
        CAIRN_RETURN_IF_ERROR(txn.record("knowledge", "insert", k.id, nullptr, *row).status());
        return *row;
      });

  r.add_read("knowledge.get",
             {"Reads a knowledge item with its links.",
              {},
              {memory::id_param("id", "the item").required()}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               std::string id = existing_id(p, "id");
               CAIRN_RETURN_IF_ERROR(p.finish());
               CAIRN_ASSIGN_OR_RETURN(auto row, find_knowledge(db, id));
               if (!row) return not_found("no knowledge item " + id);
               CAIRN_ASSIGN_OR_RETURN((*row)["links"], links_of(db, id));
               return *row;
             });

  r.add_read("knowledge.list",
             {"Lists knowledge items, most recently updated first.",
              {},
              {memory::text_param("knowledge_type", 64, "only this type"),
               memory::text_param("source_type", 64, "only this source type"),
               memory::text_param("tag", 256, "only items with this tag"),
               param::integer("limit", 1, 10000, "most rows (default 100)"),
               param::integer("offset", 0, int64_t{1} << 40, "rows to skip")}},
             [](store::Db& db, const Json& params) -> Result<Json> {
               Params p(params);
               auto type = opt_text(p, "knowledge_type", 64);
               auto source_type = opt_text(p, "source_type", 64);
               auto tag = opt_text(p, "tag", 256);
               int64_t limit = p.opt_int("limit", 1, 10000).value_or(100);
               int64_t offset = p.opt_int("offset", 0, int64_t{1} << 40).value_or(0);
               CAIRN_RETURN_IF_ERROR(p.finish());
               static const std::string& sql = *new std::string(
                   std::string("SELECT ") + kKnowledgeColumns +
                   " FROM knowledge_items k WHERE (?1 IS NULL OR knowledge_type = ?1) AND "
                   "(?2 IS NULL OR source_type = ?2) AND "
                   "(?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(k.tags) WHERE value = ?3)) "
                   "ORDER BY updated_at DESC, id LIMIT ?4 OFFSET ?5");
               CAIRN_ASSIGN_OR_RETURN(store::Stmt * q, db.cached(sql.c_str()));
               q->bind_all(type, source_type, tag, limit, offset);
               Json items = Json::array();
               for (;;) {
                 CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
                 if (!row) break;
                 items.push_back(knowledge_row(*q));
               }
               return Json{{"items", std::move(items)}};
             });

  r.add_write(
      "knowledge.update",
      {"Changes a knowledge item.", {"knowledge"}, knowledge_input_params(/*id_required=*/true)},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        KnowledgeInput k = read_knowledge_input(p, /*id_required=*/true);
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto old, find_knowledge(txn.db(), k.id));
        if (!old) return not_found("no knowledge item " + k.id);
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * up,
            txn.db().cached("UPDATE knowledge_items SET source_type = coalesce(?2, source_type), "
                            "source_id = coalesce(?3, source_id), knowledge_type = coalesce(?4, "
                            "knowledge_type), "
                            "title = coalesce(?5, title), content = coalesce(?6, content), "
                            "confidence = coalesce(?7, confidence), tags = coalesce(?8, tags), "
                            "metadata = coalesce(?9, metadata), updated_at = ?10 WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(up->bind_all(k.id, k.source_type, k.source_id, k.knowledge_type,
                                           k.title, k.content, k.confidence, k.tags, k.metadata,
                                           txn.now_ms())
                                  .run());
        CAIRN_ASSIGN_OR_RETURN(auto row, find_knowledge(txn.db(), k.id));
        CAIRN_RETURN_IF_ERROR(txn.record("knowledge", "update", k.id, *old, *row).status());
        return *row;
      });

  r.add_write(
      "knowledge.delete",
      {"Deletes a knowledge item and its links.",
       {"knowledge"},
       {memory::id_param("id", "the item").required()}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string id = existing_id(p, "id");
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto old, find_knowledge(txn.db(), id));
        if (!old) return not_found("no knowledge item " + id);
        // The links go with the item (ON DELETE CASCADE); record each one.
        CAIRN_ASSIGN_OR_RETURN(Json links, links_of(txn.db(), id));
        CAIRN_ASSIGN_OR_RETURN(store::Stmt * del,
                               txn.db().cached("DELETE FROM knowledge_items WHERE id = ?1"));
        CAIRN_RETURN_IF_ERROR(del->bind_all(id).run());
        for (const auto& l : links) {
          CAIRN_RETURN_IF_ERROR(record_link(txn, "unlink", l["from"].get<std::string>(),
                                            l["to"].get<std::string>(),
                                            l["type"].get<std::string>(), l["strength"]));
        }
        CAIRN_RETURN_IF_ERROR(txn.record("knowledge", "delete", id, *old, nullptr).status());
        return Json{{"deleted", true}, {"id", id}, {"links_deleted", links.size()}};
      });

  // Links are unique per (from, to, type); linking again updates the strength.
  r.add_write(
      "knowledge.link",
      {"Links two knowledge items (again: changes the strength).",
       {"knowledge"},
       {memory::id_param("from", "the item linking").required(),
        memory::id_param("to", "the item linked to").required(),
        param::enumeration("type", kRelationTypes, "the relation").required(),
        param::number("strength", 0.0, 1.0, "0 to 1 (default 1)")}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string from = existing_id(p, "from");
        std::string to = existing_id(p, "to");
        std::string type = p.enumeration("type", kRelationTypes);
        double strength = p.opt_number("strength", 0.0, 1.0).value_or(1.0);
        CAIRN_RETURN_IF_ERROR(p.finish());
        if (from == to) return invalid_params("to: an item cannot be linked to itself");
        for (const auto* end : {&from, &to}) {
          CAIRN_ASSIGN_OR_RETURN(auto item, find_knowledge(txn.db(), *end));
          if (!item) {
            return not_found(std::string(end == &from ? "from" : "to") + ": no knowledge item " +
                             *end);
          }
        }
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * old,
            txn.db().cached("SELECT strength FROM knowledge_relationships WHERE from_id = ?1 AND "
                            "to_id = ?2 AND type = ?3"));
        old->bind_all(from, to, type);
        CAIRN_ASSIGN_OR_RETURN(bool existed, old->step());
        double old_strength = existed ? old->real(0) : 0.0;
        old->reset();
        if (!existed || old_strength != strength) {
          CAIRN_ASSIGN_OR_RETURN(
              store::Stmt * up,
              txn.db().cached("INSERT INTO knowledge_relationships(from_id, to_id, type, strength, "
                              "created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5) "
                              "ON CONFLICT(from_id, to_id, type) DO UPDATE SET "
                              "strength = excluded.strength, updated_at = excluded.updated_at"));
          CAIRN_RETURN_IF_ERROR(up->bind_all(from, to, type, strength, txn.now_ms()).run());
          CAIRN_RETURN_IF_ERROR(record_link(txn, "link", from, to, type, strength));
        }
        return Json{{"from", from},
                    {"to", to},
                    {"type", type},
                    {"strength", strength},
                    {"created", !existed}};
      });

  r.add_write(
      "knowledge.unlink",
      {"Removes links between two items (all types when type is absent).",
       {"knowledge"},
       {memory::id_param("from", "the item linking").required(),
        memory::id_param("to", "the item linked to").required(),
        param::enumeration("type", kRelationTypes, "only this relation")}},
      [](store::WriteTxn& txn, const Json& params) -> Result<Json> {
        Params p(params);
        std::string from = existing_id(p, "from");
        std::string to = existing_id(p, "to");
        auto type = p.opt_enum("type", kRelationTypes);
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(
            store::Stmt * q,
            txn.db().cached("DELETE FROM knowledge_relationships WHERE from_id = ?1 AND to_id = ?2 "
                            "AND (?3 IS NULL OR type = ?3) RETURNING type, strength"));
        q->bind_all(from, to, type);
        std::vector<std::pair<std::string, double>> gone;
        for (;;) {
          CAIRN_ASSIGN_OR_RETURN(bool row, q->step());
          if (!row) break;
          gone.emplace_back(q->text(0), q->real(1));
        }
        q->reset();
        if (gone.empty()) {
          return not_found("no link from " + from + " to " + to +
                           (type ? " of type " + *type : ""));
        }
        for (const auto& [t, strength] : gone) {
          CAIRN_RETURN_IF_ERROR(record_link(txn, "unlink", from, to, t, strength));
        }
        return Json{{"deleted", gone.size()}};
      });

  r.add_read(
      "knowledge.related",
      {"Walks the knowledge graph breadth first from an item.",
       {},
       {memory::id_param("id", "the start item").required(),
        param::integer("depth", 1, kMaxDepth, "how far to walk (default 2)"),
        param::enumeration("direction", {"out", "in", "both"},
                           "which links to follow (default both)"),
        param::enumeration("type", kRelationTypes, "only this relation")}},
      [](store::Db& db, const Json& params) -> Result<Json> {
        Params p(params);
        std::string id = existing_id(p, "id");
        int64_t depth = p.opt_int("depth", 1, kMaxDepth).value_or(2);
        std::string direction = p.opt_enum("direction", {"out", "in", "both"}).value_or("both");
        auto type = p.opt_enum("type", kRelationTypes);
        CAIRN_RETURN_IF_ERROR(p.finish());
        CAIRN_ASSIGN_OR_RETURN(auto start, find_knowledge(db, id));
        if (!start) return not_found("no knowledge item " + id);
        CAIRN_ASSIGN_OR_RETURN(Walk walk, walk_graph(db, id, depth, direction, type));
        Json items = Json::array();
        for (const auto& step : walk.steps) {
          CAIRN_ASSIGN_OR_RETURN(auto row, find_knowledge(db, step.id));
          if (!row) continue;  // cannot happen in one read transaction; skip rather than fail
          items.push_back(Json{{"item", std::move(*row)},
                               {"distance", step.distance},
                               {"via", step.via},
                               {"type", step.type},
                               {"strength", step.strength},
                               {"direction", step.direction}});
        }
        return Json{{"id", id}, {"depth", depth}, {"items", items}, {"truncated", walk.truncated}};
      });
}

}  // namespace cairn
