#include "daemon/rpc/knowledge_graph.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include "store/stmt.h"

namespace cairn::memory {

namespace {

struct Edge {
  std::string other;
  std::string type;
  double strength;
  const char* direction;
};

// Appends the links of `id` in one direction; both queries use an index
// (the UNIQUE (from_id, to_id, type) one, and knowledge_relationships_by_to).
Status neighbours(store::Db& db, const std::string& id, bool outgoing,
                  const std::optional<std::string>& type, std::vector<Edge>& out) {
  const char* sql = outgoing ? "SELECT to_id, type, strength FROM knowledge_relationships "
                               "WHERE from_id = ?1 AND (?2 IS NULL OR type = ?2)"
                             : "SELECT from_id, type, strength FROM knowledge_relationships "
                               "WHERE to_id = ?1 AND (?2 IS NULL OR type = ?2)";
  CAIRN_ASSIGN_OR_RETURN(store::Stmt * s, db.cached(sql));
  s->bind_all(id, type);
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    out.push_back(Edge{s->text(0), s->text(1), s->real(2), outgoing ? "out" : "in"});
  }
  s->reset();
  return Status::ok();
}

}  // namespace

Result<Walk> walk_graph(store::Db& db, const std::string& start, int64_t depth,
                        const std::string& direction, const std::optional<std::string>& type) {
  bool out = direction != "in", in = direction != "out";
  Walk walk;
  std::unordered_set<std::string> seen{start};
  std::vector<std::string> frontier{start};
  for (int64_t distance = 1; distance <= depth && !frontier.empty(); ++distance) {
    std::vector<WalkStep> level;
    for (const auto& from : frontier) {
      std::vector<Edge> edges;
      if (out) CAIRN_RETURN_IF_ERROR(neighbours(db, from, true, type, edges));
      if (in) CAIRN_RETURN_IF_ERROR(neighbours(db, from, false, type, edges));
      for (auto& e : edges) {
        if (seen.count(e.other)) continue;
        level.push_back(WalkStep{e.other, distance, from, e.type, e.strength, e.direction});
      }
    }
    // Several links may reach one new item: keep the strongest (then the
    // smallest via, type and direction, so the answer does not depend on row order).
    std::sort(level.begin(), level.end(), [](const WalkStep& a, const WalkStep& b) {
      if (a.id != b.id) return a.id < b.id;
      if (a.strength != b.strength) return a.strength > b.strength;
      return std::tie(a.via, a.type, a.direction) < std::tie(b.via, b.type, b.direction);
    });
    frontier.clear();
    size_t first = walk.steps.size();
    for (auto& step : level) {
      if (!seen.insert(step.id).second) continue;
      if (walk.steps.size() >= kMaxWalkItems) {
        walk.truncated = true;
        break;
      }
      frontier.push_back(step.id);
      walk.steps.push_back(std::move(step));
    }
    std::stable_sort(walk.steps.begin() + first, walk.steps.end(),
                     [](const WalkStep& a, const WalkStep& b) { return a.strength > b.strength; });
    if (walk.truncated) break;
  }
  return walk;
}

}  // namespace cairn::memory
