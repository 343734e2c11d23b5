// Tasks, lists, dependencies, time and focus sessions against the real cairnd:
// every rule of issue 6 through tasks.*, lists.*, time.*, focus.* and the CLI.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

class Tasks : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d.start().is_ok()) << d.log(); }

  Json ok(const std::string& method, const Json& args = nullptr) {
    auto r = d.call(method, args);
    EXPECT_TRUE(r.has_value()) << method << " " << args.dump() << ": " << r.status().to_string();
    return r.has_value() ? *r : Json();
  }
  Status err(const std::string& method, const Json& args) {
    auto r = d.call(method, args);
    EXPECT_FALSE(r.has_value()) << method << " " << args.dump() << " succeeded: " << r->dump();
    return r.status();
  }
  int64_t add(const std::string& title, Json extra = Json::object()) {
    extra["title"] = title;
    return ok("tasks.create", extra)["id"].get<int64_t>();
  }
  std::vector<int64_t> ids(const Json& tasks) {
    std::vector<int64_t> out;
    for (const auto& t : tasks) out.push_back(t["id"].get<int64_t>());
    return out;
  }

  DaemonProcess d;
};

TEST_F(Tasks, CreateReturnsTheTaskWithIdVersionAndDefaults) {
  Json t = ok("tasks.create", {{"title", "Write parser"}, {"priority", 4}, {"due", "2026-12-01"},
                               {"tags", {"api"}}, {"estimate_minutes", 90}});
  EXPECT_GE(t["id"].get<int64_t>(), 1);
  EXPECT_EQ(t["version"], 1);
  EXPECT_EQ(t["status"], "todo");
  EXPECT_EQ(t["priority"], 4);
  EXPECT_EQ(t["due"], "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(t["tags"], Json::array({"api"}));
  EXPECT_EQ(t["list"], "default");
  EXPECT_TRUE(t["completed_at"].is_null());
}

TEST_F(Tasks, ValidationErrorsNameTheField) {
  struct Case {
    Json args;
    std::string field;
  } cases[] = {
      {{{"title", "x"}, {"priority", 6}}, "priority"},
      {{{"title", "x"}, {"priority", 0}}, "priority"},
      {{{"title", "x"}, {"status", "later"}}, "status"},
      {{{"title", "x"}, {"due", "tomorrow"}}, "due"},
      {{{"title", "x"}, {"tags", "api"}}, "tags"},
      {{{"title", "x"}, {"estimate_minutes", -1}}, "estimate_minutes"},
      {{{"title", "x"}, {"colour", "red"}}, "colour"},
      {{{"title", " "}}, "title"},
      {Json::object(), "title"},
      {{{"title", "x"}, {"list_id", "nope"}}, "list_id"},
      {{{"title", "x"}, {"parent_id", 999}}, "parent_id"},
      {{{"title", "x"}, {"depends_on", {999}}}, "depends_on"},
  };
  for (const auto& c : cases) {
    Status st = err("tasks.create", c.args);
    EXPECT_NE(st.message().find(c.field), std::string::npos)
        << c.args.dump() << " -> " << st.to_string();
  }
}

TEST_F(Tasks, RepeatedCreateWithTheSameIdIsIdempotentAndOtherContentConflicts) {
  Json a = ok("tasks.create", {{"id", 42}, {"title", "once"}});
  Json b = ok("tasks.create", {{"id", 42}, {"title", "once"}});
  EXPECT_EQ(a["id"], 42);
  EXPECT_EQ(b["version"], 1);
  EXPECT_EQ(err("tasks.create", {{"id", 42}, {"title", "twice"}}).code(), Code::kConflict);
  EXPECT_EQ(ok("tasks.list", {{"text", "once"}})["tasks"].size(), 1u);
}

TEST_F(Tasks, CompletedAtIsSetByDoneKeptByArchivedAndClearedWhenReopened) {
  int64_t id = add("finish me");
  Json done = ok("tasks.update", {{"id", id}, {"status", "done"}, {"at", "2026-11-01T10:00:00Z"}});
  EXPECT_EQ(done["completed_at"], "2026-11-01T10:00:00.000Z");
  Json archived = ok("tasks.update", {{"id", id}, {"status", "archived"}});
  EXPECT_EQ(archived["completed_at"], "2026-11-01T10:00:00.000Z");
  Json reopened = ok("tasks.update", {{"id", id}, {"status", "todo"}});
  EXPECT_TRUE(reopened["completed_at"].is_null());
  Json cancelled = ok("tasks.update", {{"id", id}, {"status", "cancelled"}});
  EXPECT_TRUE(cancelled["completed_at"].is_null());
}

TEST_F(Tasks, EveryStatusOfTheVocabularyIsAccepted) {
  for (const char* s : {"backlog", "todo", "in_progress", "in_review", "blocked", "done",
                        "cancelled", "archived"}) {
    EXPECT_EQ(ok("tasks.create", {{"title", s}, {"status", s}})["status"], s);
  }
}

TEST_F(Tasks, TheDefaultListAlwaysExistsAndCannotBeDeleted) {
  Json lists = ok("lists.list")["lists"];
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0]["is_default"], true);
  EXPECT_EQ(err("lists.delete", {{"id", lists[0]["id"]}}).code(), Code::kConflict);
}

TEST_F(Tasks, DeletingAListWithTasksIsRefusedUnlessToldWhereTheyGo) {
  Json work = ok("lists.create", {{"name", "work"}});
  int64_t a = add("a", {{"list_id", "work"}});
  add("b", {{"list_id", work["id"]}});
  Status refused = err("lists.delete", {{"id", work["id"]}});
  EXPECT_EQ(refused.code(), Code::kConflict);
  EXPECT_NE(refused.message().find("move_to"), std::string::npos);
  Json home = ok("lists.create", {{"name", "home"}});
  Json r = ok("lists.delete", {{"id", "work"}, {"move_to", home["id"]}});
  EXPECT_EQ(r["moved"], 2);
  EXPECT_EQ(ok("tasks.get", {{"id", a}})["list"], "home");
  EXPECT_EQ(ok("lists.update", {{"id", "home"}, {"name", "house"}})["name"], "house");
  EXPECT_EQ(err("lists.create", {{"name", "house"}}).code(), Code::kConflict);
  EXPECT_EQ(ok("lists.delete", {{"id", ok("lists.create", {{"name", "empty"}})["id"]}})["moved"], 0);
}

TEST_F(Tasks, SelfDependencyIsRefused) {
  int64_t a = add("a");
  Status st = err("tasks.depend", {{"id", a}, {"depends_on", a}});
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("#" + std::to_string(a)), std::string::npos);
}

TEST_F(Tasks, ACycleOfTwoIsRefusedNamingTheCycle) {
  int64_t a = add("alpha"), b = add("beta");
  ok("tasks.depend", {{"id", a}, {"depends_on", b}});
  Status st = err("tasks.depend", {{"id", b}, {"depends_on", a}});
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("\"beta\" -> #" + std::to_string(a) + " \"alpha\" -> #" +
                              std::to_string(b) + " \"beta\""),
            std::string::npos)
      << st.message();
}

TEST_F(Tasks, ACycleOfFiveIsRefusedNamingEveryTask) {
  std::vector<int64_t> t;
  for (int i = 0; i < 5; ++i) t.push_back(add("t" + std::to_string(i)));
  for (int i = 0; i + 1 < 5; ++i) ok("tasks.depend", {{"id", t[i]}, {"depends_on", t[i + 1]}});
  Status st = err("tasks.depend", {{"id", t[4]}, {"depends_on", t[0]}});
  EXPECT_EQ(st.code(), Code::kConflict);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(st.message().find("\"t" + std::to_string(i) + "\""), std::string::npos)
        << st.message();
  }
  // The refused edge was not written: t4 is still ready once t0..t3 are done... it has no deps.
  EXPECT_TRUE(ok("tasks.get", {{"id", t[4]}})["depends_on"].empty());
}

TEST_F(Tasks, DeletingATaskRemovesItsEdgesAndDetachesSubtasks) {
  int64_t a = add("a"), b = add("b"), c = add("c");
  ok("tasks.depend", {{"id", a}, {"depends_on", b}});
  ok("tasks.depend", {{"id", b}, {"depends_on", c}});
  int64_t sub = add("sub", {{"parent_id", b}});
  Json r = ok("tasks.delete", {{"id", b}});
  EXPECT_EQ(r["subtasks_detached"], 1);
  EXPECT_TRUE(ok("tasks.get", {{"id", a}})["depends_on"].empty());
  EXPECT_TRUE(ok("tasks.get", {{"id", sub}})["parent_id"].is_null());
  EXPECT_EQ(err("tasks.get", {{"id", b}}).code(), Code::kNotFound);
  EXPECT_EQ(sqlite3(d.db_path(), "SELECT count(*) FROM task_dependencies;"), "0\n");
}

TEST_F(Tasks, AParentShowsItsSubtasksProgress) {
  int64_t p = add("parent");
  int64_t s1 = add("s1", {{"parent_id", p}});
  add("s2", {{"parent_id", p}});
  add("s3", {{"parent_id", p}});
  ok("tasks.update", {{"id", s1}, {"status", "done"}});
  Json parent = ok("tasks.get", {{"id", p}});
  EXPECT_EQ(parent["progress"], (Json{{"done", 1}, {"total", 3}}));
  EXPECT_EQ(parent["subtasks"].size(), 3u);
  EXPECT_EQ(ok("tasks.list", {{"parent_id", p}})["tasks"].size(), 3u);
  EXPECT_EQ(err("tasks.update", {{"id", p}, {"parent_id", s1}}).code(), Code::kConflict);
}

TEST_F(Tasks, ReadyListsOpenTasksWithDoneDependenciesByPriorityThenDue) {
  int64_t blocker = add("blocker", {{"priority", 1}});
  int64_t waits = add("waits", {{"priority", 5}, {"depends_on", {blocker}}});
  int64_t late = add("late", {{"priority", 4}, {"due", "2026-12-20"}});
  int64_t soon = add("soon", {{"priority", 4}, {"due", "2026-12-01"}});
  int64_t undated = add("undated", {{"priority", 4}});
  add("closed", {{"priority", 5}, {"status", "done"}});
  add("held", {{"priority", 5}, {"status", "blocked"}});
  EXPECT_EQ(ids(ok("tasks.ready")["tasks"]),
            (std::vector<int64_t>{soon, late, undated, blocker}));
  ok("tasks.update", {{"id", blocker}, {"status", "done"}});
  EXPECT_EQ(ids(ok("tasks.ready")["tasks"]), (std::vector<int64_t>{waits, soon, late, undated}));
  EXPECT_EQ(ok("tasks.ready", {{"limit", 2}})["tasks"].size(), 2u);
}

TEST_F(Tasks, ListFiltersAndPagesWithoutLosingOrRepeatingRows) {
  ok("lists.create", {{"name", "work"}});
  for (int i = 0; i < 25; ++i) {
    Json a{{"title", "task " + std::to_string(i)}, {"priority", 1 + i % 5}};
    if (i % 2) a["tags"] = {"odd"};
    if (i % 3 == 0) a["list_id"] = "work";
    if (i < 10) a["due"] = "2026-12-" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1);
    ok("tasks.create", a);
  }
  EXPECT_EQ(ok("tasks.list", {{"tag", "odd"}, {"limit", 100}})["tasks"].size(), 12u);
  EXPECT_EQ(ok("tasks.list", {{"list_id", "work"}})["tasks"].size(), 9u);
  EXPECT_EQ(ok("tasks.list", {{"due_before", "2026-12-05"}})["tasks"].size(), 4u);
  EXPECT_EQ(ok("tasks.list", {{"due_after", "2026-12-05"}})["tasks"].size(), 6u);
  EXPECT_EQ(ok("tasks.list", {{"text", "task 2"}})["tasks"].size(), 6u);  // 2, 20..24
  EXPECT_EQ(err("tasks.list", {{"sort", "colour"}}).message().find("sort") != std::string::npos,
            true);
  for (const char* sort : {"priority", "due", "created", "updated", "title"}) {
    std::set<int64_t> seen;
    Json after = nullptr;
    int pages = 0;
    do {
      Json a{{"sort", sort}, {"limit", 7}};
      if (!after.is_null()) a["after"] = after;
      Json page = ok("tasks.list", a);
      for (auto id : ids(page["tasks"])) EXPECT_TRUE(seen.insert(id).second) << sort;
      after = page["next"];
    } while (!after.is_null() && ++pages < 10);
    EXPECT_EQ(seen.size(), 25u) << sort;
  }
}

TEST_F(Tasks, AStaleVersionIsAConflictNeverASilentOverwrite) {
  int64_t id = add("shared");
  ipc::Client one = d.client(), two = d.client();
  Json read1 = *one.call("tasks.get", {{"id", id}});
  Json read2 = *two.call("tasks.get", {{"id", id}});
  auto w1 = one.call("tasks.update", {{"id", id}, {"version", read1["version"]}, {"title", "one"}});
  ASSERT_TRUE(w1.has_value());
  EXPECT_EQ((*w1)["version"], 2);
  auto w2 = two.call("tasks.update", {{"id", id}, {"version", read2["version"]}, {"title", "two"}});
  ASSERT_FALSE(w2.has_value());
  EXPECT_EQ(w2.status().code(), Code::kConflict);
  EXPECT_NE(w2.status().message().find("version"), std::string::npos);
  EXPECT_EQ(ok("tasks.get", {{"id", id}})["title"], "one");
  EXPECT_EQ(err("tasks.delete", {{"id", id}, {"version", 1}}).code(), Code::kConflict);
}

TEST_F(Tasks, OneTimeSessionRunsAtATimeAndStartingAnotherSaysItStoppedTheFirst) {
  int64_t a = add("first"), b = add("second");
  ok("time.start", {{"task_id", a}, {"at", "2026-11-20T09:00:00Z"}});
  Json r = ok("time.start", {{"task_id", b}, {"at", "2026-11-20T09:30:00Z"}});
  EXPECT_EQ(r["stopped"]["task_id"], a);
  EXPECT_EQ(r["stopped"]["duration_ms"], 30 * 60000);
  EXPECT_NE(r["message"].get<std::string>().find("stopped"), std::string::npos);
  Json active = ok("time.active")["session"];
  EXPECT_EQ(active["task_id"], b);
  EXPECT_EQ(sqlite3(d.db_path(), "SELECT count(*) FROM time_sessions WHERE ended_at IS NULL;"),
            "1\n");
  EXPECT_EQ(err("time.start", {{"task_id", a}, {"at", "2026-11-20T09:00:00Z"}}).code(),
            Code::kInvalidParams);
}

TEST_F(Tasks, PausesAccumulateAcrossMidnightAndActualTimeIsTheSumOfSessions) {
  int64_t id = add("night shift");
  ok("time.start", {{"task_id", id}, {"at", "2026-11-20T23:00:00Z"}});
  ok("time.pause", {{"at", "2026-11-20T23:40:00Z"}});
  EXPECT_EQ(err("time.pause", {{"at", "2026-11-20T23:45:00Z"}}).code(), Code::kConflict);
  ok("time.resume", {{"at", "2026-11-21T00:20:00Z"}});
  ok("time.pause", {{"at", "2026-11-21T00:30:00Z"}});
  Json stopped = ok("time.stop", {{"at", "2026-11-21T01:00:00Z"}, {"note", "done"}})["session"];
  // 23:00-23:40 and 00:20-00:30 worked; the second pause is closed by stop.
  EXPECT_EQ(stopped["duration_ms"], 50 * 60000);
  EXPECT_EQ(stopped["paused_ms"], 70 * 60000);
  EXPECT_EQ(stopped["breaks"].size(), 2u);
  EXPECT_EQ(stopped["note"], "done");
  ok("time.start", {{"task_id", id}, {"at", "2026-11-21T08:00:00Z"}});
  ok("time.stop", {{"at", "2026-11-21T08:15:00Z"}});
  Json task = ok("tasks.get", {{"id", id}});
  EXPECT_EQ(task["time_spent_ms"], 65 * 60000);
  EXPECT_EQ(task["actual_minutes"], 65);
  Json days = ok("time.report", {{"from", "2026-11-20"}, {"to", "2026-11-22"}, {"by", "day"}});
  ASSERT_EQ(days["rows"].size(), 2u);
  EXPECT_EQ(days["rows"][0]["key"], "2026-11-20");
  EXPECT_EQ(days["rows"][0]["ms"], 40 * 60000);
  EXPECT_EQ(days["rows"][1]["ms"], 25 * 60000);
  EXPECT_EQ(err("time.stop", Json::object()).code(), Code::kNotFound);
}

TEST_F(Tasks, ReportTotalsEqualTheSumOfSessionsByDayTaskAndList) {
  ok("lists.create", {{"name", "work"}});
  int64_t a = add("a", {{"list_id", "work"}}), b = add("b"), c = add("c", {{"list_id", "work"}});
  int64_t t = 1795600000000;  // 2026-11-25T...
  int64_t sum = 0;
  int64_t tasks[] = {a, b, c, a, b, a};
  for (int i = 0; i < 6; ++i) {
    int64_t start = t + i * 5 * 3600000LL, len = (i + 1) * 17 * 60000LL;
    ok("time.start", {{"task_id", tasks[i]}, {"at", start}});
    ok("time.stop", {{"at", start + len}});
    sum += len;
  }
  int64_t listed = ok("time.sessions", Json::object())["total_ms"].get<int64_t>();
  EXPECT_EQ(listed, sum);
  for (const char* by : {"day", "task", "list"}) {
    Json r = ok("time.report", {{"from", t - 86400000}, {"to", t + 3 * 86400000LL}, {"by", by}});
    int64_t rows = 0;
    for (const auto& row : r["rows"]) rows += row["ms"].get<int64_t>();
    EXPECT_EQ(r["total_ms"], sum) << by;
    EXPECT_EQ(rows, sum) << by;
  }
  Json by_list = ok("time.report", {{"from", t}, {"to", t + 3 * 86400000LL}, {"by", "list"}});
  EXPECT_EQ(by_list["rows"].size(), 2u);
  EXPECT_EQ(ok("time.sessions", {{"task_id", a}})["sessions"].size(), 3u);
  EXPECT_EQ(err("time.report", {{"from", t}, {"to", t}, {"by", "day"}}).code(), Code::kInvalidParams);
  EXPECT_NE(err("time.report", {{"from", t}, {"to", t + 1}, {"by", "week"}}).message().find("by"),
            std::string::npos);
}

TEST_F(Tasks, FocusSessionsAreScoredFromKeptTimeAndDistractions) {
  int64_t id = add("deep work");
  Json f = ok("focus.start", {{"task_id", id}, {"planned_minutes", 25}, {"at", "2026-11-20T10:00:00Z"}});
  EXPECT_EQ(err("focus.start", {{"task_id", id}, {"planned_minutes", 25}}).code(), Code::kConflict);
  Json done = ok("focus.complete", {{"id", f["id"]}, {"distractions", 2}, {"notes", "ok"},
                                    {"at", "2026-11-20T10:25:00Z"}});
  EXPECT_EQ(done["actual_minutes"], 25.0);
  EXPECT_EQ(done["score"], 80);
  EXPECT_EQ(done["running"], false);
  EXPECT_EQ(err("focus.complete", {{"id", f["id"]}}).code(), Code::kConflict);
  EXPECT_NE(err("focus.start", {{"task_id", id}, {"planned_minutes", 0}}).message().find(
                "planned_minutes"),
            std::string::npos);
}

TEST_F(Tasks, SubscribersReceiveTaskAndTimeEvents) {
  ipc::Client sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"tasks", "time"}}}).has_value());
  int64_t id = add("watched");
  ok("tasks.update", {{"id", id}, {"status", "in_progress"}});
  ok("time.start", {{"task_id", id}});
  ok("time.stop", Json::object());
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto n = sub.next_notification(5000);
    ASSERT_TRUE(n.has_value()) << n.status().to_string();
    const Json& e = n->params[0];
    seen.push_back(e["topic"].get<std::string>() + "/" + e["kind"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"tasks/insert", "tasks/update", "time/insert",
                                            "time/update"}));
}

TEST_F(Tasks, EverythingSurvivesARestart) {
  ok("lists.create", {{"name", "work"}});
  int64_t a = add("kept", {{"list_id", "work"}, {"tags", {"x"}}, {"priority", 5}});
  int64_t b = add("dep", {{"depends_on", {a}}});
  ok("time.start", {{"task_id", a}, {"at", "2026-11-20T09:00:00Z"}});
  ok("time.pause", {{"at", "2026-11-20T09:10:00Z"}});
  ok("focus.start", {{"task_id", a}, {"planned_minutes", 50}});
  d.kill9();
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok()) << again.log();
  Json t = *again.call("tasks.get", {{"id", a}});
  EXPECT_EQ(t["list"], "work");
  EXPECT_EQ(t["tags"], Json::array({"x"}));
  EXPECT_EQ((*again.call("tasks.get", {{"id", b}}))["depends_on"], Json::array({a}));
  Json active = *again.call("time.active");
  EXPECT_EQ(active["session"]["task_id"], a);
  EXPECT_EQ(active["session"]["paused"], true);
  EXPECT_EQ(active["session"]["elapsed_ms"], 10 * 60000);
  EXPECT_EQ(active["focus"]["planned_minutes"], 50);
  EXPECT_EQ((*again.call("lists.list"))["lists"].size(), 2u);
  // Ids are never reused after a restart.
  EXPECT_GT((*again.call("tasks.create", {{"title", "new"}}))["id"].get<int64_t>(), b);
}

TEST_F(Tasks, TheCliAddsListsShowsAndTracksTasks) {
  std::map<std::string, std::string> env{{"CAIRN_SOCKET", d.socket_path()}};
  auto cairn = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {DaemonProcess::binary("cairn"), "--no-spawn"});
    return run_command(args, env);
  };
  EXPECT_EQ(cairn({"list", "add", "work"}).status, 0);
  auto added = cairn({"task", "add", "Write parser", "--priority", "4", "--due", "2026-12-01",
                      "--tag", "api", "--list", "work", "--estimate", "90m"});
  ASSERT_EQ(added.status, 0) << added.output;
  EXPECT_NE(added.output.find("added #1 Write parser"), std::string::npos) << added.output;
  EXPECT_EQ(cairn({"task", "add", "Lexer", "--parent", "1"}).status, 0);
  auto ls = cairn({"task", "ls"});
  EXPECT_NE(ls.output.find("Write parser"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("2026-12-01"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("0/1"), std::string::npos) << ls.output;
  auto show = cairn({"task", "show", "1"});
  EXPECT_NE(show.output.find("1h30m"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("Lexer"), std::string::npos) << show.output;
  auto cycle = cairn({"task", "edit", "1", "--depend", "1"});
  EXPECT_EQ(cycle.status, 1);
  EXPECT_NE(cycle.output.find("CONFLICT"), std::string::npos) << cycle.output;
  EXPECT_EQ(cairn({"timer", "start", "1", "--at", "2026-11-20T09:00:00Z"}).status, 0);
  auto timer = cairn({"timer"});
  EXPECT_NE(timer.output.find("running: #1 Write parser"), std::string::npos) << timer.output;
  EXPECT_EQ(cairn({"timer", "stop", "--at", "2026-11-20T10:30:00Z"}).status, 0);
  auto report = cairn({"report", "--from", "2026-11-20", "--to", "2026-11-21", "--by", "task"});
  EXPECT_NE(report.output.find("1h30m"), std::string::npos) << report.output;
  EXPECT_EQ(cairn({"task", "done", "2"}).status, 0);
  auto ready = cairn({"task", "ready"});
  EXPECT_NE(ready.output.find("Write parser"), std::string::npos) << ready.output;
  EXPECT_EQ(cairn({"focus", "start", "1", "--minutes", "25"}).status, 0);
  auto focus = cairn({"focus", "done", "--distractions", "1"});
  EXPECT_NE(focus.output.find("1 distractions"), std::string::npos) << focus.output;
  auto rm = cairn({"list", "rm", "work"});
  EXPECT_EQ(rm.status, 1);
  EXPECT_NE(rm.output.find("--move-to"), std::string::npos) << rm.output;
  EXPECT_EQ(cairn({"list", "rm", "work", "--move-to", "default"}).status, 0);
  EXPECT_EQ(cairn({"task", "rm", "1"}).status, 0);
}

}  // namespace
}  // namespace cairn::testing
