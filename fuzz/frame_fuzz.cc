// libFuzzer target over the streaming frame decoder (ipc::FrameScanner under
// ipc::Decoder): each input is one byte stream, decoded whole, one byte at a
// time and in pseudo-random chunks, under the default and small Limits. See
// fuzz/frame_property.h for what is checked. No daemon, no database.
#include <cstddef>
#include <cstdint>

#include "fuzz/frame_property.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::fuzz::check_frame_input(data, size);
  return 0;
}
