// Background threads (the index worker, the crawler, the hashers) run at a
// lower CPU priority than the threads that answer clients (the loop, the
// readers, the writer): when both want the CPU, a client's request goes first,
// and the background work still gets its share (5 nice levels down, about a
// third of a normal thread's weight), so the index keeps up.
#pragma once

namespace cairn {

inline constexpr int kBackgroundNice = 5;

// Sets the calling thread's nice value to the main thread's plus kBackgroundNice. Best effort: a
// failure is ignored (the thread runs at the process's priority).
void set_background_priority();

}  // namespace cairn
