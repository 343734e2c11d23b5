// Workflow beyond approvals: notifications pushed to subscribers, agent runs
// that move only along legal edges, reviews whose feedback editors fetch per
// file, retention of expired approvals, and a restart that keeps everything.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "base/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

Json must(const Result<Json>& r) {
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

Code code_of(const Result<Json>& r) { return r ? Code::kOk : r.status().code(); }

// The next event of `topic` for entity `id` (skipping others), or null.
Json next_event(ipc::Client& c, const std::string& topic, const std::string& id,
                int64_t within_ms = 10000) {
  int64_t deadline = monotonic_ms() + within_ms;
  while (monotonic_ms() < deadline) {
    auto n = c.next_notification(500);
    if (!n) continue;
    for (const auto& e : n->params) {
      if (e["topic"] == topic && e["id"] == id) return e;
    }
  }
  return nullptr;
}

TEST(Notifications, ACreatedNotificationIsPushedToASubscriberWithItsContent) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"notifications"}}}));
  Json n = must(d.call("notifications.create", {{"title", "Build broke"},
                                                {"message", "main is red"},
                                                {"priority", "urgent"},
                                                {"type", "ci"},
                                                {"data", {{"job", 42}}}}));
  EXPECT_EQ(n["status"], "unread");
  Json e = next_event(sub, "notifications", n["id"]);
  ASSERT_FALSE(e.is_null()) << "no event for the new notification";
  EXPECT_EQ(e["kind"], "insert");
  EXPECT_EQ(e["title"], "Build broke");
  EXPECT_EQ(e["priority"], "urgent");
  EXPECT_EQ(e["data"]["job"], 42);

  Json read = must(d.call("notifications.mark", {{"id", n["id"]}, {"status", "read"}}));
  EXPECT_EQ(read["status"], "read");
  EXPECT_TRUE(read["read_at"].is_string());
  Json e2 = next_event(sub, "notifications", n["id"]);
  ASSERT_FALSE(e2.is_null()) << "no event for marking it read";
  EXPECT_EQ(e2["kind"], "update");
  EXPECT_EQ(e2["status"], "read");
  Json list = must(d.call("notifications.list", {{"status", "unread"}}));
  EXPECT_TRUE(list["notifications"].empty());
  EXPECT_EQ(list["unread"], 0);
}

TEST(Notifications, BadFieldsAreRefusedNamingTheField) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  struct Case {
    const char* method;
    Json args;
    const char* field;
  };
  std::vector<Case> cases = {
      {"notifications.create", Json{{"message", "x"}}, "title"},
      {"notifications.create", Json{{"title", "x"}, {"priority", "now"}}, "priority"},
      {"notifications.create", Json{{"title", "x"}, {"data", Json::binary({0xff, 0x00})}}, "data"},
      {"notifications.mark", Json{{"id", "x"}, {"status", "gone"}}, "status"},
      {"notifications.list", Json{{"status", "new"}}, "status"},
  };
  for (const auto& c : cases) {
    auto r = d.call(c.method, c.args);
    ASSERT_FALSE(r) << c.method;
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().to_string();
  }
  EXPECT_EQ(code_of(d.call("notifications.mark", {{"id", "nope"}, {"status", "read"}})),
            Code::kNotFound);
}

TEST(Runs, MoveOnlyAlongLegalTransitionsAndStampTheirTimes) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json run = must(d.call("runs.create", {{"id", "run-1"},
                                         {"task_id", "t-9"},
                                         {"instruction", "fix the flaky test"},
                                         {"executor", "claude"}}));
  EXPECT_EQ(run["status"], "queued");
  EXPECT_TRUE(run["started_at"].is_null());
  // queued cannot finish without running.
  for (const char* to : {"succeeded", "failed"}) {
    auto r = d.call("runs.update", {{"id", "run-1"}, {"status", to}});
    EXPECT_EQ(code_of(r), Code::kConflict) << to;
    if (!r) {
      EXPECT_NE(r.status().message().find("queued"), std::string::npos);
    }
  }
  Json running = must(
      d.call("runs.update", {{"id", "run-1"}, {"status", "running"}, {"append_logs", "step 1\n"}}));
  EXPECT_EQ(running["status"], "running");
  EXPECT_TRUE(running["started_at"].is_string());
  EXPECT_TRUE(running["finished_at"].is_null());
  // The same status again is a safe retry, not a transition.
  must(
      d.call("runs.update", {{"id", "run-1"}, {"status", "running"}, {"append_logs", "step 2\n"}}));
  EXPECT_EQ(code_of(d.call("runs.update", {{"id", "run-1"}, {"status", "queued"}})),
            Code::kConflict);
  Json done = must(d.call("runs.update", {{"id", "run-1"},
                                          {"status", "succeeded"},
                                          {"summary", "made it deterministic"},
                                          {"patch", "--- a/x\n+++ b/x\n"},
                                          {"files_changed", {"src/x.cc", "tests/x_test.cc"}}}));
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_TRUE(done["finished_at"].is_string());
  // Final states are final.
  for (const char* to : {"running", "failed", "canceled", "queued"}) {
    EXPECT_EQ(code_of(d.call("runs.update", {{"id", "run-1"}, {"status", to}})), Code::kConflict)
        << to;
  }
  Json got = must(d.call("runs.get", {{"id", "run-1"}}));
  EXPECT_EQ(got["logs"], "step 1\nstep 2\n");
  EXPECT_EQ(got["patch"], "--- a/x\n+++ b/x\n");
  EXPECT_EQ(got["files_changed"], Json({"src/x.cc", "tests/x_test.cc"}));
  // Lists leave the patch and logs out but say how big they are.
  Json list = must(d.call("runs.list", {{"task_id", "t-9"}}));
  ASSERT_EQ(list["runs"].size(), 1u);
  EXPECT_FALSE(list["runs"][0].contains("logs"));
  EXPECT_EQ(list["runs"][0]["log_bytes"], 14);

  // A queued run may be canceled without running.
  must(d.call("runs.create", {{"id", "run-2"}, {"instruction", "never mind"}}));
  Json canceled = must(d.call("runs.update", {{"id", "run-2"}, {"status", "canceled"}}));
  EXPECT_TRUE(canceled["finished_at"].is_string());
  EXPECT_EQ(code_of(d.call("runs.update", {{"id", "nope"}, {"status", "running"}})),
            Code::kNotFound);
  EXPECT_EQ(code_of(d.call("runs.update", {{"id", "run-2"}, {"status", "done"}})),
            Code::kInvalidParams);
  EXPECT_EQ(code_of(d.call("runs.update", {{"id", "run-2"}, {"files_changed", "x"}})),
            Code::kInvalidParams);
}

TEST(Runs, CreateWithTheSameIdIsIdempotentAndDifferentContentConflicts) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json args{{"id", "r"}, {"instruction", "do it"}};
  Json a = must(d.call("runs.create", args));
  EXPECT_EQ(must(d.call("runs.create", args)), a);
  args["instruction"] = "do something else";
  auto clash = d.call("runs.create", args);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.status().code(), Code::kConflict);
  EXPECT_NE(clash.status().message().find("instruction"), std::string::npos);
}

TEST(Reviews, FeedbackForAFileListsItsItemsNewestReviewFirst) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  must(d.call("runs.create", {{"id", "run-1"}, {"instruction", "refactor"}}));
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"reviews"}}}));
  Json first = must(d.call(
      "reviews.create",
      {{"id", "rev-1"},
       {"task_id", "t-1"},
       {"run_ids", {"run-1"}},
       {"summary", "mostly fine"},
       {"score", 80},
       {"feedback",
        {{{"file", "/src/a.cc"},
          {"line_start", 3},
          {"line_end", 5},
          {"severity", "error"},
          {"category", "bug"},
          {"title", "off by one"},
          {"suggestion", "use <"}},
         {{"file", "/src/b.cc"}, {"title", "naming"}},
         {{"file", "/src/a.cc"}, {"line_start", 10}, {"severity", "hint"}, {"title", "nit"}}}}}));
  EXPECT_EQ(first["feedback"].size(), 3u);
  Json e = next_event(sub, "reviews", "rev-1");
  ASSERT_FALSE(e.is_null());
  EXPECT_EQ(e["feedback_count"], 3);
  EXPECT_EQ(e["files"], Json({"/src/a.cc", "/src/b.cc"}));
  ::usleep(5000);  // created_at orders the reviews
  must(d.call("reviews.create",
              {{"id", "rev-2"},
               {"feedback", {{{"file", "/src/a.cc"}, {"line_start", 1}, {"title", "header"}}}}}));

  Json fb = must(d.call("reviews.feedback_for_file", {{"path", "/src/a.cc"}}));
  ASSERT_EQ(fb["feedback"].size(), 3u);
  EXPECT_EQ(fb["feedback"][0]["review_id"], "rev-2");
  EXPECT_EQ(fb["feedback"][1]["title"], "off by one");
  EXPECT_EQ(fb["feedback"][1]["line_start"], 3);
  EXPECT_EQ(fb["feedback"][1]["line_end"], 5);
  EXPECT_EQ(fb["feedback"][1]["severity"], "error");
  EXPECT_EQ(fb["feedback"][1]["suggestion"], "use <");
  EXPECT_EQ(fb["feedback"][2]["severity"], "hint");
  EXPECT_EQ(must(d.call("reviews.feedback_for_file", {{"path", "/src/b.cc"}}))["feedback"].size(),
            1u);
  EXPECT_TRUE(
      must(d.call("reviews.feedback_for_file", {{"path", "/src/c.cc"}}))["feedback"].empty());
  Json listed = must(d.call("reviews.list", {{"task_id", "t-1"}}));
  ASSERT_EQ(listed["reviews"].size(), 1u);
  EXPECT_EQ(listed["reviews"][0]["feedback_count"], 3);
  EXPECT_EQ(must(d.call("reviews.list"))["reviews"].size(), 2u);
  Json got = must(d.call("reviews.get", {{"id", "rev-1"}}));
  EXPECT_EQ(got["score"], 80.0);
  EXPECT_EQ(got["run_ids"], Json({"run-1"}));
}

TEST(Reviews, ABadFeedbackItemIsNamedAndNothingIsWritten) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json good{{"file", "/a"}, {"title", "ok"}};
  struct Case {
    Json item;
    const char* names;
  };
  std::vector<Case> cases = {
      {Json{{"title", "no file"}}, "feedback[1].file"},
      {Json{{"file", "/a"}, {"title", "x"}, {"severity", "fatal"}}, "feedback[1].severity"},
      {Json{{"file", "/a"}, {"title", "x"}, {"line_start", 5}, {"line_end", 2}},
       "feedback[1].line_end"},
      {Json{{"file", "/a"}, {"title", "x"}, {"line_start", 0}}, "feedback[1].line_start"},
      {Json{{"file", "/a"}, {"title", "x"}, {"colour", "red"}}, "feedback[1].colour"},
  };
  for (const auto& c : cases) {
    auto r = d.call("reviews.create", {{"id", "rev"}, {"feedback", {good, c.item}}});
    ASSERT_FALSE(r) << c.item.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidParams);
    EXPECT_NE(r.status().message().find(c.names), std::string::npos) << r.status().to_string();
  }
  auto missing_run = d.call("reviews.create", {{"id", "rev"}, {"run_ids", {"nope"}}});
  EXPECT_EQ(code_of(missing_run), Code::kNotFound);
  EXPECT_EQ(code_of(d.call("reviews.get", {{"id", "rev"}})), Code::kNotFound);
  EXPECT_TRUE(must(d.call("reviews.feedback_for_file", {{"path", "/a"}}))["feedback"].empty());
}

// Feedback written before migration 0008 took its review's time from the
// reviews table; after the upgrade it lists in the same order as new feedback.
TEST(Reviews, FeedbackFromBeforeTheUpgradeKeepsItsOrder) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  must(d.call("reviews.create",
              {{"id", "old-1"}, {"feedback", {{{"file", "/f"}, {"title", "a"}}}}}));
  ::usleep(5000);
  must(
      d.call("reviews.create",
             {{"id", "old-2"},
              {"feedback", {{{"file", "/f"}, {"title", "b"}}, {{"file", "/f"}, {"title", "c"}}}}}));
  d.terminate();
  auto down = run_command(
      {DaemonProcess::binary("cairnd"), "migrate", "--to", "7", "--data-dir", d.data_dir()});
  ASSERT_EQ(down.status, 0) << down.output;
  EXPECT_EQ(sqlite3(d.db_path(),
                    "SELECT count(*) FROM pragma_table_info('review_feedback') "
                    "WHERE name = 'review_created_at';"),
            "0\n");

  DaemonProcess up(d, {});  // applies 0008 again, filling in each item's time
  ASSERT_TRUE(up.start().is_ok());
  ::usleep(5000);
  must(
      up.call("reviews.create", {{"id", "new"}, {"feedback", {{{"file", "/f"}, {"title", "d"}}}}}));
  Json fb = must(up.call("reviews.feedback_for_file", {{"path", "/f"}}));
  std::vector<std::string> titles;
  for (const auto& f : fb["feedback"]) titles.push_back(f["title"]);
  EXPECT_EQ(titles, (std::vector<std::string>{"d", "b", "c", "a"}));
  EXPECT_EQ(sqlite3(up.db_path(),
                    "SELECT count(*) FROM review_feedback WHERE review_created_at = "
                    "(SELECT created_at FROM reviews WHERE id = review_id);"),
            "4\n");
}

// A document exported before migration 0008 has no review_created_at: the
// import fills it in from the reviews, so the order is the same.
TEST(Reviews, FeedbackImportedFromAnOlderExportKeepsItsOrder) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  must(a.call("reviews.create", {{"id", "r-1"}, {"feedback", {{{"file", "/f"}, {"title", "a"}}}}}));
  ::usleep(5000);
  must(a.call("reviews.create", {{"id", "r-2"}, {"feedback", {{{"file", "/f"}, {"title", "b"}}}}}));
  Json doc = must(a.call("db.export", {{"tables", {"reviews", "review_feedback"}}}));
  Json& fb = doc["tables"]["review_feedback"];
  auto at = std::find(fb["columns"].begin(), fb["columns"].end(), "review_created_at");
  ASSERT_NE(at, fb["columns"].end());
  size_t col = static_cast<size_t>(at - fb["columns"].begin());
  fb["columns"].erase(col);
  for (auto& row : fb["rows"]) row.erase(col);
  doc["schema_version"] = 7;

  DaemonProcess b;
  ASSERT_TRUE(b.start().is_ok());
  must(b.call("db.import", {{"document", doc}, {"mode", "replace"}}));
  Json got = must(b.call("reviews.feedback_for_file", {{"path", "/f"}}));
  ASSERT_EQ(got["feedback"].size(), 2u);
  EXPECT_EQ(got["feedback"][0]["title"], "b");
  EXPECT_EQ(got["feedback"][1]["title"], "a");
  EXPECT_EQ(sqlite3(b.db_path(),
                    "SELECT count(*) FROM review_feedback WHERE review_created_at = "
                    "(SELECT created_at FROM reviews WHERE id = review_id);"),
            "2\n");
}

TEST(Retention, RemovesApprovalsExpiredLongAgoAndKeepsDecidedOnes) {
  TempDir conf;
  write_file(conf / "cairnd.toml",
             "approval_expiry_interval_ms = 0\nexpired_approvals_retention_days = 30\n");
  DaemonProcess d(DaemonOptions{.args = {"--config", conf / "cairnd.toml"}});
  ASSERT_TRUE(d.start().is_ok());
  int64_t day = 86400000;
  int64_t now = wall_ms();
  must(d.call("approvals.request",
              {{"id", "old"}, {"action_type", "a"}, {"expires_at", now - 41 * day}}));
  must(d.call("approvals.request",
              {{"id", "recent"}, {"action_type", "b"}, {"expires_at", now - 2 * day}}));
  must(d.call("approvals.request", {{"id", "decided"}, {"action_type", "c"}}));
  must(d.call("approvals.decide", {{"id", "decided"}, {"decision", "approve"}}));
  // Expired as if the pass had run 40 days ago for the first, now for the second.
  must(d.call("debug.expire_approvals", {{"at", now - 40 * day}}));
  must(d.call("debug.expire_approvals", {}));
  must(d.call("debug.run_retention"));
  Json removed;
  int64_t deadline = monotonic_ms() + 10000;
  while (monotonic_ms() < deadline) {
    Json st = must(d.call("daemon.status"));
    if (st.contains("retention") && st["retention"].is_object()) {
      removed = st["retention"]["removed"];
      break;
    }
    ::usleep(20000);
  }
  ASSERT_TRUE(removed.is_object()) << "retention never reported";
  EXPECT_EQ(removed["expired_approvals"], 1);
  Json all = must(d.call("approvals.list"));
  std::vector<std::string> ids;
  for (const auto& a : all["approvals"]) ids.push_back(a["id"]);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"decided", "recent"}));
}

TEST(Workflow, ARestartAfterKill9KeepsApprovalsNotificationsRunsAndReviews) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  must(d.call("approvals.request", {{"id", "ap"}, {"action_type", "push"}}));
  must(d.call("approvals.request", {{"id", "ap2"}, {"action_type", "tag"}}));
  must(d.call("approvals.decide", {{"id", "ap2"}, {"decision", "reject"}, {"note", "no"}}));
  must(d.call("notifications.create", {{"id", "n1"}, {"title", "hello"}}));
  must(d.call("runs.create", {{"id", "run"}, {"instruction", "go"}}));
  must(d.call("runs.update", {{"id", "run"}, {"status", "running"}, {"append_logs", "x"}}));
  must(d.call(
      "reviews.create",
      {{"id", "rev"}, {"run_ids", {"run"}}, {"feedback", {{{"file", "/f"}, {"title", "t"}}}}}));
  Json before_ap = must(d.call("approvals.list"));
  Json before_run = must(d.call("runs.get", {{"id", "run"}}));
  Json before_rev = must(d.call("reviews.get", {{"id", "rev"}}));
  d.kill9();

  DaemonProcess b(d, {});
  ASSERT_TRUE(b.start().is_ok());
  EXPECT_EQ(must(b.call("approvals.list")), before_ap);
  EXPECT_EQ(must(b.call("runs.get", {{"id", "run"}})), before_run);
  EXPECT_EQ(must(b.call("reviews.get", {{"id", "rev"}})), before_rev);
  Json notes = must(b.call("notifications.list"));
  EXPECT_EQ(notes["notifications"].size(), 3u);  // two approval requests and n1
  EXPECT_EQ(notes["unread"], 2);                 // ap2's was settled by its decision
  // Decisions and transitions still hold after the restart.
  EXPECT_EQ(code_of(b.call("approvals.decide", {{"id", "ap2"}, {"decision", "approve"}})),
            Code::kConflict);
  must(b.call("approvals.decide", {{"id", "ap"}, {"decision", "approve"}}));
  EXPECT_EQ(code_of(b.call("runs.update", {{"id", "run"}, {"status", "queued"}})), Code::kConflict);
  must(b.call("runs.update", {{"id", "run"}, {"status", "succeeded"}}));
}

TEST(Workflow, ApprovalsThatExpireWhileTheDaemonIsDownExpireAfterTheRestart) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  must(d.call("approvals.request",
              {{"id", "ap"}, {"action_type", "push"}, {"expires_at", wall_ms() + 60000}}));
  ASSERT_EQ(d.terminate(), 0);
  // The test moves the deadline into the past by editing the stopped
  // daemon's database, as if the daemon had been down for a long time.
  sqlite3(d.db_path(), "UPDATE approvals SET expires_at = 1000 WHERE id = 'ap';");
  DaemonProcess b(d, {});
  ASSERT_TRUE(b.start().is_ok());
  Json r = must(b.call("approvals.wait", {{"id", "ap"}, {"timeout_ms", 20000}}));
  EXPECT_EQ(r["status"], "expired");
  EXPECT_EQ(r["timed_out"], false);
}

TEST(Workflow, CliShowsRunsAndTheInbox) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  must(d.call("runs.create",
              {{"id", "run-7"}, {"instruction", "write the docs"}, {"executor", "codex"}}));
  must(d.call("runs.update", {{"id", "run-7"}, {"status", "running"}, {"append_logs", "hello\n"}}));
  must(d.call("notifications.create", {{"title", "Tests pass"}, {"message", "all green"}}));
  std::vector<std::string> base = {DaemonProcess::binary("cairn"), "--no-spawn", "--socket",
                                   d.socket_path()};
  auto with = [&](std::vector<std::string> more) {
    auto argv = base;
    argv.insert(argv.end(), more.begin(), more.end());
    return run_command(argv);
  };
  auto ls = with({"runs", "ls"});
  EXPECT_EQ(ls.status, 0) << ls.output;
  EXPECT_NE(ls.output.find("run-7"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("running"), std::string::npos) << ls.output;
  auto show = with({"runs", "show", "run-7"});
  EXPECT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("write the docs"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("hello"), std::string::npos) << show.output;
  EXPECT_EQ(with({"runs", "show", "nope"}).status, 1);
  auto inbox = with({"inbox"});
  EXPECT_EQ(inbox.status, 0) << inbox.output;
  EXPECT_NE(inbox.output.find("Tests pass"), std::string::npos) << inbox.output;
  // Shown once, then read.
  auto again = with({"inbox"});
  EXPECT_NE(again.output.find("inbox empty"), std::string::npos) << again.output;
  auto all = with({"--json", "inbox", "--all"});
  EXPECT_NE(all.output.find("\"read\""), std::string::npos) << all.output;
}

}  // namespace
}  // namespace cairn::testing
