// Small text and file helpers shared by the integration and reliability tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace cairn::testing {

// Writes `text` to `path` (created or truncated), byte for byte.
inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

// `s` without its trailing newlines and spaces (command output).
inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace cairn::testing
