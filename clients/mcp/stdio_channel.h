// StdioChannel: the MCP stdio transport. Reads one JSON-RPC message per line
// from stdin (at most kMaxLineBytes; a longer line is read to its end, dropped
// and reported as too long) and writes one message per line to stdout.
//
// Reading happens on the protocol thread only. write() may be called from any
// thread (the change watcher sends notifications): a mutex keeps lines whole.
// Nothing but protocol messages is ever written to stdout.
#pragma once

#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/json.h"

namespace cairn::mcp {

// The longest message accepted on stdin: 4 MiB, the daemon's own string limit.
inline constexpr size_t kMaxLineBytes = 4u << 20;

class StdioChannel {
 public:
  enum class Read { kLine, kTooLong, kEof };

  StdioChannel(FILE* in, FILE* out) : in_(in), out_(out) {}

  // Fills `line` with the next line without its newline. kTooLong: the line
  // passed kMaxLineBytes and was discarded (`line` holds its first bytes).
  Read read_line(std::string& line);
  // Writes `message` as one line and flushes. Thread-safe.
  void write(const Json& message);

 private:
  FILE* in_;
  FILE* out_;
  std::mutex out_mu_;
};

}  // namespace cairn::mcp
