#include "indexer/chunker.h"

#include <algorithm>
#include <cstdint>

namespace cairn::indexer {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t utf8_seq_len(std::string_view s, size_t i) {
  auto c = static_cast<uint8_t>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<uint8_t>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  return n;
}

// Largest cut <= want that does not split a UTF-8 sequence.
size_t utf8_cut(std::string_view s, size_t want) {
  if (want >= s.size()) return s.size();
  size_t cut = want;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut == 0 ? want : cut;
}

}  // namespace

std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_seq_len(bytes, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool looks_binary(std::string_view bytes) {
  return bytes.substr(0, 8192).find('\0') != std::string_view::npos;
}

std::vector<Chunk> chunk_text(std::string_view text, const ChunkLimits& limits) {
  std::vector<Chunk> out;
  Chunk cur;
  int cur_lines = 0;
  auto flush = [&] {
    if (cur_lines == 0) return;
    out.push_back(std::move(cur));
    cur = Chunk{};
    cur_lines = 0;
  };
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(pos, end - pos);
    pos = end;
    ++line_no;
    // A line longer than a chunk becomes chunks of its own, all on its number.
    if (line.size() > limits.max_bytes) {
      flush();
      while (!line.empty()) {
        size_t cut = utf8_cut(line, limits.max_bytes);
        out.push_back(Chunk{line_no, line_no, std::string(line.substr(0, cut))});
        line.remove_prefix(cut);
      }
      continue;
    }
    if (cur_lines > 0 && (cur_lines >= limits.max_lines ||
                          cur.text.size() + line.size() > limits.max_bytes)) {
      flush();
    }
    if (cur_lines == 0) cur.start_line = line_no;
    cur.end_line = line_no;
    cur.text.append(line);
    ++cur_lines;
  }
  flush();
  // Chunks that hold only whitespace add nothing to search.
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const Chunk& c) {
                             return c.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
                           }),
            out.end());
  return out;
}

}  // namespace cairn::indexer
