// Approvals: a request raises a notification, a decision happens once, pending
// approvals expire (with an explicit clock and on the daemon's timer), and
// approvals.wait answers on approve, reject, expiry and timeout without holding
// up any other request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "base/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

Json must(const Result<Json>& r) {
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

std::string iso(int64_t ms) { return format_iso8601(ms); }

Json find_by_id(const Json& list, const std::string& id) {
  for (const auto& x : list) {
    if (x["id"] == id) return x;
  }
  return nullptr;
}

TEST(Approvals, RequestIsPendingAndRaisesANotification) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json a = must(d.call("approvals.request", {{"action_type", "git push"},
                                             {"details", {{"branch", "main"}}},
                                             {"requested_by", "agent-7"},
                                             {"task_id", "t1"}}));
  EXPECT_EQ(a["status"], "pending");
  EXPECT_EQ(a["details"]["branch"], "main");
  EXPECT_TRUE(a["decided_at"].is_null());
  std::string id = a["id"];
  Json pending = must(d.call("approvals.list", {{"status", "pending"}}));
  EXPECT_FALSE(find_by_id(pending["approvals"], id).is_null());
  Json inbox = must(d.call("notifications.list", {{"status", "unread"}}));
  ASSERT_EQ(inbox["notifications"].size(), 1u);
  const Json& n = inbox["notifications"][0];
  EXPECT_EQ(n["type"], "approval");
  EXPECT_EQ(n["data"]["approval_id"], id);
  EXPECT_NE(n["title"].get<std::string>().find("git push"), std::string::npos);
}

TEST(Approvals, RequestWithTheSameIdIsIdempotentAndDifferentContentConflicts) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json args{{"id", "ap-1"}, {"action_type", "rm -rf build"}, {"details", {1, 2}}};
  Json first = must(d.call("approvals.request", args));
  Json again = must(d.call("approvals.request", args));
  EXPECT_EQ(first, again);
  // One notification, not two.
  EXPECT_EQ(must(d.call("notifications.list"))["notifications"].size(), 1u);
  args["action_type"] = "rm -rf /";
  auto clash = d.call("approvals.request", args);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.status().code(), Code::kConflict);
  EXPECT_NE(clash.status().message().find("action_type"), std::string::npos);
}

TEST(Approvals, ADecisionHappensOnceAndASecondNamesTheCurrentStatus) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "deploy"}}))["id"];
  Json decided =
      must(d.call("approvals.decide", {{"id", id}, {"decision", "reject"}, {"note", "not today"}}));
  EXPECT_EQ(decided["status"], "rejected");
  EXPECT_EQ(decided["decision_note"], "not today");
  EXPECT_TRUE(decided["decided_at"].is_string());
  // The request's notification is no longer something to act on.
  Json inbox = must(d.call("notifications.list", {{"status", "unread"}}));
  EXPECT_TRUE(inbox["notifications"].empty()) << inbox.dump();
  for (const char* decision : {"approve", "reject"}) {
    auto again = d.call("approvals.decide", {{"id", id}, {"decision", decision}});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.status().code(), Code::kConflict);
    EXPECT_NE(again.status().message().find("rejected"), std::string::npos);
  }
  auto missing = d.call("approvals.decide", {{"id", "nope"}, {"decision", "approve"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(Approvals, ValidationErrorsNameTheField) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  struct Case {
    const char* method;
    Json args;
    const char* field;
  };
  std::vector<Case> cases = {
      {"approvals.request", Json{{"details", 1}}, "action_type"},
      {"approvals.request", Json{{"action_type", "x"}, {"expires_at", "tomorrow"}}, "expires_at"},
      {"approvals.request", Json{{"action_type", "x"}, {"colour", "red"}}, "colour"},
      {"approvals.decide", Json{{"id", "x"}, {"decision", "maybe"}}, "decision"},
      {"approvals.list", Json{{"status", "lost"}}, "status"},
      {"approvals.wait", Json{{"id", "x"}, {"timeout_ms", -1}}, "timeout_ms"},
      {"approvals.wait", Json{{"id", "x"}}, "timeout_ms"},
  };
  for (const auto& c : cases) {
    auto r = d.call(c.method, c.args);
    ASSERT_FALSE(r) << c.method << " " << c.args.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().to_string();
  }
}

TEST(Approvals, ExpireWithAnExplicitClock) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int64_t now = wall_ms();
  // An hour away: the daemon's own timer cannot reach it during the test.
  std::string id = must(d.call(
      "approvals.request", {{"action_type", "merge"}, {"expires_at", iso(now + 3600000)}}))["id"];
  Json early = must(d.call("debug.expire_approvals", {{"at", iso(now + 1800000)}}));
  EXPECT_TRUE(early["expired"].empty());
  Json on_time = must(d.call("debug.expire_approvals", {{"at", now + 3600000}}));
  ASSERT_EQ(on_time["expired"].size(), 1u);
  EXPECT_EQ(on_time["expired"][0], id);
  Json expired = must(d.call("approvals.list", {{"status", "expired"}}));
  ASSERT_EQ(expired["approvals"].size(), 1u);
  EXPECT_EQ(expired["approvals"][0]["decided_at"], iso(now + 3600000));
  auto late = d.call("approvals.decide", {{"id", id}, {"decision", "approve"}});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.status().code(), Code::kConflict);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
}

TEST(Approvals, DecidingAfterTheDeadlineIsRefusedEvenBeforeTheExpiryPass) {
  // No expiry timer: the approval stays pending past its deadline, and the
  // decision must still be refused by the daemon's own clock.
  TempDir conf;
  write_file(conf / "cairnd.toml", "approval_expiry_interval_ms = 0\n");
  DaemonProcess d(DaemonOptions{.args = {"--config", conf / "cairnd.toml"}});
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request",
                               {{"action_type", "merge"}, {"expires_at", wall_ms() + 200}}))["id"];
  ::usleep(400000);
  EXPECT_EQ(must(d.call("approvals.list", {{"status", "pending"}}))["approvals"].size(), 1u);
  auto late = d.call("approvals.decide", {{"id", id}, {"decision", "approve"}});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.status().code(), Code::kConflict);
  EXPECT_NE(late.status().message().find("expired at"), std::string::npos);
  // A caller cannot move the clock back.
  auto backdated =
      d.call("approvals.decide", {{"id", id}, {"decision", "approve"}, {"at", wall_ms() - 60000}});
  ASSERT_FALSE(backdated);
  EXPECT_EQ(backdated.status().code(), Code::kInvalidParams);
}

TEST(Approvals, TheTimerExpiresPendingApprovalsAndSubscribersHearIt) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"approvals"}}}));
  std::string id = must(d.call("approvals.request", {{"action_type", "tag release"},
                                                     {"expires_at", wall_ms() + 300}}))["id"];
  bool heard_expiry = false;
  int64_t deadline = monotonic_ms() + 15000;
  while (!heard_expiry && monotonic_ms() < deadline) {
    auto n = sub.next_notification(1000);
    if (!n) continue;
    for (const auto& e : n->params) {
      if (e["id"] == id && e["status"] == "expired") heard_expiry = true;
    }
  }
  EXPECT_TRUE(heard_expiry);
  Json list = must(d.call("approvals.list", {{"status", "expired"}}));
  EXPECT_FALSE(find_by_id(list["approvals"], id).is_null());
}

// Sends approvals.wait on its own connection, checks that a ping on the same
// connection and one on another answer while it waits, runs `act`, and
// returns the wait's answer.
Json wait_while(DaemonProcess& d, const std::string& id, int64_t timeout_ms,
                const std::function<void()>& act) {
  auto c = d.client();
  auto msgid = c.send("approvals.wait", {{"id", id}, {"timeout_ms", timeout_ms}});
  EXPECT_TRUE(msgid);
  if (!msgid) return nullptr;
  int64_t start = monotonic_ms();
  auto ping_id = c.send("daemon.ping", nullptr);
  EXPECT_TRUE(ping_id);
  auto pong = c.wait(*ping_id, 5000);
  EXPECT_TRUE(pong) << "a ping on the waiting connection must answer: "
                    << pong.status().to_string();
  EXPECT_TRUE(d.call("daemon.ping"));
  // Loose bound: the machine is loaded, but a blocked thread would take the
  // whole wait.
  EXPECT_LT(monotonic_ms() - start, 3000);
  act();
  auto r = c.wait(*msgid, static_cast<int>(timeout_ms) + 15000);
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

TEST(Approvals, WaitReturnsWhenApproved) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  Json r = wait_while(d, id, 30000, [&] {
    must(d.call("approvals.decide", {{"id", id}, {"decision", "approve"}, {"note", "go"}}));
  });
  EXPECT_EQ(r["status"], "approved");
  EXPECT_EQ(r["decision_note"], "go");
  EXPECT_EQ(r["timed_out"], false);
}

TEST(Approvals, WaitReturnsWhenRejected) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  Json r = wait_while(d, id, 30000, [&] {
    must(d.call("approvals.decide", {{"id", id}, {"decision", "reject"}}));
  });
  EXPECT_EQ(r["status"], "rejected");
  EXPECT_EQ(r["timed_out"], false);
}

TEST(Approvals, WaitReturnsWhenTheApprovalExpires) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request",
                               {{"action_type", "push"}, {"expires_at", wall_ms() + 1500}}))["id"];
  int64_t start = monotonic_ms();
  Json r = wait_while(d, id, 60000, [] {});
  EXPECT_EQ(r["status"], "expired");
  EXPECT_EQ(r["timed_out"], false);
  EXPECT_LT(monotonic_ms() - start, 30000);
}

TEST(Approvals, WaitReturnsPendingWhenItTimesOut) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  Json r = wait_while(d, id, 500, [] {});
  EXPECT_EQ(r["status"], "pending");
  EXPECT_EQ(r["timed_out"], true);
  // Still decidable afterwards.
  EXPECT_TRUE(d.call("approvals.decide", {{"id", id}, {"decision", "approve"}}));
}

TEST(Approvals, WaitOnADecidedApprovalAnswersAtOnceAndOnAnUnknownIdIsNotFound) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  must(d.call("approvals.decide", {{"id", id}, {"decision", "approve"}}));
  int64_t start = monotonic_ms();
  Json r = must(d.call("approvals.wait", {{"id", id}, {"timeout_ms", 60000}}));
  EXPECT_EQ(r["status"], "approved");
  EXPECT_LT(monotonic_ms() - start, 10000);
  auto missing = d.call("approvals.wait", {{"id", "nope"}, {"timeout_ms", 60000}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(Approvals, ManyWaitersOnOneApprovalAllHearTheDecision) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  std::vector<ipc::Client> clients;
  std::vector<uint32_t> ids;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(d.client());
    auto m = clients.back().send("approvals.wait", {{"id", id}, {"timeout_ms", 30000}});
    ASSERT_TRUE(m);
    ids.push_back(*m);
  }
  // The waits are registered once daemon.status counts them.
  int64_t deadline = monotonic_ms() + 10000;
  while (monotonic_ms() < deadline) {
    Json st = must(d.call("daemon.status"));
    if (st["approvals"]["waiting"] == 5) break;
    ::usleep(20000);
  }
  must(d.call("approvals.decide", {{"id", id}, {"decision", "approve"}}));
  for (size_t i = 0; i < clients.size(); ++i) {
    auto r = clients[i].wait(ids[i], 15000);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ((*r)["status"], "approved");
  }
  EXPECT_EQ(must(d.call("daemon.status"))["approvals"]["waiting"], 0);
}

// Polls daemon.status until approvals.waiting is `n` (bounded).
bool waiting_becomes(DaemonProcess& d, int n) {
  int64_t deadline = monotonic_ms() + 10000;
  while (monotonic_ms() < deadline) {
    auto st = d.call("daemon.status");
    if (st && (*st)["approvals"]["waiting"] == n) return true;
    ::usleep(20000);
  }
  return false;
}

TEST(Approvals, AWaiterWhoseConnectionClosesIsDroppedAndIsNotASlowRequest) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "push"}}))["id"];
  {
    auto c = d.client();
    ASSERT_TRUE(c.send("approvals.wait", {{"id", id}, {"timeout_ms", 600000}}));
    ASSERT_TRUE(waiting_becomes(d, 1));
  }  // the agent goes away
  EXPECT_TRUE(waiting_becomes(d, 0));
  EXPECT_EQ(d.log().find("slow request approvals.wait"), std::string::npos);
  // The approval is untouched and still decidable.
  EXPECT_EQ(must(d.call("approvals.decide", {{"id", id}, {"decision", "approve"}}))["status"],
            "approved");
}

TEST(Approvals, CliListsAndDecides) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string id = must(d.call("approvals.request", {{"action_type", "drop table"}}))["id"];
  std::vector<std::string> base = {DaemonProcess::binary("cairn"), "--no-spawn", "--socket",
                                   d.socket_path()};
  auto with = [&](std::vector<std::string> more) {
    auto argv = base;
    argv.insert(argv.end(), more.begin(), more.end());
    return run_command(argv);
  };
  auto ls = with({"approve", "ls"});
  EXPECT_EQ(ls.status, 0) << ls.output;
  EXPECT_NE(ls.output.find(id), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("drop table"), std::string::npos) << ls.output;
  auto no = with({"approve", "no", id, "--note", "too risky"});
  EXPECT_EQ(no.status, 0) << no.output;
  EXPECT_NE(no.output.find("rejected"), std::string::npos) << no.output;
  auto twice = with({"approve", "yes", id});
  EXPECT_EQ(twice.status, 1) << twice.output;
  EXPECT_NE(twice.output.find("CONFLICT"), std::string::npos) << twice.output;
  auto empty = with({"approve", "ls"});
  EXPECT_NE(empty.output.find("nothing to decide"), std::string::npos) << empty.output;
}

}  // namespace
}  // namespace cairn::testing
