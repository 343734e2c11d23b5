// Knowledge rows: an item's fields read from request params, the row <-> Json
// mapping, and lookups of items and links. Used by knowledge.*; functions take
// the connection of the calling thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "daemon/method_spec.h"
#include "daemon/params.h"
#include "store/db.h"

namespace cairn::memory {

inline const std::vector<std::string> kRelationTypes = {"relates_to", "contradicts", "extends",
                                                        "implements"};

// An item as a request describes it; absent fields are nullopt (update keeps them).
struct KnowledgeInput {
  std::string id;
  bool id_given = false;
  std::optional<std::string> source_type;
  std::optional<std::string> source_id;
  std::optional<std::string> knowledge_type;
  std::optional<std::string> title;
  std::optional<std::string> content;
  std::optional<double> confidence;
  std::optional<std::string> tags;      // canonical JSON text: array of strings
  std::optional<std::string> metadata;  // canonical JSON text: object
};

// Reads the item fields (not finish()). `id_required` for update: no uuid.
KnowledgeInput read_knowledge_input(Params& p, bool id_required);
// The declaration of those fields for a MethodSpec (knowledge.create, update).
std::vector<ParamSpec> knowledge_input_params(bool id_required);

inline constexpr const char* kKnowledgeColumns =
    "id, source_type, source_id, knowledge_type, title, content, confidence, tags, metadata, "
    "created_at, updated_at";
// The row (columns in kKnowledgeColumns order, from column `first`) as the wire shows it.
Json knowledge_row(const store::Stmt& s, int first = 0);
Result<std::optional<Json>> find_knowledge(store::Db& db, const std::string& id);
// Whether a stored item matches a repeated create (timestamps aside).
bool same_knowledge(const Json& existing, const KnowledgeInput& k);

// Every link that touches `id`, as {from, to, type, strength, created_at}.
Result<Json> links_of(store::Db& db, const std::string& id);

}  // namespace cairn::memory
