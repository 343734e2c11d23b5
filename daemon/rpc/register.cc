#include "daemon/rpc/register.h"

namespace cairn {

void register_methods(Registry& r, Services& s) {
  register_daemon(r, s);
  register_events(r, s);
  register_prefs(r, s);
  register_approvals(r, s);
  register_notifications(r, s);
  register_runs(r, s);
  register_reviews(r, s);
  register_sessions(r, s);
  register_messages(r, s);
  register_knowledge(r, s);
  register_lists(r, s);
  register_tasks(r, s);
  register_time(r, s);
  register_focus(r, s);
  register_db(r, s);
  register_files(r, s);
  register_search(r, s);
  if (s.config.debug_methods) register_debug(r, s);
}

}  // namespace cairn
