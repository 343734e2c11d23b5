// ChangeWatch: resources/subscribe on top of cairn's change feed. A thread of
// its own holds a second connection to cairnd, subscribed (events.subscribe)
// to the topics resources come from; each event is mapped to the resource
// keys it changes (resources.h) and every subscribed URI with such a key is
// reported through `on_update` (which sends notifications/resources/updated).
// After the connection breaks it connects again (every 500 ms) and reports
// every subscribed URI once, since changes may have been missed meanwhile.
//
// subscribe()/unsubscribe() from the protocol thread; `on_update` runs on the
// watch thread and must be thread-safe (StdioChannel::write is). The thread
// starts with the first subscription and is joined by the destructor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/json.h"

namespace cairn::mcp {

class ChangeWatch {
 public:
  ChangeWatch(std::string socket, std::function<void(const std::string& uri)> on_update)
      : socket_(std::move(socket)), on_update_(std::move(on_update)) {}
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // Adds `uri`; the first call waits (up to 3 s) until the feed is subscribed,
  // so a change made after the reply is seen.
  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);

 private:
  void run();
  void deliver(const Json& event);
  void report_all();

  const std::string socket_;
  const std::function<void(const std::string&)> on_update_;
  std::mutex mu_;
  std::set<std::string> uris_;  // guarded by mu_
  std::condition_variable feed_cv_;
  bool feed_up_ = false;  // guarded by mu_: events.subscribe has answered once
  std::atomic<bool> stop_{false};
  std::thread thread_;  // started by the first subscribe()
};

}  // namespace cairn::mcp
