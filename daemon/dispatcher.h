// Dispatcher: turns each request from the Server into a run of its method where
// the Registry says it runs, and the result back into a reply: encoded on the
// thread that ran the method, written on the loop thread. Logs every request at
// debug with its duration, slow ones at warn. Loop thread only.
#pragma once

#include "daemon/registry.h"
#include "daemon/services.h"
#include "ipc/server.h"

namespace cairn {

class Dispatcher : public ipc::ServerHandler {
 public:
  Dispatcher(const Registry& registry, Services& services)
      : registry_(registry), services_(services) {}

  void on_request(ipc::ConnId conn, ipc::Message&& request) override;
  void on_notification(ipc::ConnId conn, ipc::Message&& notification) override;
  void on_disconnect(ipc::ConnId conn) override;

 private:
  void finish(ipc::ConnId conn, uint32_t msgid, const std::string& method, int64_t start_ns,
              const Result<Json>& result);
  // Logs and counts the request, then writes its encoded reply.
  void finish_encoded(ipc::ConnId conn, const std::string& method, int64_t start_ns,
                      const Status& status, std::string encoded);

  const Registry& registry_;
  Services& services_;
};

}  // namespace cairn
