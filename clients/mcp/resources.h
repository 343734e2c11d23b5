// The MCP resources of `cairn mcp`: fixed resources (the ready list) and
// templates (a task, a session's messages, a message, a knowledge item, a
// tracked file's lines), read through the daemon; and which resource URIs a
// change-feed event touches, for resources/subscribe.
//
// URIs:
//   cairn://tasks/ready                        the ready list (tasks.ready)
//   cairn://task/{id}                          a task (tasks.get)
//   cairn://session/{id}/messages{?page}       a session's messages, 200 a page (messages.page)
//   cairn://message/{id}                       one message (messages.get)
//   cairn://knowledge/{id}                     a knowledge item with its links (knowledge.get)
//   cairn://file{+path}{?start,end}            lines start..end of a tracked text file
//
// read() runs on the protocol thread (it uses the DaemonLink); the other
// functions are pure.
#pragma once

#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "clients/mcp/daemon_link.h"

namespace cairn::mcp {

// The most lines one read of a file returns, and the bytes.
inline constexpr int kMaxFileLines = 2000;
inline constexpr size_t kMaxFileBytes = 1u << 20;

Json resource_list();           // resources/list's result
Json resource_template_list();  // resources/templates/list's result

// resources/read's result. NOT_FOUND for a URI that names nothing (or no
// such resource form), INVALID_PARAMS for a malformed one.
Result<Json> read_resource(DaemonLink& link, const std::string& uri);

// True when `uri` has one of the forms above (resources/subscribe accepts it).
bool is_resource_uri(const std::string& uri);
// `uri` without its query: what subscriptions are matched on.
std::string resource_key(const std::string& uri);
// The resource keys an event ({topic, kind, id, ...}) changes.
std::vector<std::string> keys_for_event(const Json& event);

}  // namespace cairn::mcp
