// Small path helpers shared by the crawler's files. Pure; any thread.
#pragma once

#include <cstring>
#include <string>

namespace cairn::watchers {

inline std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

inline std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// `path` relative to `root` ("" for the root itself).
inline std::string rel_of(const std::string& root, const std::string& path) {
  if (path.size() <= root.size()) return {};
  return path.substr(root.size() + 1);
}

inline std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace cairn::watchers
