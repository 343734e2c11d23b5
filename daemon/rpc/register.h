// The explicit list of every RPC method family. To add a domain: write
// daemon/rpc/<domain>.cc with register_<domain>(), declare it here, and call it
// from register_methods().
#pragma once

#include "daemon/registry.h"
#include "daemon/services.h"

namespace cairn {

void register_methods(Registry& r, Services& s);

void register_daemon(Registry& r, Services& s);
void register_events(Registry& r, Services& s);
void register_prefs(Registry& r, Services& s);
void register_debug(Registry& r, Services& s);
void register_approvals(Registry& r, Services& s);
void register_notifications(Registry& r, Services& s);
void register_runs(Registry& r, Services& s);
void register_reviews(Registry& r, Services& s);

}  // namespace cairn
