// The walk behind knowledge.related: breadth first from one item over the
// typed, weighted links, level by level, with one visited set for the whole
// walk. Each item is reached once, at its nearest distance, so a cycle ends
// there and a dense graph costs O(items + links) rather than one row per
// simple path. Runs on the caller's connection (a reader's); no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/db.h"

namespace cairn::memory {

struct WalkStep {
  std::string id;
  int64_t distance = 0;
  std::string via;        // the item it was reached from
  std::string type;       // the link's type
  double strength = 0;    // the link's strength
  std::string direction;  // "out": via -> id; "in": id -> via
};

struct Walk {
  std::vector<WalkStep> steps;  // by distance; within a level, stronger links first
  bool truncated = false;       // stopped at kMaxWalkItems
};

inline constexpr size_t kMaxWalkItems = 10000;

// `direction` is "out", "in" or "both"; `type` limits the links followed.
Result<Walk> walk_graph(store::Db& db, const std::string& start, int64_t depth,
                        const std::string& direction, const std::optional<std::string>& type);

}  // namespace cairn::memory
