// Hub: who is subscribed to which topics, and the fan-out of committed changes
// to them as [2, "event", [{topic, kind, id, cursor, ...}]] notifications.
// Loop thread only, but for encode() and has_subscribers().
#pragma once

#include <atomic>
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
  void drop(ipc::ConnId conn) {
    subs_.erase(conn);
    count_ = subs_.size();
  }
  std::vector<std::string> subscriptions(ipc::ConnId conn) const;
  size_t subscriber_count() const { return subs_.size(); }

  // Any thread: lets the writer skip encoding events nobody is listening for.
  bool has_subscribers() const { return count_ > 0; }
  // The "event" notification of each change, encoded. Any thread: the writer
  // encodes its changes before handing them to the loop thread.
  static std::vector<std::string> encode(const std::vector<store::Change>& changes);
  // `frames` is encode(changes), or empty to encode here.
  void publish(const std::vector<store::Change>& changes, std::vector<std::string> frames = {});

 private:
  ipc::Server& server_;
  std::set<std::string> topics_;
  std::unordered_map<ipc::ConnId, std::set<std::string>> subs_;
  std::atomic<size_t> count_{0};  // subs_.size()
};

}  // namespace cairn
