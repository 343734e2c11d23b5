#include "clients/mcp/resources.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "base/byte_text.h"
#include "base/fd.h"

namespace cairn::mcp {
namespace {

constexpr std::string_view kScheme = "cairn://";

Json json_contents(const std::string& uri, const Json& value) {
  return Json{{"contents",
               Json::array({Json{{"uri", uri},
                                 {"mimeType", "application/json"},
                                 {"text", bins_as_str(value).dump(
                                              2, ' ', false, Json::error_handler_t::replace)}}})}};
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct ParsedUri {
  std::vector<std::string> segments;  // the path after cairn://, split on '/'
  std::string rest;                   // the path after cairn:// as one string
  std::map<std::string, std::string> query;
};

bool parse_uri(const std::string& uri, ParsedUri& out) {
  if (uri.rfind(kScheme, 0) != 0) return false;
  std::string body = uri.substr(kScheme.size());
  auto q = body.find('?');
  if (q != std::string::npos) {
    std::string query = body.substr(q + 1);
    body.resize(q);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string pair =
          query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto eq = pair.find('=');
      if (!pair.empty()) {
        out.query[percent_decode(pair.substr(0, eq))] =
            eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  out.rest = body;
  size_t start = 0;
  while (true) {
    size_t slash = body.find('/', start);
    out.segments.push_back(percent_decode(
        body.substr(start, slash == std::string::npos ? std::string::npos : slash - start)));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

// A decimal id within ±2^53 (task ids are integers on the wire).
bool integer_id(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0' && out > 0;
}

Result<int64_t> query_int(const ParsedUri& p, const std::string& key, int64_t fallback) {
  auto it = p.query.find(key);
  if (it == p.query.end()) return fallback;
  int64_t v = 0;
  if (!integer_id(it->second, v)) return invalid_params(key + " must be a positive integer");
  return v;
}

Result<Json> read_file_lines(DaemonLink& link, const std::string& uri, const ParsedUri& p) {
  std::string path = percent_decode(p.rest.substr(std::string_view("file").size()));
  if (path.empty() || path[0] != '/') return invalid_params("a file URI holds an absolute path");
  CAIRN_ASSIGN_OR_RETURN(int64_t start, query_int(p, "start", 1));
  CAIRN_ASSIGN_OR_RETURN(int64_t end, query_int(p, "end", start + kMaxFileLines - 1));
  if (end < start) return invalid_params("end is before start");
  end = std::min<int64_t>(end, start + kMaxFileLines - 1);
  // Only a file cairn tracks: the daemon knows it and has read it as text.
  CAIRN_ASSIGN_OR_RETURN(Json file, link.call("files.get", Json{{"path", path}}));
  if (file.value("status", "") != "ok") {
    return not_found(path + " is " + file.value("status", "unknown") + " in cairn");
  }
  if (!file.value("is_text", false)) return invalid_params(path + " is not a text file");
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return not_found(path + ": " + std::strerror(errno));
  std::string text;
  int64_t line = 1;
  bool more = false;
  char buf[65536];
  ssize_t n;
  while (!more && (n = ::read(fd.get(), buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      if (line >= start && line <= end) {
        if (text.size() >= kMaxFileBytes) {
          more = true;
          break;
        }
        text += buf[i];
      }
      if (buf[i] == '\n' && ++line > end) {
        more = true;
        break;
      }
    }
  }
  return Json{
      {"contents",
       Json::array({Json{{"uri", uri},
                         {"mimeType", "text/plain"},
                         // Bytes that are not UTF-8 go out as U+FFFD (StdioChannel).
                         {"text", std::move(text)},
                         {"_meta", Json{{"cairn/lines", Json{{"start", start},
                                                             {"end", std::min(end, line)}}}}}}})}};
}

}  // namespace

Json resource_list() {
  return Json{{"resources", Json::array({Json{
                                {"uri", "cairn://tasks/ready"},
                                {"name", "ready_tasks"},
                                {"title", "Ready tasks"},
                                {"description", "Tasks that can be started now, most urgent first"},
                                {"mimeType", "application/json"}}})}};
}

Json resource_template_list() {
  auto tpl = [](const char* uri, const char* name, const char* title, const char* description,
                const char* mime) {
    return Json{{"uriTemplate", uri},
                {"name", name},
                {"title", title},
                {"description", description},
                {"mimeType", mime}};
  };
  return Json{
      {"resourceTemplates",
       Json::array(
           {tpl("cairn://task/{id}", "task", "Task",
                "A task with its subtasks, dependencies and time spent", "application/json"),
            tpl("cairn://session/{id}/messages{?page}", "session_messages", "Session messages",
                "A conversation session's messages, oldest first, 200 a page", "application/json"),
            tpl("cairn://message/{id}", "message", "Message", "One message", "application/json"),
            tpl("cairn://knowledge/{id}", "knowledge_item", "Knowledge item",
                "A knowledge item with its links", "application/json"),
            tpl("cairn://file{+path}{?start,end}", "file_lines", "Tracked file lines",
                "Lines start..end (1-based, inclusive, at most 2000) of a text "
                "file cairn tracks; path is absolute",
                "text/plain")})}};
}

bool is_resource_uri(const std::string& uri) {
  ParsedUri p;
  if (!parse_uri(uri, p)) return false;
  const auto& s = p.segments;
  if (p.rest == "tasks/ready") return true;
  if (s.size() == 2 && (s[0] == "task" || s[0] == "knowledge" || s[0] == "message"))
    return !s[1].empty();
  if (s.size() == 3 && s[0] == "session" && s[2] == "messages") return true;
  return p.rest.rfind("file/", 0) == 0;
}

std::string resource_key(const std::string& uri) { return uri.substr(0, uri.find('?')); }

std::vector<std::string> keys_for_event(const Json& event) {
  std::vector<std::string> keys;
  if (!event.is_object()) return keys;
  std::string topic = event.value("topic", "");
  Json id = bins_as_str(event.value("id", Json()));
  std::string id_text = id.is_string() ? id.get<std::string>() : id.dump();
  if (topic == "tasks") {
    keys.push_back("cairn://tasks/ready");
    if (!id.is_null()) keys.push_back("cairn://task/" + id_text);
  } else if (topic == "knowledge") {
    keys.push_back("cairn://knowledge/" + id_text);
    for (const char* end : {"from", "to"}) {  // a link changes both items
      if (event.contains(end) && event[end].is_string()) {
        keys.push_back("cairn://knowledge/" + event[end].get<std::string>());
      }
    }
  } else if (topic == "messages") {
    keys.push_back("cairn://message/" + id_text);
    Json session = event.value("session_id", Json());
    if (session.is_string()) {
      keys.push_back("cairn://session/" + session.get<std::string>() + "/messages");
    }
  } else if (topic == "files") {
    Json path = bins_as_str(event.value("path", Json()));
    if (path.is_string()) keys.push_back("cairn://file" + path.get<std::string>());
  }
  return keys;
}

Result<Json> read_resource(DaemonLink& link, const std::string& uri) {
  ParsedUri p;
  if (!parse_uri(uri, p) || !is_resource_uri(uri)) return not_found("no resource " + uri);
  const auto& s = p.segments;
  if (p.rest == "tasks/ready") {
    CAIRN_ASSIGN_OR_RETURN(Json r, link.call("tasks.ready", Json{{"limit", 100}}));
    return json_contents(uri, r);
  }
  if (s[0] == "file") return read_file_lines(link, uri, p);
  int64_t id = 0;
  if (s[0] == "task") {
    if (!integer_id(s[1], id)) return not_found("no resource " + uri + " (ids are integers)");
  }
  if (s[0] == "task") {
    CAIRN_ASSIGN_OR_RETURN(Json r, link.call("tasks.get", Json{{"id", id}}));
    return json_contents(uri, r);
  }
  if (s[0] == "session") {
    CAIRN_ASSIGN_OR_RETURN(int64_t page, query_int(p, "page", 1));
    CAIRN_ASSIGN_OR_RETURN(
        Json r,
        link.call("messages.page", Json{{"session_id", s[1]}, {"page", page}, {"page_size", 200}}));
    return json_contents(uri, r);
  }
  const char* method = s[0] == "message" ? "messages.get" : "knowledge.get";
  CAIRN_ASSIGN_OR_RETURN(Json r, link.call(method, Json{{"id", s[1]}}));
  return json_contents(uri, r);
}

}  // namespace cairn::mcp
