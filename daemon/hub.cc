#include "daemon/hub.h"

#include "ipc/codec.h"

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
  count_ = subs_.size();
  return Status::ok();
}

void Hub::unsubscribe(ipc::ConnId conn, const std::vector<std::string>& topics) {
  auto it = subs_.find(conn);
  if (it == subs_.end()) return;
  if (topics.empty()) {
    subs_.erase(it);
    count_ = subs_.size();
    return;
  }
  for (const auto& t : topics) it->second.erase(t);
  if (it->second.empty()) subs_.erase(it);
  count_ = subs_.size();
}

std::vector<std::string> Hub::subscriptions(ipc::ConnId conn) const {
  auto it = subs_.find(conn);
  if (it == subs_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> Hub::encode(const std::vector<store::Change>& changes) {
  std::vector<std::string> frames;
  frames.reserve(changes.size());
  for (const auto& c : changes) {
    frames.push_back(ipc::encode_notification("event", Json::array({c.to_event()})));
  }
  return frames;
}

void Hub::publish(const std::vector<store::Change>& changes, std::vector<std::string> frames) {
  if (subs_.empty()) return;
  if (frames.size() != changes.size()) frames = encode(changes);
  // One write per subscriber for the whole group: each write wakes the reader
  // and costs the loop thread a syscall. Collected first: send() may disconnect
  // a slow subscriber, which erases it from subs_.
  std::vector<std::pair<ipc::ConnId, std::string>> out;
  for (const auto& [conn, topics] : subs_) {
    std::string bytes;
    bool all = topics.count("*") > 0;
    for (size_t i = 0; i < changes.size(); ++i) {
      if (all || topics.count(changes[i].topic)) bytes += frames[i];
    }
    if (!bytes.empty()) out.emplace_back(conn, std::move(bytes));
  }
  for (auto& [conn, bytes] : out) server_.send(conn, std::move(bytes));
}

}  // namespace cairn
