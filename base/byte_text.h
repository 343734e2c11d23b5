// Byte strings that are usually text: file paths and names, which Linux
// allows to hold any byte but '/' and NUL. msgpack's str must be UTF-8 (a
// strict decoder refuses the whole message otherwise), so such a value goes
// out as a str when it is valid UTF-8 and as a bin of its bytes when it is
// not; a client passes it back either way and gets the same bytes.
// Header only; pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/json.h"

namespace cairn {

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
inline bool is_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return false;
    }
    i += len;
  }
  return true;
}

// A str when `s` is UTF-8, else a bin holding its bytes.
inline Json str_or_bin(const std::string& s) {
  if (is_utf8(s)) return Json(s);
  return Json::binary(Json::binary_t::container_type(s.begin(), s.end()));
}

// The bytes of a str or bin value; the value itself for anything else, so a
// wrong type is still reported by Params.
inline Json bin_as_str(const Json& v) {
  if (!v.is_binary()) return v;
  const auto& b = v.get_binary();
  return Json(std::string(b.begin(), b.end()));
}

// `v` with every bin inside it turned into a str of its bytes: for printing
// as JSON text, where a byte that is not UTF-8 then shows as U+FFFD (dump with
// error_handler_t::replace).
inline Json bins_as_str(const Json& v) {
  if (v.is_binary()) return bin_as_str(v);
  if (!v.is_structured()) return v;
  Json out = v;
  for (auto& e : out) e = bins_as_str(e);
  return out;
}

}  // namespace cairn
