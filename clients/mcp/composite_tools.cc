#include "clients/mcp/composite_tools.h"

#include <algorithm>

#include "base/byte_text.h"

namespace cairn::mcp {
namespace {

std::string search_location(const Json& r) {
  std::string kind = r.value("kind", "");
  Json line = r.value("line", Json());
  std::string line_text = line.is_number() ? ":" + line.dump() : "";
  if (r.contains("path") && r["path"].is_string()) return r["path"].get<std::string>() + line_text;
  return "cairn://" + kind + "/" + short_text(r.value("id", Json())) + line_text;
}

// The last `n` messages of a session, oldest first.
Result<Json> recent_messages(DaemonLink& link, const Json& session_id, int64_t n) {
  CAIRN_ASSIGN_OR_RETURN(Json first, call_object(link, "messages.page",
                                                 {{"session_id", session_id}, {"page_size", n}}));
  int64_t total = first.value("total", int64_t{0});
  int64_t last = std::max<int64_t>(1, (total + n - 1) / n);
  if (last == 1) return first.value("items", Json::array());
  Json items = Json::array();
  for (int64_t page : {last - 1, last}) {
    CAIRN_ASSIGN_OR_RETURN(
        Json p, call_object(link, "messages.page",
                            {{"session_id", session_id}, {"page", page}, {"page_size", n}}));
    for (auto& m : p.value("items", Json::array())) items.push_back(std::move(m));
  }
  Json out = Json::array();
  for (size_t i = items.size() > static_cast<size_t>(n) ? items.size() - n : 0; i < items.size();
       ++i) {
    out.push_back(std::move(items[i]));
  }
  return out;
}

// File changes from the change feed, newest last, under `prefix` when given.
Result<Json> recent_file_changes(DaemonLink& link, const std::string& prefix, int64_t n) {
  CAIRN_ASSIGN_OR_RETURN(Json head,
                         call_object(link, "changes.since", {{"cursor", INT64_MAX}, {"limit", 1}}));
  int64_t latest = head.value("cursor", int64_t{0});
  CAIRN_ASSIGN_OR_RETURN(Json r, call_object(link, "changes.since",
                                             {{"cursor", std::max<int64_t>(0, latest - 5000)},
                                              {"topics", {"files"}},
                                              {"limit", 1000}}));
  Json out = Json::array();
  for (const auto& c : r.value("changes", Json::array())) {
    Json path = c.contains("path") ? c["path"] : c.value("id", Json());
    if (!prefix.empty() && !(path.is_string() && path.get<std::string>().rfind(prefix, 0) == 0)) {
      continue;
    }
    out.push_back(
        Json{{"at", c.value("at", Json())}, {"kind", c.value("kind", Json())}, {"path", path}});
  }
  if (out.size() > static_cast<size_t>(n)) out.erase(out.begin(), out.end() - n);
  return out;
}

Result<ToolReply> approval_reply(DaemonLink& link, const Json& id, int64_t wait_seconds) {
  CAIRN_ASSIGN_OR_RETURN(
      Json r, call_object(link, "approvals.wait", {{"id", id}, {"timeout_ms", wait_seconds * 1000}},
                          static_cast<int>(wait_seconds * 1000 + 10000)));
  std::string status = r.value("status", "");
  Json out{{"id", id}, {"status", status}, {"decided", status != "pending"}, {"approval", r}};
  std::string text = status == "pending" ? "approval " + short_text(id) +
                                               " is still pending: ask again later with "
                                               "check_approval"
                                         : "approval " + short_text(id) + " was " + status +
                                               (r.value("decision_note", Json()).is_string()
                                                    ? ": " + short_text(r["decision_note"])
                                                    : "");
  return ToolReply{std::move(out), std::move(text)};
}

}  // namespace

Result<Json> call_object(DaemonLink& link, const std::string& method, const Json& args,
                         int timeout_ms) {
  CAIRN_ASSIGN_OR_RETURN(Json r, link.call(method, args, timeout_ms));
  r = bins_as_str(r);  // paths that are not UTF-8 arrive as bin
  if (!r.is_object()) return Json{{"result", std::move(r)}};
  return r;
}

std::string short_text(const Json& v, size_t max) {
  std::string s =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::string task_line(const Json& t) {
  return "#" + short_text(t.value("id", Json())) + " [" + t.value("status", "") + "] " +
         short_text(t.value("title", Json()));
}

std::string task_list_text(const Json& tasks, const std::string& empty) {
  if (!tasks.is_array() || tasks.empty()) return empty;
  std::string out;
  for (const auto& t : tasks) out += task_line(t) + "\n";
  out.pop_back();
  return out;
}

Result<ToolReply> run_recall(DaemonLink& link, const Tool& tool, const Json& args) {
  CAIRN_ASSIGN_OR_RETURN(Json r, call_object(link, tool.method, to_method_args(tool.props, args)));
  Json results = Json::array();
  std::string text;
  for (const auto& hit : r.value("results", Json::array())) {
    Json item = hit;
    item["location"] = search_location(hit);
    item.erase("highlights");
    if (item.value("snippet", "").empty() && item.contains("title"))
      item["snippet"] = item["title"];
    text += item["location"].get<std::string>() + ": " +
            short_text(item.value("snippet", Json("")), 160) + "\n";
    results.push_back(std::move(item));
  }
  if (text.empty()) text = "no matches for " + short_text(args["query"]);
  Json out{{"results", std::move(results)}};
  if (r.contains("total")) out["total"] = r["total"];
  return ToolReply{std::move(out), std::move(text)};
}

Result<ToolReply> run_get_context(DaemonLink& link, const Tool&, const Json& args) {
  int64_t n = args.value("limit", int64_t{10});
  std::string project = args.value("project", "");
  Json out{{"session", nullptr}, {"messages", Json::array()}};
  Json session_id = args.value("session_id", Json());
  if (session_id.is_null() && !project.empty()) {
    CAIRN_ASSIGN_OR_RETURN(
        Json s, call_object(link, "sessions.list", {{"workspace_path", project}, {"limit", 1}}));
    if (!s["sessions"].empty()) session_id = s["sessions"][0]["id"];
  }
  if (!session_id.is_null()) {
    CAIRN_ASSIGN_OR_RETURN(out["session"], call_object(link, "sessions.get", {{"id", session_id}}));
    CAIRN_ASSIGN_OR_RETURN(out["messages"], recent_messages(link, session_id, n));
  }
  CAIRN_ASSIGN_OR_RETURN(
      Json doing, call_object(link, "tasks.list",
                              {{"status", "in_progress"}, {"sort", "priority"}, {"limit", n}}));
  out["in_progress"] = doing["tasks"];
  CAIRN_ASSIGN_OR_RETURN(Json ready, call_object(link, "tasks.ready", {{"limit", n}}));
  out["ready"] = ready["tasks"];
  std::string topic = project;
  while (!topic.empty() && topic.back() == '/') topic.pop_back();
  topic = topic.substr(topic.find_last_of('/') + 1);
  if (!topic.empty()) {
    CAIRN_ASSIGN_OR_RETURN(
        Json hits,
        call_object(link, "search.query", {{"q", topic}, {"kinds", {"knowledge"}}, {"limit", n}}));
    out["knowledge"] = Json::array();
    for (const auto& h : hits["results"]) {
      auto item = call_object(link, "knowledge.get", {{"id", h["id"]}});
      if (item) out["knowledge"].push_back(std::move(*item));
    }
  }
  if (!out.contains("knowledge") || out["knowledge"].empty()) {
    CAIRN_ASSIGN_OR_RETURN(Json k, call_object(link, "knowledge.list", {{"limit", n}}));
    out["knowledge"] = k["items"];
  }
  CAIRN_ASSIGN_OR_RETURN(out["file_changes"], recent_file_changes(link, project, n));

  std::string text;
  if (!out["session"].is_null()) {
    text += "session #" + short_text(out["session"]["id"]) + ": " +
            std::to_string(out["messages"].size()) + " recent messages\n";
    for (const auto& m : out["messages"]) {
      text +=
          "  " + m.value("role", "") + ": " + short_text(m.value("content", Json("")), 100) + "\n";
    }
  }
  text += "in progress:\n" + task_list_text(out["in_progress"], "(none)") + "\n";
  text += "ready:\n" + task_list_text(out["ready"], "(none)") + "\n";
  text += std::to_string(out["knowledge"].size()) + " knowledge items, " +
          std::to_string(out["file_changes"].size()) + " recent file changes";
  return ToolReply{std::move(out), std::move(text)};
}

Result<ToolReply> run_remember(DaemonLink& link, const Tool& tool, const Json& args) {
  Json a = to_method_args(tool.props, args);
  a["source_type"] = "agent";
  CAIRN_ASSIGN_OR_RETURN(Json item, call_object(link, tool.method, a));
  Json links = Json::array();
  for (const auto& to : args.value("link_to", Json::array())) {
    CAIRN_ASSIGN_OR_RETURN(Json l, call_object(link, "knowledge.link",
                                               {{"from", item["id"]},
                                                {"to", to},
                                                {"type", args.value("link_type", "relates_to")}}));
    links.push_back(std::move(l));
  }
  item["links"] = std::move(links);
  std::string text =
      "remembered " + short_text(item["id"]) + " \"" + short_text(item["title"]) + "\"" +
      (item["links"].empty() ? "" : " with " + std::to_string(item["links"].size()) + " links");
  return ToolReply{std::move(item), std::move(text)};
}

Result<ToolReply> run_request_approval(DaemonLink& link, const Tool& tool, const Json& args) {
  CAIRN_ASSIGN_OR_RETURN(Json created,
                         call_object(link, tool.method, to_method_args(tool.props, args)));
  return approval_reply(link, created["id"], args.value("wait_seconds", int64_t{25}));
}

Result<ToolReply> run_check_approval(DaemonLink& link, const Tool&, const Json& args) {
  return approval_reply(link, args["id"], args.value("wait_seconds", int64_t{0}));
}

std::string run_text(const Json& r, const Json&) {
  return "run " + short_text(r.value("id", Json())) + " is " + r.value("status", "");
}

Result<ToolReply> run_run_start(DaemonLink& link, const Tool& tool, const Json& args) {
  CAIRN_ASSIGN_OR_RETURN(Json run,
                         call_object(link, tool.method, to_method_args(tool.props, args)));
  CAIRN_ASSIGN_OR_RETURN(
      run, call_object(link, "runs.update", {{"id", run["id"]}, {"status", "running"}}));
  std::string text = run_text(run, args);
  return ToolReply{std::move(run), std::move(text)};
}

Result<ToolReply> run_run_log(DaemonLink& link, const Tool&, const Json& args) {
  std::string text = args["text"].get<std::string>();
  if (text.empty() || text.back() != '\n') text += '\n';
  CAIRN_ASSIGN_OR_RETURN(
      Json run, call_object(link, "runs.update", {{"id", args["id"]}, {"append_logs", text}}));
  std::string summary = "run " + short_text(run["id"]) + ": " +
                        short_text(run.value("log_bytes", Json(0))) + " bytes of log";
  return ToolReply{std::move(run), std::move(summary)};
}

}  // namespace cairn::mcp
