#include "watchers/root_state.h"

#include "base/byte_text.h"
#include "base/clock.h"

namespace cairn::watchers {

Json RootState::to_json() const {
  Json out{{"id", spec.id},
           {"path", str_or_bin(spec.path)},
           {"include", spec.include},
           {"exclude", spec.exclude},
           {"gitignore", spec.gitignore},
           {"state", state()},
           {"files", totals.files.load()},
           {"bytes", totals.bytes.load()},
           {"watches", watches.load()}};
  {
    std::lock_guard lock(mu);
    out["last_scan_at"] = last_scan_at_ms > 0 ? Json(format_iso8601(last_scan_at_ms)) : Json();
    out["last_scan_ms"] = scanned_once || last_scan_at_ms > 0 ? Json(last_scan_ms) : Json();
    out["last_error"] = last_error.empty() ? Json() : Json(last_error);
    out["error_count"] = error_count;
  }
  out["progress"] = Json{{"seen", seen.load()},
                         {"to_hash", to_hash.load()},
                         {"hashed", hashed.load()},
                         {"bytes_to_hash", bytes_to_hash.load()},
                         {"bytes_hashed", bytes_hashed.load()},
                         {"walked", walked.load()}};
  return out;
}

}  // namespace cairn::watchers
