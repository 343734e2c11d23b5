// The properties the frame fuzzer checks, shared with the normal test run that
// replays the committed corpus and regression inputs (tests/ipc/fuzz_replay_test.cc).
//
// check_frame_input() decodes one byte stream with ipc::Decoder several ways --
// whole, one byte at a time, and in pseudo-random chunks -- under the default
// Limits and under small ones, and aborts (prints, then std::abort) when:
//   - the split changes what is decoded (messages, their order and content, or
//     the first failure's code, msgid and fatality);
//   - a decoded request or notification does not survive encode -> decode;
//   - the decoder keeps more than the input buffered, or a message breaks the
//     msgpack-RPC shape promised by ipc/message.h (params always an array).
// Crashes, sanitizer reports and uncaught exceptions are caught by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cairn::fuzz {

void check_frame_input(const uint8_t* data, size_t size);

}  // namespace cairn::fuzz
