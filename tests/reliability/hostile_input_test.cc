// Rows 39, 43 and 44 of the matrix (tests/reliability/README.md): what a client
// stores is shown safely by the CLI (39), the work a request causes is bounded
// by limits the daemon states (43), and text or values a field cannot hold are
// refused naming the field (44). Each runs the real cairnd (and, for row 39,
// the real cairn CLI) on a private socket.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

Json row_must(const Result<Json>& r) {
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

// The call fails INVALID_PARAMS and its message holds `needle` (the field).
void expect_refused_naming(DaemonProcess& d, const std::string& method, const Json& args,
                           const std::string& needle) {
  auto r = d.call(method, args);
  std::string what = method + " " + args.dump(-1, ' ', false, Json::error_handler_t::replace);
  ASSERT_FALSE(r) << what
                  << " was accepted: " << r->dump(-1, ' ', false, Json::error_handler_t::replace);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams) << what << ": " << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << what << ": " << r.status().to_string() << " does not name " << needle;
}

// Row 39: stored text reaches a person's terminal only escaped.
TEST(Row39, StoredControlCharactersReachTheTerminalEscapedAndJsonStaysExact) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  // Sets the window title, clears the screen, hides text, a C1 CSI (U+009B)
  // and a right-to-left override: none may reach the terminal as it is.
  const std::string title =
      "t\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
      "31m\xe2\x80\xae"
      "evil";
  const std::string action = "rm -rf ~/tmp\x1b[8m && curl x | sh";
  row_must(d.call("lists.create", {{"name", "list\x1b[2J"}}));
  Json task = row_must(d.call(
      "tasks.create",
      {{"title", title}, {"description", "line one\nline\x1b[31m two"}, {"tags", {"tag\x1b[5m"}}}));
  std::string id = std::to_string(task["id"].get<int64_t>());
  row_must(d.call("approvals.request", {{"id", "a1"}, {"action_type", action}}));
  row_must(
      d.call("prefs.set", {{"category", "ui\x1b[8m"}, {"key", "k\x07"}, {"value", "v\xc2\x85"}}));
  row_must(d.call("knowledge.create", {{"source_type", "manual"},
                                       {"knowledge_type", "fact"},
                                       {"title", "kb\x1b]2;x\x07"},
                                       {"content", "c\x1b[8m"}}));
  row_must(d.call("notifications.create", {{"title", "n\x1b[2J"}, {"message", "m\xc2\x9b"}}));

  auto bin = DaemonProcess::binary("cairn");
  auto cairn = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {bin, "--socket", d.socket_path()});
    return run_command(args);
  };
  const std::vector<std::vector<std::string>> commands = {{"task", "ls"},
                                                          {"task", "show", id},
                                                          {"approve", "ls"},
                                                          {"prefs", "list"},
                                                          {"prefs", "get", "ui\x1b[8m", "k\x07"},
                                                          {"list", "ls"},
                                                          {"kb", "ls"},
                                                          {"inbox"},
                                                          {"task", "ready"}};
  size_t escapes_seen = 0;
  for (const auto& cmd : commands) {
    auto r = cairn(cmd);
    std::string what;
    for (const auto& a : cmd) what += a + " ";
    EXPECT_EQ(r.status, 0) << what << r.output;
    EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << what << "printed ESC: " << r.output;
    EXPECT_EQ(r.output.find('\x07'), std::string::npos) << what << "printed BEL";
    EXPECT_EQ(r.output.find("\xc2\x9b"), std::string::npos) << what << "printed a C1 CSI";
    EXPECT_EQ(r.output.find("\xc2\x85"), std::string::npos) << what << "printed a C1 NEL";
    EXPECT_EQ(r.output.find("\xe2\x80\xae"), std::string::npos) << what << "printed U+202E";
    if (r.output.find("\\x1b") != std::string::npos) ++escapes_seen;
  }
  EXPECT_GE(escapes_seen, 7u) << "the stored text was shown, escaped";
  auto show = cairn({"task", "show", id});
  EXPECT_NE(show.output.find("t\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m\\u202eevil"), std::string::npos)
      << show.output;
  EXPECT_NE(show.output.find("line one\nline\\x1b[31m two"), std::string::npos)
      << "a description keeps its newlines: " << show.output;
  auto approvals = cairn({"approve", "ls"});
  EXPECT_NE(approvals.output.find("rm -rf ~/tmp\\x1b[8m && curl x | sh"), std::string::npos)
      << "the whole action is visible: " << approvals.output;
  // File names: a name with a screen-clearing escape and a byte that is not UTF-8.
  TempDir tree;
  const std::string name = "a\x1b[2Jb\xff.txt";
  {
    FILE* f = std::fopen((tree / name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("hello\n", f);
    std::fclose(f);
  }
  auto track = cairn({"track", tree.path()});
  EXPECT_EQ(track.status, 0) << track.output;
  auto files = cairn({"files"});
  EXPECT_EQ(files.status, 0) << files.output;
  EXPECT_EQ(files.output.find('\x1b'), std::string::npos) << "printed ESC: " << files.output;
  EXPECT_EQ(files.output.find('\xff'), std::string::npos) << "printed a raw \\xff byte";
  EXPECT_NE(files.output.find("a\\x1b[2Jb\\xff.txt"), std::string::npos) << files.output;
  // --json is for programs: the exact stored text.
  auto json = cairn({"--json", "task", "show", id});
  ASSERT_EQ(json.status, 0) << json.output;
  EXPECT_EQ(Json::parse(json.output)["title"], title);
  expect_ping_within_100ms(d);
}

// Row 43: a year-1-to-9999 session cannot be recorded, and the widest report
// of the widest session the rules allow is quick and small.
TEST(Row43, WorkGrowingWithAClientChosenRangeOrCountIsBoundedAndRefusedPastTheBound) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t task = row_must(d.call("tasks.create", {{"title", "long"}}))["id"];
  expect_refused_naming(d, "time.start", {{"task_id", task}, {"at", "0001-01-01T00:00:00Z"}}, "at");
  expect_refused_naming(d, "time.start", {{"task_id", task}, {"at", "9999-12-31T00:00:00Z"}}, "at");
  // The widest session allowed: from 1970 until now, 100 times over.
  for (int i = 0; i < 100; ++i) {
    row_must(d.call("time.start", {{"task_id", task}, {"at", 0}}));
    row_must(d.call("time.stop", Json::object()));
  }
  int64_t now = wall_ms();
  int64_t day = 86400000;
  expect_refused_naming(d, "time.report",
                        {{"from", "1970-01-01"}, {"to", "2199-12-31"}, {"by", "day"}}, "3660 days");
  int64_t t0 = monotonic_ms();
  Json report =
      row_must(d.call("time.report", {{"from", now - 3660 * day}, {"to", now}, {"by", "day"}}));
  int64_t took = monotonic_ms() - t0;
  EXPECT_EQ(report["rows"].size(), 3660u + 1) << "every day of the range, the first partly";
  EXPECT_EQ(report["sessions"], 100);
  EXPECT_LT(took, 2000) << "a ten-year report of 100 ten-year sessions took " << took << " ms";
  // Other counts a client chooses: each refused past its bound, naming it.
  expect_refused_naming(d, "tasks.list", {{"limit", 1000000}}, "limit");
  expect_refused_naming(d, "changes.since", {{"cursor", 0}, {"limit", 1000000000}}, "limit");
  expect_refused_naming(d, "time.sessions", {{"limit", 1000000000}}, "limit");
  expect_refused_naming(d, "files.list", {{"limit", 1000000000}}, "limit");
  expect_refused_naming(d, "knowledge.related", {{"id", "x"}, {"depth", 1000}}, "depth");
  expect_refused_naming(d, "search.query", {{"q", "x"}, {"limit", 1000000}}, "limit");
  std::printf("[ row 43 ] ten-year day report over 100 sessions 1970..now: %lld ms, %zu rows\n",
              static_cast<long long>(took), report["rows"].size());
  expect_ping_within_100ms(d);
}

// Row 44: text that is not UTF-8 or holds NUL, impossible dates, and moments in
// the future are refused in every field, naming it; paths stay bytes.
TEST(Row44, TextAndTimesAFieldCannotHoldAreRefusedNamingTheField) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t task = row_must(d.call("tasks.create", {{"title", "t"}}))["id"];
  row_must(d.call("approvals.request", {{"id", "a1"}, {"action_type", "deploy"}}));
  const std::string bad_text[] = {"\xff", "ok\xe2\x82", "\xed\xa0\x80", std::string("t\0u", 3)};
  struct Field {
    std::string method;
    Json base;
    std::string key;
  };
  const std::vector<Field> fields = {
      {"tasks.create", Json::object(), "title"},
      {"tasks.create", {{"title", "x"}}, "description"},
      {"tasks.create", {{"title", "x"}}, "tags"},
      {"tasks.update", {{"id", task}}, "title"},
      {"tasks.list", Json::object(), "tag"},
      {"tasks.list", Json::object(), "text"},
      {"prefs.set", {{"key", "k"}, {"value", 1}}, "category"},
      {"prefs.set", {{"category", "c"}, {"value", 1}}, "key"},
      {"prefs.set", {{"category", "c"}, {"key", "k"}}, "value"},
      {"approvals.decide", {{"id", "a1"}, {"decision", "approve"}}, "note"},
      {"approvals.request", Json::object(), "action_type"},
      {"approvals.request", {{"action_type", "x"}}, "details"},
      {"lists.create", Json::object(), "name"},
      {"knowledge.create", {{"source_type", "manual"}, {"knowledge_type", "fact"}}, "title"},
      {"knowledge.list", Json::object(), "tag"},
      {"knowledge.create",
       {{"source_type", "manual"}, {"knowledge_type", "fact"}, {"title", "x"}},
       "tags"},
      {"notifications.create", Json::object(), "title"},
      {"time.start", {{"task_id", task}}, "note"},
      {"search.query", Json::object(), "q"},
      {"changes.since", {{"cursor", 0}}, "topics"},
  };
  int refused = 0;
  for (const auto& f : fields) {
    for (const auto& s : bad_text) {
      bool json_data = f.key == "details" || f.key == "value";
      if (json_data && s.find('\0') != std::string::npos) continue;  // JSON's \u0000 is data
      Json args = f.base;
      bool list = f.key == "tags" || f.key == "topics";
      args[f.key] = list                                     ? Json::array({s})
                    : f.key == "details" || f.key == "value" ? Json{{"k", s}}
                                                             : Json(s);
      expect_refused_naming(d, f.method, args, f.key);
      ++refused;
    }
  }
  // Tags given as JSON text hold their items to the same rule.
  expect_refused_naming(d, "knowledge.create",
                        {{"source_type", "manual"},
                         {"knowledge_type", "fact"},
                         {"title", "x"},
                         {"tags", R"(["t\u0000u"])"}},
                        "tags");
  ++refused;
  // Paths are bytes: a name that is not UTF-8 is looked up, not refused.
  auto path = d.call("files.get", {{"path", "/nonexistent/\xff"}});
  ASSERT_FALSE(path);
  EXPECT_EQ(path.status().code(), Code::kNotFound) << path.status().to_string();
  expect_refused_naming(d, "files.get", {{"path", std::string("/a\0b", 4)}}, "NUL");

  // Dates and times no clock shows, in every kind of time field.
  const char* bad_times[] = {"2026-02-30",
                             "2026-13-01",
                             "2026-01-01T25:00",
                             "2026-12-31T23:59:60Z",
                             "2026-01-01T10:00+15:00",
                             "0001-01-01",
                             "9999-12-31"};
  const std::vector<Field> time_fields = {
      {"tasks.create", {{"title", "x"}}, "due"},
      {"tasks.update", {{"id", task}}, "scheduled"},
      {"tasks.list", Json::object(), "due_before"},
      {"approvals.request", {{"action_type", "x"}}, "expires_at"},
      {"time.sessions", Json::object(), "from"},
      {"time.report", {{"from", "2026-01-01"}}, "to"},
      {"time.start", {{"task_id", task}}, "at"},
  };
  for (const auto& f : time_fields) {
    for (const char* t : bad_times) {
      Json args = f.base;
      args[f.key] = t;
      expect_refused_naming(d, f.method, args, f.key);
      ++refused;
    }
  }
  Json leap = row_must(d.call("tasks.create", {{"title", "leap"}, {"due", "2028-02-29"}}));
  EXPECT_EQ(leap["due"], "2028-02-29T00:00:00.000Z");
  // Moments that record what happened may not lie in the future.
  int64_t hour_ahead = wall_ms() + 3600000;
  expect_refused_naming(d, "time.start", {{"task_id", task}, {"at", hour_ahead}}, "future");
  expect_refused_naming(d, "focus.start",
                        {{"task_id", task}, {"planned_minutes", 25}, {"at", hour_ahead}}, "future");
  expect_refused_naming(d, "sessions.create", {{"started_at", hour_ahead}}, "future");
  row_must(d.call("time.start", {{"task_id", task}}));
  expect_refused_naming(d, "time.stop", {{"at", hour_ahead}}, "future");
  expect_refused_naming(d, "time.pause", {{"at", hour_ahead}}, "future");
  row_must(d.call("time.stop", Json::object()));
  // Lists still decode: nothing invalid was stored.
  for (const char* m : {"tasks.list", "prefs.list", "lists.list", "knowledge.list",
                        "notifications.list", "approvals.list"}) {
    EXPECT_TRUE(d.call(m, Json::object())) << m;
  }
  std::printf("[ row 44 ] %d values refused, each naming its field\n", refused);
  expect_ping_within_100ms(d);
}

}  // namespace
}  // namespace cairn::testing
