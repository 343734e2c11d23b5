// Chunker: splits text into chunks of whole lines with their 1-based line range,
// so a search hit can say `path:start-end`. Pure functions, any thread.
//
// kChunkerVersion is part of what decides "already indexed" (index_files stores
// it): change the chunking rules, bump it, and every file is indexed again.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::indexer {

inline constexpr int kChunkerVersion = 1;

struct ChunkLimits {
  int max_lines = 50;
  size_t max_bytes = 2048;  // a longer single line is cut into pieces that keep its number
};

struct Chunk {
  int start_line = 1;
  int end_line = 1;
  std::string text;
};

// Splits `text` (which must be valid UTF-8: see to_valid_utf8) into consecutive
// chunks covering every line. Empty text gives no chunks.
std::vector<Chunk> chunk_text(std::string_view text, const ChunkLimits& limits = {});

// True when the bytes look binary (a NUL in the first 8 KiB), as git decides.
bool looks_binary(std::string_view bytes);

// A copy with every invalid UTF-8 sequence replaced by U+FFFD, so snippets can go
// out as msgpack/JSON strings. Line breaks are kept, so line numbers stay right.
std::string to_valid_utf8(std::string_view bytes);

}  // namespace cairn::indexer
