// Text the CLI shows a person, made safe for a terminal. Stored strings and
// file names come from any client: printed raw, a task title could set the
// terminal's title or clear the screen, and an approval's action could hide
// part of itself (ESC [8m) from the person asked to approve it. Every command
// prints stored text through cell()/block() (cli.h), which call this; --json
// and `cairn call` print the exact values instead.
//
// Shown as an escape, as ls and git do: C0 controls (\n, \t, \r, \x1b, ...),
// DEL (\x7f), C1 controls (U+0080..U+009F, shown \u0085), the bidirectional
// overrides and isolates (U+202A..U+202E, U+2066..U+2069) that reorder what a
// line appears to say, and bytes that are not UTF-8 (\xff). A backslash is
// left as it is. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace cairn::cli {

// One line: every control character escaped, newlines and tabs included.
std::string terminal_safe(std::string_view text);
// A block of text (a description, a message, logs): the same, but newlines and
// tabs are kept.
std::string terminal_safe_block(std::string_view text);

}  // namespace cairn::cli
