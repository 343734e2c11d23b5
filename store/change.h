// Change: one committed mutation as subscribers see it. The changelog row is the
// durable form; this is what the writer hands to the loop thread after commit.
#pragma once

#include <cstdint>
#include <string>

#include "base/json.h"

namespace cairn::store {

struct Change {
  int64_t cursor = 0;
  int64_t at_ms = 0;
  std::string topic;
  std::string kind;
  std::string entity_id;
  Json extra = Json::object();  // domain fields merged into the event

  // {topic, kind, id, cursor, at, ...extra}: the params of an "event" notification.
  Json to_event() const;
};

}  // namespace cairn::store
