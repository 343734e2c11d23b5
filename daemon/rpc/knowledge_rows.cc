#include "daemon/rpc/knowledge_rows.h"

#include "daemon/rpc/memory_fields.h"

namespace cairn::memory {

KnowledgeInput read_knowledge_input(Params& p, bool id_required) {
  KnowledgeInput k;
  k.id_given = id_required || p.has("id");
  k.id = id_required ? existing_id(p, "id") : new_or_given_id(p, "id");
  k.source_type = opt_text(p, "source_type", 64);
  k.source_id = opt_text(p, "source_id", 1024);
  k.knowledge_type = opt_text(p, "knowledge_type", 64);
  k.title = opt_text(p, "title", 4096);
  k.content = opt_text(p, "content", 4u << 20);
  k.confidence = p.opt_number("confidence", 0.0, 1.0);
  k.tags = opt_json(p, "tags", JsonShape::kStringArray, 64 * 1024);
  k.metadata = opt_json(p, "metadata", JsonShape::kObject, 1u << 20);
  if (p.ok()) {
    if (k.source_type && k.source_type->empty()) p.fail(invalid_params("source_type must not be empty"));
    if (k.knowledge_type && k.knowledge_type->empty()) {
      p.fail(invalid_params("knowledge_type must not be empty"));
    }
    if (k.title && k.title->empty()) p.fail(invalid_params("title must not be empty"));
  }
  return k;
}

std::vector<ParamSpec> knowledge_input_params(bool id_required) {
  ParamSpec id = id_param(
      "id", id_required ? "the item" : "client-chosen id (a retry returns the existing item)");
  ParamSpec source_type = text_param("source_type", 64, "where it comes from (a kind)");
  ParamSpec knowledge_type = text_param("knowledge_type", 64, "what kind of knowledge");
  ParamSpec title = text_param("title", 4096, "the title");
  if (id_required) {
    id.required();
  } else {
    source_type.required();
    knowledge_type.required();
    title.required();
  }
  return {id,
          source_type,
          text_param("source_id", 1024, "the source's id"),
          knowledge_type,
          title,
          text_param("content", 4u << 20, "the content, up to 4 MiB"),
          param::number("confidence", 0.0, 1.0, "0 to 1 (default 1)"),
          json_param("tags", JsonShape::kStringArray, 64 * 1024, "tags"),
          json_param("metadata", JsonShape::kObject, 1u << 20, "metadata object")};
}

Json knowledge_row(const store::Stmt& s, int first) {
  int c = first;
  return Json{{"id", s.text(c)},
              {"source_type", s.text(c + 1)},
              {"source_id", s.value(c + 2)},
              {"knowledge_type", s.text(c + 3)},
              {"title", s.text(c + 4)},
              {"content", s.text(c + 5)},
              {"confidence", s.real(c + 6)},
              {"tags", json_column(s, c + 7)},
              {"metadata", json_column(s, c + 8)},
              {"created_at", time_column(s, c + 9)},
              {"updated_at", time_column(s, c + 10)}};
}

Result<std::optional<Json>> find_knowledge(store::Db& db, const std::string& id) {
  static const std::string& sql = *new std::string(std::string("SELECT ") + kKnowledgeColumns +
                                                   " FROM knowledge_items WHERE id = ?1");
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql.c_str()));
  s->bind_all(id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Json>();
  Json out = knowledge_row(*s);
  s->reset();
  return std::optional<Json>(std::move(out));
}

bool same_knowledge(const Json& existing, const KnowledgeInput& k) {
  auto same_text = [&](const char* key, const std::optional<std::string>& v, Json absent) {
    return existing[key] == (v ? Json(*v) : absent);
  };
  return same_text("source_type", k.source_type, Json()) &&
         same_text("source_id", k.source_id, Json()) &&
         same_text("knowledge_type", k.knowledge_type, Json()) &&
         same_text("title", k.title, Json()) && same_text("content", k.content, Json("")) &&
         existing["confidence"] == Json(k.confidence.value_or(1.0)) &&
         existing["tags"] == Json::parse(k.tags.value_or("[]")) &&
         existing["metadata"] == Json::parse(k.metadata.value_or("{}"));
}

Result<Json> links_of(store::Db& db, const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Stmt * s,
      db.cached("SELECT from_id, to_id, type, strength, created_at FROM knowledge_relationships "
                "WHERE from_id = ?1 UNION ALL SELECT from_id, to_id, type, strength, created_at "
                "FROM knowledge_relationships WHERE to_id = ?1 ORDER BY 1, 2, 3"));
  s->bind_all(id);
  Json out = Json::array();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    out.push_back(Json{{"from", s->text(0)},
                       {"to", s->text(1)},
                       {"type", s->text(2)},
                       {"strength", s->real(3)},
                       {"created_at", time_column(*s, 4)}});
  }
  return out;
}

}  // namespace cairn::memory
