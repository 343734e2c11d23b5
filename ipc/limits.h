// Limits on what one peer may send. Every length in a frame is checked against
// these as soon as its header arrives, before anything is allocated for it.
#pragma once

#include <cstddef>

namespace cairn::ipc {

struct Limits {
  size_t max_frame_bytes = 8u << 20;   // one whole message
  size_t max_string_bytes = 4u << 20;  // one str or bin
  size_t max_elements = 4096;          // entries of one array or map
  size_t max_depth = 32;               // nesting of arrays and maps
  // Values in one message, containers and map keys included. Each costs ~60
  // bytes once decoded, so without it a legal 8 MiB frame of nils (4096 per
  // array) would take ~0.5 GB to decode; with it, at most ~8 MiB.
  size_t max_values = 1u << 17;
  // Memory one decoded message may take (its Json values, strings and map
  // nodes, counted as the decoder builds them). A frame of 127k small strings
  // is ~5 MB on the wire and several times that decoded; this refuses it with
  // TOO_LARGE before it is built in full.
  size_t max_decoded_bytes = 24u << 20;
};

}  // namespace cairn::ipc
