#include "clients/mcp/stdio_channel.h"

namespace cairn::mcp {

StdioChannel::Read StdioChannel::read_line(std::string& line) {
  line.clear();
  bool too_long = false;
  bool any = false;
  char buf[65536];
  while (std::fgets(buf, sizeof buf, in_) != nullptr) {
    any = true;
    size_t n = std::char_traits<char>::length(buf);
    bool end = n > 0 && buf[n - 1] == '\n';
    if (end) --n;
    if (!too_long) {
      if (line.size() + n > kMaxLineBytes) {
        too_long = true;
        line.resize(std::min<size_t>(line.size(), 64));
      } else {
        line.append(buf, n);
      }
    }
    if (end) break;
  }
  if (!any) return Read::kEof;
  if (too_long) return Read::kTooLong;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return Read::kLine;
}

void StdioChannel::write(const Json& message) {
  // Invalid UTF-8 (a path's raw bytes) becomes U+FFFD rather than a throw.
  std::string text = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  text += '\n';
  std::lock_guard<std::mutex> lock(out_mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace cairn::mcp
