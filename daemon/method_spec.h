// MethodSpec: an RPC method described as data: a one-line description, the
// event topics it emits and its parameters (ParamSpec). The one declaration,
// written next to the handler in daemon/rpc/<domain>.cc, both validates every
// call before the handler runs (validate(), on Params' checks: types, limits,
// UTF-8, times, unknown keys) and is what daemon.describe returns as JSON
// Schema (params_schema()). Handlers read already-checked values with Args.
//
//   r.add_write("lists.create",
//               {"Creates a task list.", {"tasks"},
//                {param::integer("id", 1, kMaxId, "client-chosen id"),
//                 param::str("name", 200, "the list's name").required()}},
//               create_list);
//
// Values; built at startup, read-only afterwards (any thread).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "daemon/params.h"

namespace cairn {

enum class ParamType { kString, kInteger, kNumber, kBoolean, kEnum, kTime, kStringList, kAny };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kAny;
  std::string description;
  bool is_required = false;
  bool is_nullable = false;  // null means "clear it" (null is always accepted as absent)
  bool bytes_ok = false;     // kString: any bytes but NUL, as str or bin (paths), not only UTF-8
  bool is_past = false;      // kTime: a moment that has happened (at most the clock skew ahead)
  int64_t min = 0, max = 0;  // kInteger
  double min_number = 0, max_number = 0;        // kNumber
  size_t max_bytes = Params::kDefaultMaxBytes;  // kString; each item of kStringList
  size_t max_items = 0;                         // kStringList
  std::vector<std::string> values;              // kEnum
  // kAny: the JSON Schema of the value (its "type" is checked here); other types:
  // extra keywords merged into the generated schema (pattern, minLength).
  Json schema = Json::object();
  // A further check of a given value (an id's alphabet, a JSON field's shape);
  // its INVALID_PARAMS message names the key.
  std::function<Status(const Json& value)> check;

  ParamSpec& required() {
    is_required = true;
    return *this;
  }
  ParamSpec& nullable() {
    is_nullable = true;
    return *this;
  }
  ParamSpec& past() {
    is_past = true;
    return *this;
  }
  ParamSpec& bytes() {
    bytes_ok = true;
    return *this;
  }
  ParamSpec& with_schema(Json extra) {
    for (auto& [k, v] : extra.items()) schema[k] = v;
    return *this;
  }
  ParamSpec& checked(std::function<Status(const Json&)> fn) {
    check = std::move(fn);
    return *this;
  }
  // The check made of a Params-based reader (memory::existing_id, a list
  // reference): `read(p, key)` runs on a Params holding only this key, so the
  // reader's own checks and messages are the declaration's.
  ParamSpec& checked_by_reader(std::function<void(Params&, const char* key)> read);
  // JSON Schema draft 2020-12 of this parameter.
  Json json_schema() const;
};

struct MethodSpec {
  std::string description;          // one line
  std::vector<std::string> topics;  // event topics its changes go out on
  std::vector<ParamSpec> params;
  // Keywords added to the params schema for rules across keys, e.g.
  // {"oneOf": [{"required": ["document"]}, {"required": ["path"]}]}; the
  // handler checks them.
  Json constraints = Json::object();

  // INVALID_PARAMS naming the key, for the first problem in declaration order,
  // then for the first key not declared; else ok. `params` is the call's
  // `[]` or `[{...}]`.
  Status validate(const Json& params) const;
  // The JSON Schema (draft 2020-12) of the one map argument.
  Json params_schema() const;
};

// Builders for ParamSpec, one per type.
namespace param {
ParamSpec str(std::string name, size_t max_bytes, std::string description);
ParamSpec integer(std::string name, int64_t min, int64_t max, std::string description);
ParamSpec number(std::string name, double min, double max, std::string description);
ParamSpec boolean(std::string name, std::string description);
ParamSpec enumeration(std::string name, std::vector<std::string> values, std::string description);
// A moment: ISO 8601 text or Unix milliseconds.
ParamSpec time(std::string name, std::string description);
ParamSpec str_list(std::string name, size_t max_items, size_t max_bytes, std::string description);
// Any value whose JSON Schema is `schema`; only its "type" is checked here,
// the rest by `.checked()` or the handler.
ParamSpec any(std::string name, Json schema, std::string description);
}  // namespace param

// Reads a call's arguments after MethodSpec::validate() accepted them: no
// limits to repeat, no errors to collect. A key that is absent or null reads
// as absent. Any thread; one per call.
class Args {
 public:
  explicit Args(const Json& params);

  bool has(const char* key) const;
  // True when the caller sent `key: null` (clear the field).
  bool null_given(const char* key) const;
  std::string str(const char* key) const;  // "" when absent
  std::optional<std::string> opt_str(const char* key) const;
  std::optional<int64_t> opt_int(const char* key) const;
  int64_t integer(const char* key) const;  // 0 when absent
  std::optional<double> opt_number(const char* key) const;
  std::optional<bool> opt_bool(const char* key) const;
  std::optional<int64_t> opt_time(const char* key) const;  // Unix ms
  int64_t time(const char* key) const;
  std::optional<std::vector<std::string>> opt_str_list(const char* key) const;
  std::optional<Json> opt_any(const char* key) const;
  const Json& any(const char* key) const;  // null when absent

 private:
  const Json* find(const char* key) const;
  const Json* args_;
};

}  // namespace cairn
