// Server: the MCP protocol loop of `cairn mcp`. Reads JSON-RPC 2.0 messages
// from stdin one line at a time, answers each request in order on stdout, and
// sends notifications/resources/updated from the change watch.
//
// Protocol versions 2025-11-25 and 2025-06-18 are negotiated at initialize
// (a client asking for another gets 2025-11-25 and decides). Before
// initialize only initialize and ping are answered; everything else is an
// error. Bad input never ends the loop: a line that is not JSON is -32700, a
// line over kMaxLineBytes is -32600 (and dropped), an unknown method -32601,
// bad params or an unknown tool -32602, an unknown resource -32002. End of
// stdin ends the loop with exit status 0.
//
// One thread (the caller of run()) reads and answers; tool calls run on it one
// at a time, so a waiting request_approval holds the requests behind it.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "base/json.h"
#include "base/status.h"
#include "clients/mcp/change_watch.h"
#include "clients/mcp/daemon_link.h"
#include "clients/mcp/stdio_channel.h"
#include "clients/mcp/tools.h"

namespace cairn::mcp {

// JSON-RPC and MCP error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;

inline constexpr const char* kLatestProtocol = "2025-11-25";

class Server {
 public:
  Server(LinkOptions link, StdioChannel& channel);

  // Serves until stdin ends; returns the exit status (0).
  int run();
  // Handles one line (a test seam as much as run()'s body).
  void handle_line(const std::string& line);

 private:
  struct RpcError {
    int code;
    std::string message;
  };
  // A request's result, or the error to answer it with.
  using Outcome = std::variant<Json, RpcError>;

  void handle_message(const Json& msg);
  Outcome dispatch(const std::string& method, const Json& params);
  Outcome initialize(const Json& params);
  Outcome read(const Json& params);
  Outcome subscribe(const Json& params, bool on);
  void reply_error(const Json& id, int code, const std::string& message);

  StdioChannel& channel_;
  DaemonLink link_;
  ToolBox tools_;
  std::unique_ptr<ChangeWatch> watch_;
  bool initialized_ = false;
};

}  // namespace cairn::mcp
