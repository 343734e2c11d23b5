// Hub: who is subscribed to which topics, and the fan-out of committed changes
// to them as [2, "event", [{topic, kind, id, cursor, ...}]] notifications.
// Loop thread only.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "ipc/server.h"
#include "store/change.h"

namespace cairn {

class Hub {
 public:
  explicit Hub(ipc::Server& server) : server_(server) {}

  // Domains declare their topics at startup; subscribing to another is an error.
  void add_topic(std::string topic) { topics_.insert(std::move(topic)); }
  const std::set<std::string>& topics() const { return topics_; }

  // "*" subscribes to every topic.
  Status subscribe(ipc::ConnId conn, const std::vector<std::string>& topics);
  void unsubscribe(ipc::ConnId conn, const std::vector<std::string>& topics);
  void drop(ipc::ConnId conn) { subs_.erase(conn); }
  std::vector<std::string> subscriptions(ipc::ConnId conn) const;
  size_t subscriber_count() const { return subs_.size(); }

  void publish(const std::vector<store::Change>& changes);

 private:
  ipc::Server& server_;
  std::set<std::string> topics_;
  std::unordered_map<ipc::ConnId, std::set<std::string>> subs_;
};

}  // namespace cairn
