// The structure-aware mode of the dispatch target: fuzz bytes read as choices,
// not as msgpack. Each choice picks a real method (from the daemon's registry)
// and builds its params from the shapes that broke the daemon before: values
// nested past every depth limit (as msgpack and as JSON text), huge strings and
// arrays of many small strings, invalid UTF-8, maps with integer or repeated
// keys, and paths to special files (a FIFO, /dev/zero, /proc/self/...,
// a directory, the live database). Random bytes would almost never form one of
// these; here every input does. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cairn::fuzz {

// An input in this mode starts with this byte (0xc1 is never msgpack, so the
// byte-stream mode loses nothing to it).
inline constexpr uint8_t kStructuredMarker = 0xc1;

struct Sandbox {
  std::vector<std::string> methods;  // every method the daemon has
  std::vector<std::string> paths;    // special files a path parameter may name
};

// The msgpack-RPC requests `data` (after the marker) chooses, as bytes.
std::string structured_requests(const uint8_t* data, size_t size, const Sandbox& box);

// Methods this mode never calls: they stop the daemon, wait for minutes, or
// watch a directory tree (crawling /proc is the watchers' own fault class).
bool structured_denied(const std::string& method);

}  // namespace cairn::fuzz
