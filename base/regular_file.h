// Opening a file a client or a setting named, for reading: never blocks and
// never reads something endless. The file is opened with O_NONBLOCK (a FIFO
// opens at once instead of waiting for a writer) and then fstat'ed: anything
// but a regular file (FIFO, device, directory, socket) is refused with
// INVALID_PARAMS naming the path and what it is. Reads are capped by the bytes
// actually read, not by st_size (files under /proc say 0).
// Stateless functions; any thread.
#pragma once

#include <cstddef>
#include <string>

#include "base/fd.h"
#include "base/status.h"

namespace cairn {

// "a FIFO", "a directory", ... for the file type bits of a st_mode.
const char* file_kind(unsigned mode);

// Opens `path` read-only (O_NONBLOCK, O_CLOEXEC; O_NOFOLLOW when `no_follow`)
// and checks that it is a regular file. `what` names the path's role in
// messages ("backup", "config file"). A missing file is NOT_FOUND; anything
// else that is the caller's mistake is INVALID_PARAMS.
Result<Fd> open_regular_file(const std::string& path, const std::string& what,
                             bool no_follow = false);

// The whole of a regular file, at most `max_bytes` (more is TOO_LARGE).
Result<std::string> read_regular_file(const std::string& path, const std::string& what,
                                      size_t max_bytes, bool no_follow = false);

}  // namespace cairn
