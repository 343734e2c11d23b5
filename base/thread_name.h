// Names the calling thread (shown by top -H, gdb and /proc). Call it first thing
// in every thread cairn starts.
#pragma once

namespace cairn {

void set_thread_name(const char* name);  // at most 15 characters are kept

}  // namespace cairn
