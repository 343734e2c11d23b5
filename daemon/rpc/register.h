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
void register_search(Registry& r, Services& s);
void register_files(Registry& r, Services& s);
void register_debug(Registry& r, Services& s);
void register_approvals(Registry& r, Services& s);
void register_notifications(Registry& r, Services& s);
void register_runs(Registry& r, Services& s);
void register_reviews(Registry& r, Services& s);
void register_sessions(Registry& r, Services& s);
void register_messages(Registry& r, Services& s);
void register_knowledge(Registry& r, Services& s);
void register_lists(Registry& r, Services& s);
void register_tasks(Registry& r, Services& s);
void register_task_queries(Registry& r, Services& s);  // called by register_tasks
void register_time(Registry& r, Services& s);
void register_focus(Registry& r, Services& s);
void register_db(Registry& r, Services& s);

}  // namespace cairn
