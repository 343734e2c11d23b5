#include "daemon/hub.h"

namespace cairn {

Status Hub::subscribe(ipc::ConnId conn, const std::vector<std::string>& topics) {
  for (const auto& t : topics) {
    if (t != "*" && !topics_.count(t)) {
      std::string known;
      for (const auto& k : topics_) known += (known.empty() ? "" : ", ") + k;
      return invalid_params("topics: unknown topic " + t + " (known: " + known + ", *)");
    }
  }
  auto& set = subs_[conn];
  set.insert(topics.begin(), topics.end());
  return Status::ok();
}

void Hub::unsubscribe(ipc::ConnId conn, const std::vector<std::string>& topics) {
  auto it = subs_.find(conn);
  if (it == subs_.end()) return;
  if (topics.empty()) {
    subs_.erase(it);
    return;
  }
  for (const auto& t : topics) it->second.erase(t);
  if (it->second.empty()) subs_.erase(it);
}

std::vector<std::string> Hub::subscriptions(ipc::ConnId conn) const {
  auto it = subs_.find(conn);
  if (it == subs_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void Hub::publish(const std::vector<store::Change>& changes) {
  if (subs_.empty()) return;
  // Collect first: notify() may disconnect a slow subscriber, which erases it.
  std::vector<std::pair<ipc::ConnId, const store::Change*>> out;
  for (const auto& c : changes) {
    for (const auto& [conn, topics] : subs_) {
      if (topics.count("*") || topics.count(c.topic)) out.emplace_back(conn, &c);
    }
  }
  for (const auto& [conn, change] : out) {
    server_.notify(conn, "event", Json::array({change->to_event()}));
  }
}

}  // namespace cairn
