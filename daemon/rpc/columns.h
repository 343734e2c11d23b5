// Column helpers shared by the workflow method families (approvals,
// notifications, runs, reviews): a row's columns as the JSON clients see them,
// and the id/idempotency rules every create follows. Pure functions; any thread.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/json.h"
#include "base/json_text.h"
#include "base/random_id.h"
#include "base/status.h"
#include "store/stmt.h"

namespace cairn::columns {

// A JSON column (NULL stays null).
inline Json json(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  auto v = parse_json_text(s.text(col));
  return v ? *v : Json();
}

// A Unix-ms column as ISO 8601 UTC (NULL stays null).
inline Json time(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  return format_iso8601(s.int64(col));
}

// A text column (NULL stays null).
inline Json text(const store::Stmt& s, int col) {
  if (s.is_null(col)) return nullptr;
  return s.text(col);
}

// Client-supplied ids make creates idempotent; a new one is a UUID.
inline Result<std::string> id_or_new(const std::optional<std::string>& id) {
  if (!id) return new_uuid();
  if (id->empty()) return invalid_params("id must not be empty");
  return *id;
}

// A repeated create with the same id: the same content returns the existing
// row, different content is CONFLICT. `fields` are the keys the create sets.
inline Status same_content(const Json& existing, const Json& wanted,
                           std::initializer_list<const char*> fields, const std::string& what) {
  for (const char* f : fields) {
    const Json& a = existing.contains(f) ? existing[f] : Json();
    const Json& b = wanted.contains(f) ? wanted[f] : Json();
    if (a != b) {
      return conflict(what + " already exists with a different " + f);
    }
  }
  return Status::ok();
}

// Optional JSON text for a JSON-valued parameter (null stays NULL).
inline Result<std::optional<std::string>> json_text(const std::optional<Json>& v,
                                                    const char* field) {
  if (!v || v->is_null()) return std::optional<std::string>();
  CAIRN_ASSIGN_OR_RETURN(std::string t, to_json_text(*v, field));
  return std::optional<std::string>(std::move(t));
}

}  // namespace cairn::columns
