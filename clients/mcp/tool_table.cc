// The table of `cairn mcp` tools. Each row says what the tool is for in words a
// model can act on, which cairn method its input schema comes from (and which
// of that method's parameters it shows, under which names), what it returns,
// and how it runs. Composite tools (get_context, request_approval) call
// several methods and declare their own schema.
#include <functional>
#include <string>

#include "clients/mcp/composite_tools.h"
#include "clients/mcp/tools.h"

namespace cairn::mcp {
namespace {

// --- schema helpers (fallbacks, used only when the daemon does not describe a method)

Json t_str(const std::string& description = "") {
  Json s{{"type", "string"}};
  if (!description.empty()) s["description"] = description;
  return s;
}
Json t_int(const std::string& description = "") {
  Json s{{"type", "integer"}};
  if (!description.empty()) s["description"] = description;
  return s;
}
Json t_num() { return Json{{"type", "number"}}; }
Json t_bool() { return Json{{"type", "boolean"}}; }
Json t_strs() { return Json{{"type", "array"}, {"items", Json{{"type", "string"}}}}; }
Json t_any() { return Json::object(); }
Json t_enum(std::vector<std::string> values) { return Json{{"type", "string"}, {"enum", values}}; }

// A property shown under the method's parameter name.
ToolProp same(const std::string& name, Json fallback, bool required = false) {
  return ToolProp{name, name, std::move(fallback), required, "", nullptr};
}
// A property under another name than the method's parameter.
ToolProp renamed(const std::string& name, const std::string& param, Json fallback,
                 bool required = false, const std::string& description = "") {
  return ToolProp{name, param, std::move(fallback), required, description, nullptr};
}
// A property of the bridge's own, not sent to the method as is.
ToolProp own(const std::string& name, Json schema, bool required = false) {
  return ToolProp{name, "", std::move(schema), required, "", nullptr};
}
ToolProp with_default(ToolProp p, Json value, const std::string& description = "") {
  p.default_value = std::move(value);
  if (!description.empty()) p.description = description;
  return p;
}

// Output schemas: the fields a model relies on; replies carry more.
Json out_object(Json properties) {
  return Json{{"type", "object"}, {"properties", std::move(properties)}};
}
Json task_props() {
  return Json{{"id", t_int()},
              {"title", t_str()},
              {"status", t_str()},
              {"priority", t_int()},
              {"version", t_int()}};
}
Json list_of(Json item_props) {
  return Json{{"type", "array"}, {"items", out_object(std::move(item_props))}};
}

using Summary = std::function<std::string(const Json& reply, const Json& args)>;

// A tool that is one method call, its reply the structured result. `fixed`
// arguments are added to every call.
auto direct(Summary summary, Json fixed = Json::object()) {
  return [summary = std::move(summary), fixed = std::move(fixed)](
             DaemonLink& link, const Tool& tool, const Json& args) -> Result<ToolReply> {
    Json a = to_method_args(tool.props, args);
    for (auto it = fixed.begin(); it != fixed.end(); ++it) a[it.key()] = it.value();
    CAIRN_ASSIGN_OR_RETURN(Json r, call_object(link, tool.method, a));
    std::string text = summary(r, args);
    return ToolReply{std::move(r), std::move(text)};
  };
}

Json approval_out() {
  return out_object({{"id", t_str()},
                     {"status", t_str("pending, approved, rejected or expired")},
                     {"decided", t_bool()},
                     {"approval", Json{{"type", "object"}}}});
}
Json run_out() { return out_object({{"id", t_str()}, {"status", t_str()}}); }

}  // namespace

std::vector<Tool> cairn_tools() {
  std::vector<Tool> t;
  const Json relation = t_enum({"relates_to", "contradicts", "extends", "implements"});

  // --- memory
  t.push_back(Tool{
      "remember",
      "Remember",
      "Store a knowledge item (a fact, decision, note, how-to) in cairn's shared memory so "
      "that later sessions and other agents can recall it. Give a short title and the content; "
      "tags and links to related items make it easier to find.",
      "knowledge.create",
      {same("title", t_str(), true), same("content", t_str()),
       with_default(
           renamed("type", "knowledge_type", t_str()), "note",
           "What kind of item: note, fact, decision, howto, preference, ... (default note)"),
       same("tags", t_strs()), same("confidence", t_num()),
       renamed("id", "id", t_str(), false,
               "An id of your choosing: repeating the call with the same id and content is safe"),
       own("link_to", Json{{"type", "array"},
                           {"items", t_str()},
                           {"description", "Ids of existing knowledge items this one relates to"}}),
       own("link_type", relation)},
      out_object({{"id", t_str()}, {"title", t_str()}, {"links", Json{{"type", "array"}}}}),
      false,
      run_remember});
  t.push_back(Tool{
      "recall",
      "Recall",
      "Search everything cairn holds (tracked files, conversation messages, knowledge items, "
      "tasks) with one query: words (all must appear), \"a phrase\", prefix*, -excluded. "
      "Results come best first as a location (path:line for files, cairn://kind/id for the "
      "rest, readable as resources) with a snippet.",
      "search.query",
      {renamed("query", "q", t_str(), true,
               "Words (all must appear), \"a phrase\", prefix*, -excluded; identifiers with _ "
               "or . match as written; any text is accepted"),
       renamed("kinds", "kinds", t_strs(), false,
               "Only these kinds: file, message, knowledge, task (default: all)"),
       renamed("root", "root", t_str(), false, "Only files below this absolute directory"),
       same("path_glob", t_str()), same("limit", t_int())},
      out_object(
          {{"results", list_of({{"location", t_str()}, {"kind", t_str()}, {"snippet", t_str()}})}}),
      true,
      run_recall});
  t.push_back(
      Tool{"get_context",
           "Get context",
           "What to know before starting work: for a session (session_id) or a project (its "
           "directory, the newest session of that workspace), the recent messages, the tasks in "
           "progress and ready to start, related knowledge, and recent file changes.",
           "",
           {own("session_id", t_str("A conversation session's id")),
            own("project", t_str("The project's absolute directory (a session's workspace_path)")),
            own("limit", Json{{"type", "integer"},
                              {"minimum", 1},
                              {"maximum", 100},
                              {"default", 10},
                              {"description", "How many of each to return (default 10)"}})},
           out_object({{"messages", Json{{"type", "array"}}},
                       {"in_progress", list_of(task_props())},
                       {"ready", list_of(task_props())},
                       {"knowledge", Json{{"type", "array"}}},
                       {"file_changes", Json{{"type", "array"}}}}),
           true,
           run_get_context});
  t.push_back(
      Tool{"link",
           "Link knowledge",
           "Link two knowledge items in the knowledge graph (from -> to) with a relation type.",
           "knowledge.link",
           {same("from", t_str(), true), same("to", t_str(), true), same("type", relation, true),
            same("strength", t_num())},
           out_object({{"from", t_str()}, {"to", t_str()}, {"type", t_str()}}),
           false,
           direct([](const Json& r, const Json&) {
             return "linked " + short_text(r["from"]) + " -" + short_text(r["type"]) + "-> " +
                    short_text(r["to"]);
           })});
  t.push_back(
      Tool{"related",
           "Related knowledge",
           "The knowledge items linked to one item, up to a depth, with how each is reached.",
           "knowledge.related",
           {same("id", t_str(), true), same("depth", t_int()),
            same("direction", t_enum({"out", "in", "both"})), same("type", relation)},
           out_object({{"items", Json{{"type", "array"}}}}),
           true,
           direct([](const Json& r, const Json&) {
             std::string s;
             for (const auto& i : r.value("items", Json::array())) {
               s += short_text(i["item"].value("id", Json())) + " \"" +
                    short_text(i["item"].value("title", Json())) + "\" at distance " +
                    short_text(i.value("distance", Json())) + "\n";
             }
             return s.empty() ? std::string("no related items") : s;
           })});

  // --- tasks
  t.push_back(
      Tool{"list_ready_tasks",
           "Ready tasks",
           "Tasks that can be started now (open, every dependency done), most urgent first.",
           "tasks.ready",
           {same("limit", t_int()), same("list_id", t_any())},
           out_object({{"tasks", list_of(task_props())}}),
           true,
           direct([](const Json& r, const Json&) {
             return task_list_text(r["tasks"], "no task is ready");
           })});
  t.push_back(
      Tool{"create_task",
           "Create task",
           "Create a task (optionally in a list, under a parent, depending on other tasks). "
           "Priority 1-5, 5 most urgent. Returns the task with its id.",
           "tasks.create",
           {same("title", t_str(), true), same("description", t_str()), same("priority", t_int()),
            same("status", t_str()), same("due", t_any()), same("scheduled", t_any()),
            same("estimate_minutes", t_int()), same("tags", t_strs()), same("list_id", t_any()),
            same("parent_id", t_int()), same("depends_on", t_any()), same("id", t_int())},
           out_object(task_props()),
           false,
           direct([](const Json& r, const Json&) { return "created " + task_line(r); })});
  t.push_back(
      Tool{"update_task",
           "Update task",
           "Change a task's fields (null clears due, scheduled, estimate, tags, parent, "
           "description). Pass the version you read to refuse a concurrent change.",
           "tasks.update",
           {same("id", t_int(), true), same("version", t_int()), same("title", t_str()),
            same("description", t_any()), same("priority", t_int()), same("status", t_str()),
            same("due", t_any()), same("scheduled", t_any()), same("estimate_minutes", t_any()),
            same("tags", t_any()), same("list_id", t_any()), same("parent_id", t_any())},
           out_object(task_props()),
           false,
           direct([](const Json& r, const Json&) { return "updated " + task_line(r); })});
  t.push_back(Tool{"complete_task",
                   "Complete task",
                   "Mark a task done (tasks that depend on it may become ready); pass the "
                   "version you read to refuse a concurrent change.",
                   "tasks.update",
                   {same("id", t_int(), true), same("version", t_int())},
                   out_object(task_props()),
                   false,
                   direct([](const Json& r, const Json&) { return "completed " + task_line(r); },
                          Json{{"status", "done"}})});
  t.push_back(
      Tool{"add_task_dependency",
           "Add task dependency",
           "Make task id wait for depends_on (a task id or a list of them); a cycle is refused.",
           "tasks.depend",
           {same("id", t_int(), true), same("depends_on", t_any(), true)},
           out_object(task_props()),
           false,
           direct([](const Json& r, const Json&) {
             return task_line(r) + " now depends on " + short_text(r.value("depends_on", Json()));
           })});

  // --- time
  t.push_back(Tool{"start_timer",
                   "Start timer",
                   "Start tracking time on a task; a timer already running is stopped first.",
                   "time.start",
                   {same("task_id", t_int(), true), same("note", t_str())},
                   out_object({{"session", Json{{"type", "object"}}}, {"message", t_str()}}),
                   false,
                   direct([](const Json& r, const Json&) {
                     return short_text(r.value("message", Json("started")), 300);
                   })});
  t.push_back(Tool{"stop_timer",
                   "Stop timer",
                   "Stop the running timer.",
                   "time.stop",
                   {same("note", t_str())},
                   out_object({{"session", Json{{"type", "object"}}}}),
                   false,
                   direct([](const Json& r, const Json&) {
                     return "stopped after " +
                            short_text(r["session"].value("duration_ms", Json(0))) + " ms";
                   })});

  // --- workflow
  t.push_back(
      Tool{"request_approval",
           "Request approval",
           "Ask the person for approval before an action (deploy, delete, spend): creates a "
           "pending approval and waits up to wait_seconds for their decision. If they have not "
           "decided by then the result is pending with the approval's id: continue with other work "
           "and call check_approval later. Never act before the status is approved.",
           "approvals.request",
           {same("action_type", t_str(), true), same("details", t_any()), same("task_id", t_str()),
            same("expires_at", t_any()), same("id", t_str()),
            with_default(same("requested_by", t_str()), "agent"),
            own("wait_seconds", Json{{"type", "integer"},
                                     {"minimum", 0},
                                     {"maximum", 3600},
                                     {"default", 25},
                                     {"description",
                                      "How long to wait for the decision (default "
                                      "25; many clients give up on a call after 60)"}})},
           approval_out(),
           false,
           run_request_approval});
  t.push_back(
      Tool{"check_approval",
           "Check approval",
           "The status of an approval asked for earlier (pending, approved, rejected, expired); "
           "optionally wait up to wait_seconds for the decision.",
           "approvals.wait",
           {same("id", t_str(), true),
            own("wait_seconds",
                Json{{"type", "integer"}, {"minimum", 0}, {"maximum", 3600}, {"default", 0}})},
           approval_out(),
           true,
           run_check_approval});
  t.push_back(Tool{
      "notify",
      "Notify",
      "Leave a notification for the person (shown in their inbox): progress, a question, a "
      "finished job.",
      "notifications.create",
      {same("title", t_str(), true), same("message", t_str()), same("type", t_str()),
       same("priority", t_enum({"low", "normal", "high", "urgent"})), same("data", t_any()),
       same("id", t_str())},
      out_object({{"id", t_str()}, {"title", t_str()}}),
      false,
      direct([](const Json& r, const Json&) { return "notified: " + short_text(r["title"]); })});
  t.push_back(
      Tool{"run_start",
           "Start a run",
           "Record the start of a piece of agent work (an instruction, optionally for a task); "
           "returns the run's id for run_log and run_finish.",
           "runs.create",
           {same("instruction", t_str(), true), same("task_id", t_str()),
            with_default(same("executor", t_str()), "agent"), same("id", t_str())},
           run_out(),
           false,
           run_run_start});
  t.push_back(Tool{"run_log",
                   "Log to a run",
                   "Append a line (or lines) to a run's log.",
                   "runs.update",
                   {same("id", t_str(), true), renamed("text", "append_logs", t_str(), true,
                                                       "Text to append to the run's log")},
                   run_out(),
                   false,
                   run_run_log});
  t.push_back(
      Tool{"run_finish",
           "Finish a run",
           "Finish a run as succeeded, failed or canceled, with a summary, the files changed and "
           "the error if any.",
           "runs.update",
           {same("id", t_str(), true),
            renamed("status", "status", t_enum({"succeeded", "failed", "canceled"}), true,
                    "succeeded, failed or canceled"),
            same("summary", t_str()), same("error", t_str()), same("files_changed", t_strs()),
            same("patch", t_str())},
           run_out(),
           false,
           direct(run_text)});
  t.push_back(
      Tool{"file_feedback",
           "Review feedback for a file",
           "Review feedback recorded for a file (exact path), newest review first: severity, "
           "lines, title, suggestion.",
           "reviews.feedback_for_file",
           {same("path", t_str(), true), same("limit", t_int())},
           out_object({{"feedback", Json{{"type", "array"}}}}),
           true,
           direct([](const Json& r, const Json&) {
             std::string s;
             for (const auto& f : r.value("feedback", Json::array())) {
               s += short_text(f.value("file", Json(""))) + ":" +
                    short_text(f.value("line_start", Json(""))) + ": [" +
                    short_text(f.value("severity", Json(""))) + "] " +
                    short_text(f.value("title", Json(""))) + "\n";
             }
             return s.empty() ? std::string("no feedback") : s;
           })});

  // --- files
  t.push_back(
      Tool{"track",
           "Track a directory",
           "Start tracking a directory (or one file) so that cairn watches, hashes and indexes it "
           "for recall. .gitignore files are honoured unless gitignore is false.",
           "files.track",
           {same("path", t_str(), true), same("include", t_strs()), same("exclude", t_strs()),
            same("gitignore", t_bool())},
           out_object({{"path", t_str()}}),
           false,
           direct([](const Json& r, const Json&) {
             return "tracking " + short_text(r.value("path", Json()));
           })});
  t.push_back(Tool{
      "file_status",
      "File status",
      "What cairn knows of a tracked file: type, size, sha256, whether it is text, its status "
      "(ok, error, deleted) and error.",
      "files.get",
      {same("path", t_str(), true)},
      out_object({{"path", t_str()}, {"status", t_str()}}),
      true,
      direct([](const Json& r, const Json&) {
        return short_text(r.value("path", Json())) + ": " + short_text(r.value("status", Json())) +
               ", " + short_text(r.value("size", Json())) + " bytes";
      })});
  return t;
}

}  // namespace cairn::mcp
