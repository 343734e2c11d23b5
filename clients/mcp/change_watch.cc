#include "clients/mcp/change_watch.h"

#include <poll.h>

#include <chrono>
#include <vector>

#include "clients/mcp/resources.h"
#include "ipc/client.h"

namespace cairn::mcp {

ChangeWatch::~ChangeWatch() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeWatch::subscribe(const std::string& uri) {
  std::unique_lock<std::mutex> lock(mu_);
  uris_.insert(uri);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  feed_cv_.wait_for(lock, std::chrono::seconds(3), [this] { return feed_up_; });
}

void ChangeWatch::unsubscribe(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mu_);
  uris_.erase(uri);
}

void ChangeWatch::deliver(const Json& event) {
  std::vector<std::string> hits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& key : keys_for_event(event)) {
      for (const auto& uri : uris_) {
        if (resource_key(uri) == key) hits.push_back(uri);
      }
    }
  }
  for (const auto& uri : hits) on_update_(uri);
}

void ChangeWatch::report_all() {
  std::vector<std::string> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.assign(uris_.begin(), uris_.end());
  }
  for (const auto& uri : all) on_update_(uri);
}

void ChangeWatch::run() {
  bool connected_before = false;
  while (!stop_) {
    auto c = ipc::Client::connect(socket_, 1000);
    if (!c || !c->call("events.subscribe",
                       Json{{"topics", {"tasks", "knowledge", "messages", "files"}}}, 5000)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      feed_up_ = true;
    }
    feed_cv_.notify_all();
    if (connected_before) report_all();  // what changed while away is unknown
    connected_before = true;
    bool broken = false;
    while (!stop_ && !broken) {
      // Events the client already read while waiting for a reply come first.
      while (auto n = c->next_notification(1)) {
        if (n->method == "event" && n->params.is_array() && !n->params.empty()) {
          deliver(n->params[0]);
        }
      }
      pollfd pfd{c->fd(), POLLIN, 0};
      int ready = ::poll(&pfd, 1, 250);
      if (ready <= 0) continue;
      auto n = c->next_notification(5000);
      if (!n) {
        broken = true;  // readable but no whole message: closed
      } else if (n->method == "event" && n->params.is_array() && !n->params.empty()) {
        deliver(n->params[0]);
      }
    }
  }
}

}  // namespace cairn::mcp
