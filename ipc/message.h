// One msgpack-RPC message after decoding, in cairn's own types (no msgpack
// memory is referenced once a Message exists).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/json.h"

namespace cairn::ipc {

enum class MessageType { kRequest = 0, kResponse = 1, kNotification = 2 };

struct Message {
  MessageType type = MessageType::kRequest;
  uint32_t msgid = 0;  // requests and responses
  std::string method;  // requests and notifications
  Json params;         // requests and notifications: always an array
  Json error;          // responses: null on success
  Json result;         // responses
  // What the decoded message holds in memory, about (Decoder::next sets it).
  size_t decoded_bytes = 0;
};

}  // namespace cairn::ipc
