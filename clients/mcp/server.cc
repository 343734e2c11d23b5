#include "clients/mcp/server.h"

#include <variant>

#include "clients/mcp/resources.h"

namespace cairn::mcp {
namespace {

constexpr const char* kInstructions =
    "cairn is the user's workspace memory, shared with their editor and other agents: "
    "tracked files, conversations, knowledge, tasks, time, approvals and agent runs. Call "
    "get_context when starting, recall before asking the user something cairn may know, "
    "remember what later sessions should know, and request_approval before a risky action.";

// An outcome's error for a Status from the daemon or a check.
int rpc_code(Code code) {
  switch (code) {
    case Code::kInvalidParams:
    case Code::kMethodNotFound:
      return kInvalidParams;
    case Code::kNotFound:
      return kResourceNotFound;
    default:
      return kInternalError;
  }
}

}  // namespace

Server::Server(LinkOptions link, StdioChannel& channel)
    : channel_(channel), link_(std::move(link)), tools_(link_) {}

int Server::run() {
  std::string line;
  for (;;) {
    switch (channel_.read_line(line)) {
      case StdioChannel::Read::kEof:
        return 0;
      case StdioChannel::Read::kTooLong:
        reply_error(
            nullptr, kInvalidRequest,
            "message longer than " + std::to_string(kMaxLineBytes) + " bytes (4 MiB), dropped");
        break;
      case StdioChannel::Read::kLine:
        handle_line(line);
        break;
    }
  }
}

void Server::handle_line(const std::string& line) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return;  // blank line
  Json msg = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded()) {
    reply_error(nullptr, kParseError, "Parse error: the line is not JSON");
    return;
  }
  try {
    handle_message(msg);
  } catch (const std::exception& e) {
    Json id = msg.is_object() && msg.contains("id") ? msg["id"] : Json();
    reply_error(id, kInternalError, std::string("internal error: ") + e.what());
  }
}

void Server::reply_error(const Json& id, int code, const std::string& message) {
  channel_.write(
      Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", Json{{"code", code}, {"message", message}}}});
}

void Server::handle_message(const Json& msg) {
  if (!msg.is_object()) {
    reply_error(nullptr, kInvalidRequest,
                msg.is_array() ? "Invalid Request: batches are not part of MCP"
                               : "Invalid Request: a message is a JSON object");
    return;
  }
  Json id = msg.contains("id") ? msg["id"] : Json();
  bool has_id = msg.contains("id");
  if (has_id && !id.is_string() && !id.is_number_integer()) {
    reply_error(nullptr, kInvalidRequest, "Invalid Request: id must be a string or an integer");
    return;
  }
  if (msg.value("jsonrpc", Json()) != "2.0") {
    reply_error(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\"");
    return;
  }
  if (!msg.contains("method")) {
    if (msg.contains("result") || msg.contains("error")) return;  // a response: none expected
    reply_error(id, kInvalidRequest, "Invalid Request: no method");
    return;
  }
  if (!msg["method"].is_string()) {
    reply_error(id, kInvalidRequest, "Invalid Request: method must be a string");
    return;
  }
  std::string method = msg["method"];
  Json params = msg.contains("params") ? msg["params"] : Json::object();
  if (!has_id) {  // a notification: never answered
    if (method == "notifications/initialized") initialized_ = true;
    return;
  }
  if (!params.is_object()) {
    reply_error(id, kInvalidParams, "params must be an object");
    return;
  }
  if (!initialized_ && method != "initialize" && method != "ping") {
    reply_error(id, kInvalidRequest, "server not initialized: send initialize first");
    return;
  }
  Outcome out = dispatch(method, params);
  if (auto* err = std::get_if<RpcError>(&out)) {
    reply_error(id, err->code, err->message);
  } else {
    channel_.write(Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::get<Json>(out)}});
  }
}

Server::Outcome Server::dispatch(const std::string& method, const Json& params) {
  if (method == "initialize") return initialize(params);
  if (method == "ping") return Json::object();
  if (method == "tools/list") return tools_.list();
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return RpcError{kInvalidParams, "tools/call needs a tool name"};
    }
    Json args = params.value("arguments", Json::object());
    auto r = tools_.call(params["name"], args);
    if (!r) return RpcError{kInvalidParams, r.status().message()};
    return std::move(*r);
  }
  if (method == "resources/list") return resource_list();
  if (method == "resources/templates/list") return resource_template_list();
  if (method == "resources/read") return read(params);
  if (method == "resources/subscribe") return subscribe(params, true);
  if (method == "resources/unsubscribe") return subscribe(params, false);
  return RpcError{kMethodNotFound, "Method not found: " + method};
}

Server::Outcome Server::initialize(const Json& params) {
  std::string asked = params.value("protocolVersion", Json()).is_string()
                          ? params["protocolVersion"].get<std::string>()
                          : "";
  std::string version = asked == "2025-06-18" ? asked : kLatestProtocol;
  // Sent before notifications/initialized by spec; requests that follow the
  // initialize response are served even if that notification is lost.
  initialized_ = true;
  return Json{
      {"protocolVersion", version},
      {"capabilities", Json{{"tools", Json{{"listChanged", false}}},
                            {"resources", Json{{"subscribe", true}, {"listChanged", false}}}}},
      {"serverInfo",
       Json{{"name", "cairn"}, {"title", "cairn workspace memory"}, {"version", CAIRN_VERSION}}},
      {"instructions", kInstructions}};
}

Server::Outcome Server::read(const Json& params) {
  if (!params.contains("uri") || !params["uri"].is_string()) {
    return RpcError{kInvalidParams, "resources/read needs a uri"};
  }
  auto r = read_resource(link_, params["uri"]);
  if (!r) {
    return RpcError{rpc_code(r.status().code()), r.status().code() == Code::kNotFound
                                                     ? "Resource not found: " + r.status().message()
                                                     : r.status().to_string()};
  }
  return std::move(*r);
}

Server::Outcome Server::subscribe(const Json& params, bool on) {
  if (!params.contains("uri") || !params["uri"].is_string()) {
    return RpcError{kInvalidParams, "resources/subscribe needs a uri"};
  }
  std::string uri = params["uri"];
  if (!is_resource_uri(uri)) return RpcError{kResourceNotFound, "Resource not found: " + uri};
  if (!watch_) {
    watch_ = std::make_unique<ChangeWatch>(link_.options().socket, [this](const std::string& u) {
      channel_.write(Json{{"jsonrpc", "2.0"},
                          {"method", "notifications/resources/updated"},
                          {"params", Json{{"uri", u}}}});
    });
  }
  if (on) {
    watch_->subscribe(uri);
  } else {
    watch_->unsubscribe(uri);
  }
  return Json::object();
}

}  // namespace cairn::mcp
