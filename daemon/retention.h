// Retention: clean-up that runs on a timer as one background write job: the
// changelog past its retention window, and whatever steps domains register
// (expired approvals, old caches). The last run is shown in daemon.status.
// run_retention() is called on the loop thread; the steps run on the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "store/write_txn.h"

namespace cairn {

struct Services;

// One clean-up step; returns how many rows it removed or changed.
struct RetentionStep {
  std::string name;
  std::function<Result<int64_t>(store::WriteTxn&, const Services&)> run;
};

void add_retention_step(RetentionStep step);  // at startup, before the first run
void run_retention(Services& services);

}  // namespace cairn
