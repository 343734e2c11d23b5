// Conversation sessions and messages against the real daemon: streaming
// upserts, all-or-nothing bulk inserts, paging at its edges, cascades, retries
// with client ids, field checks, and a restart.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

std::string new_session(DaemonProcess& d, Json args = Json::object()) {
  auto s = d.call("sessions.create", args);
  EXPECT_TRUE(s) << s.status().to_string();
  return s ? (*s)["id"].get<std::string>() : "";
}

Json rows(const std::string& session, int n, const std::string& prefix = "m") {
  Json out = Json::array();
  for (int i = 0; i < n; ++i) {
    Json row{{"role", i % 2 ? "assistant" : "user"}, {"content", prefix + std::to_string(i)}};
    if (!session.empty()) row["session_id"] = session;  // else the batch's session_id
    out.push_back(std::move(row));
  }
  return out;
}

TEST(Messages, StreamedReplyInAHundredPiecesEndsAsTheWholeText) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d);
  auto client = d.client();
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    std::string piece = "piece " + std::to_string(i) + ". ";
    expected += piece;
    Json args{{"id", "reply-1"}, {"session_id", session}, {"content", piece}, {"append", true}};
    if (i == 0) args["role"] = "assistant";
    auto r = client.call("messages.upsert", args);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ((*r)["created"], i == 0);
    EXPECT_EQ((*r)["content_bytes"], expected.size());
  }
  auto m = d.call("messages.get", {{"id", "reply-1"}});
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ((*m)["content"], expected);
  EXPECT_EQ((*m)["role"], "assistant");
  // Replace (the default) takes the full text so far, as most streaming clients send it.
  auto r = client.call("messages.upsert",
                       {{"id", "reply-1"}, {"session_id", session}, {"content", "final"},
                        {"tokens_used", 42}});
  ASSERT_TRUE(r) << r.status().to_string();
  m = d.call("messages.get", {{"id", "reply-1"}});
  EXPECT_EQ((*m)["content"], "final");
  EXPECT_EQ((*m)["tokens_used"], 42);
  auto page = d.call("messages.page", {{"session_id", session}});
  EXPECT_EQ((*page)["total"], 1);
  // One change per piece, and the changelog holds each piece once, not the text so far.
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM changelog WHERE topic = 'messages' "
                                      "AND entity_id = 'reply-1'")),
            "101");
  EXPECT_LT(std::stoll(trim(sqlite3(d.db_path(), "SELECT sum(length(new_value)) FROM changelog "
                                                 "WHERE entity_id = 'reply-1'"))),
            static_cast<long long>(expected.size() * 8));  // the text so far each time: ~50x
}

TEST(Messages, UpsertRefusesToMoveAMessageToAnotherSession) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string a = new_session(d), b = new_session(d);
  ASSERT_TRUE(d.call("messages.upsert", {{"id", "x"}, {"session_id", a}, {"role", "user"}}));
  auto moved = d.call("messages.upsert", {{"id", "x"}, {"session_id", b}, {"content", "hi"}});
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.status().code(), Code::kConflict);
  auto no_role = d.call("messages.upsert", {{"id", "y"}, {"session_id", a}});
  ASSERT_FALSE(no_role);
  EXPECT_NE(no_role.status().message().find("role"), std::string::npos);
}

TEST(Messages, BulkInsertWithOneBadRowLeavesNothingBehind) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d);
  // Caught while reading the rows.
  Json bad = rows(session, 10);
  bad[7]["role"] = "robot";
  auto r = d.call("messages.bulk", {{"messages", bad}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("messages[7]"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("role"), std::string::npos);
  // Caught only while writing, after rows 0 to 4 were inserted.
  Json late = rows(session, 10);
  late[5]["parent_id"] = "no-such-message";
  r = d.call("messages.bulk", {{"messages", late}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("messages[5]"), std::string::npos) << r.status().message();
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM messages")), "0");
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM changelog WHERE topic = 'messages'")),
            "0");
  auto page = d.call("messages.page", {{"session_id", session}});
  EXPECT_EQ((*page)["total"], 0);
  // The good batch goes in whole.
  r = d.call("messages.bulk", {{"messages", rows(session, 10)}});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ((*r)["inserted"], 10);
  EXPECT_EQ((*r)["items"].size(), 10u);
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM changelog WHERE topic = 'messages' "
                                      "AND kind = 'insert'")),
            "10");
}

TEST(Messages, PagesAtTheEdgesAndInTheOrderSent) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string empty = new_session(d);
  auto p = d.call("messages.page", {{"session_id", empty}, {"page", 1}, {"page_size", 25}});
  ASSERT_TRUE(p) << p.status().to_string();
  EXPECT_EQ((*p)["items"].size(), 0u);
  EXPECT_EQ((*p)["total"], 0);
  EXPECT_EQ((*p)["has_next"], false);
  EXPECT_EQ((*p)["has_prev"], false);

  std::string session = new_session(d);
  ASSERT_TRUE(d.call("messages.bulk", {{"session_id", session}, {"messages", rows("", 100)}}));
  // One bulk insert shares one timestamp: order is still the order sent.
  std::vector<std::string> seen;
  for (int page = 1; page <= 4; ++page) {
    p = d.call("messages.page", {{"session_id", session}, {"page", page}, {"page_size", 25}});
    ASSERT_TRUE(p) << p.status().to_string();
    EXPECT_EQ((*p)["items"].size(), 25u);
    EXPECT_EQ((*p)["total"], 100);
    EXPECT_EQ((*p)["has_prev"], page > 1);
    EXPECT_EQ((*p)["has_next"], page < 4);
    for (const auto& m : (*p)["items"]) seen.push_back(m["content"]);
  }
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], "m" + std::to_string(i));
  p = d.call("messages.page", {{"session_id", session}, {"page", 5}, {"page_size", 25}});
  EXPECT_EQ((*p)["items"].size(), 0u);
  EXPECT_EQ((*p)["has_next"], false);
  EXPECT_EQ((*p)["has_prev"], true);
  p = d.call("messages.page", {{"session_id", session}, {"page", 2}, {"page_size", 60}});
  EXPECT_EQ((*p)["items"].size(), 40u);
  EXPECT_EQ((*p)["has_next"], false);
  auto bad = d.call("messages.page", {{"session_id", session}, {"page", 0}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("page"), std::string::npos);
  auto missing = d.call("messages.page", {{"session_id", "nope"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(Messages, DeletingASessionDeletesItsMessagesAndSaysWhichWentAway) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d), other = new_session(d);
  auto r = d.call("messages.bulk", {{"messages", rows(session, 5)}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(d.call("messages.bulk", {{"messages", rows(other, 3)}}));
  auto del = d.call("sessions.delete", {{"id", session}});
  ASSERT_TRUE(del) << del.status().to_string();
  EXPECT_EQ((*del)["messages_deleted"], 5);
  for (const auto& item : (*r)["items"]) {
    std::string id = item["id"];
    auto gone = d.call("messages.get", {{"id", id}});
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.status().code(), Code::kNotFound);
    EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM changelog WHERE topic = 'messages' "
                                        "AND kind = 'delete' AND entity_id = '" + id + "'")),
              "1");
  }
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM messages")), "3");
  auto again = d.call("sessions.delete", {{"id", session}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), Code::kNotFound);
}

TEST(Messages, DeletingAMessageUnthreadsItsRepliesAndCountsDown) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d);
  ASSERT_TRUE(d.call("messages.append",
                     {{"id", "q"}, {"session_id", session}, {"role", "user"}, {"content", "?"}}));
  auto reply = d.call("messages.append", {{"id", "a"},
                                          {"session_id", session},
                                          {"role", "assistant"},
                                          {"content", "!"},
                                          {"parent_id", "q"}});
  ASSERT_TRUE(reply) << reply.status().to_string();
  ASSERT_TRUE(d.call("messages.delete", {{"id", "q"}}));
  auto a = d.call("messages.get", {{"id", "a"}});
  ASSERT_TRUE(a);
  EXPECT_TRUE((*a)["parent_id"].is_null());
  auto p = d.call("messages.page", {{"session_id", session}});
  EXPECT_EQ((*p)["total"], 1);
  std::string other = new_session(d);
  auto cross = d.call("messages.append", {{"session_id", other}, {"role", "user"},
                                          {"parent_id", "a"}});
  ASSERT_FALSE(cross);
  EXPECT_NE(cross.status().message().find("parent_id"), std::string::npos);
}

TEST(Messages, RepeatedCreatesWithAClientIdAreSafe) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json session{{"id", "s-1"}, {"workspace_path", "/w"}, {"settings", {{"model", "m"}}}};
  auto first = d.call("sessions.create", session);
  ASSERT_TRUE(first) << first.status().to_string();
  auto second = d.call("sessions.create", session);
  ASSERT_TRUE(second) << second.status().to_string();
  EXPECT_EQ(*first, *second);
  session["workspace_path"] = "/elsewhere";
  auto changed = d.call("sessions.create", session);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.status().code(), Code::kConflict);

  Json msg{{"id", "m-1"}, {"session_id", "s-1"}, {"role", "user"}, {"content", "hello"}};
  auto a = d.call("messages.append", msg);
  ASSERT_TRUE(a) << a.status().to_string();
  auto b = d.call("messages.append", msg);
  ASSERT_TRUE(b) << b.status().to_string();
  EXPECT_EQ(*a, *b);
  msg["content"] = "hello again";
  auto c = d.call("messages.append", msg);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().code(), Code::kConflict);
  auto p = d.call("messages.page", {{"session_id", "s-1"}});
  EXPECT_EQ((*p)["total"], 1);
  // A retried bulk batch is answered from what the first attempt wrote.
  Json batch = Json::array({{{"id", "b-1"}, {"role", "user"}, {"content", "x"}},
                            {{"id", "b-2"}, {"role", "assistant"}, {"content", "y"}}});
  auto once = d.call("messages.bulk", {{"session_id", "s-1"}, {"messages", batch}});
  auto twice = d.call("messages.bulk", {{"session_id", "s-1"}, {"messages", batch}});
  ASSERT_TRUE(once && twice);
  EXPECT_EQ((*once)["items"], (*twice)["items"]);
  EXPECT_EQ((*twice)["inserted"], 0);
}

TEST(Messages, BadJsonFieldsAndEnumValuesNameTheField) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d);
  struct Case {
    Json args;
    std::string field;
  } cases[] = {
      {{{"session_id", session}, {"role", "robot"}}, "role"},
      {{{"session_id", session}, {"role", "tool"}, {"tool_calls", "[{\"id\": "}}, "tool_calls"},
      {{{"session_id", session}, {"role", "tool"}, {"tool_calls", 7}}, "tool_calls"},
      {{{"session_id", session}, {"role", "user"}, {"attachments", "not json"}}, "attachments"},
      {{{"session_id", session}, {"role", "user"}, {"tokens_used", -1}}, "tokens_used"},
      {{{"session_id", session}, {"role", "user"}, {"content", "\xff\xfe"}}, "content"},
      {{{"session_id", session}, {"role", "user"}, {"colour", "red"}}, "colour"},
      {{{"session_id", "bad id!"}, {"role", "user"}}, "session_id"},
      {{{"session_id", "missing"}, {"role", "user"}}, "session_id"},
      {{{"session_id", session}, {"role", "user"},
        {"attachments", Json::array({std::string((1 << 20) + 16, 'x')})}},
       "attachments"},
  };
  for (const auto& c : cases) {
    auto r = d.call("messages.append", c.args);
    ASSERT_FALSE(r) << c.field;
    EXPECT_EQ(r.status().code(), c.field == "session_id" && c.args["session_id"] == "missing"
                                     ? Code::kNotFound
                                     : Code::kInvalidParams)
        << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().to_string();
  }
  auto settings = d.call("sessions.create", {{"settings", "[1, 2]"}});
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.status().message().find("settings must be a JSON object"), std::string::npos)
      << settings.status().to_string();
  // JSON text in a string is accepted and stored as the value it spells.
  auto ok = d.call("messages.append", {{"session_id", session},
                                       {"role", "assistant"},
                                       {"tool_calls", "[{\"id\": \"call-1\"}]"}});
  ASSERT_TRUE(ok) << ok.status().to_string();
  auto m = d.call("messages.get", {{"id", (*ok)["id"]}});
  EXPECT_EQ((*m)["tool_calls"][0]["id"], "call-1");
}

TEST(Messages, ReadsAfterAWriteSeeItOnEveryReader) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d, {{"id", "s-old"}});
  ASSERT_TRUE(d.call("messages.append", {{"id", "m-old"}, {"session_id", session},
                                         {"role", "user"}}));
  // Single-row lookups on each reader connection first: none may pin a snapshot.
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(d.call("messages.get", {{"id", "m-old"}}));
    ASSERT_TRUE(d.call("sessions.get", {{"id", "s-old"}}));
    ASSERT_TRUE(d.call("messages.page", {{"session_id", "s-old"}}));
  }
  ASSERT_TRUE(d.call("sessions.create", {{"id", "s-new"}}));
  ASSERT_TRUE(d.call("messages.append", {{"id", "m-new"}, {"session_id", "s-new"},
                                         {"role", "user"}}));
  for (int i = 0; i < 6; ++i) {
    auto s = d.call("sessions.get", {{"id", "s-new"}});
    EXPECT_TRUE(s) << s.status().to_string();
    auto m = d.call("messages.get", {{"id", "m-new"}});
    EXPECT_TRUE(m) << m.status().to_string();
    auto p = d.call("messages.page", {{"session_id", "s-new"}});
    ASSERT_TRUE(p) << p.status().to_string();
    EXPECT_EQ((*p)["total"], 1);
  }
}

TEST(Messages, ChangesAreAnnouncedWithTheirSession) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d);
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"messages"}}}));
  ASSERT_TRUE(d.call("messages.append", {{"id", "e-1"}, {"session_id", session}, {"role", "user"}}));
  auto n = sub.next_notification(5000);
  ASSERT_TRUE(n) << n.status().to_string();
  const Json& e = n->params.is_array() ? n->params[0] : n->params;
  EXPECT_EQ(e["topic"], "messages");
  EXPECT_EQ(e["kind"], "insert");
  EXPECT_EQ(e["id"], "e-1");
  EXPECT_EQ(e["session_id"], session);
}

TEST(Messages, RestartKeepsSessionsAndMessages) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  std::string session = new_session(a, {{"workspace_path", "/proj"}});
  ASSERT_TRUE(a.call("messages.bulk", {{"messages", rows(session, 30)}}));
  ASSERT_TRUE(a.call("messages.upsert", {{"id", "live"}, {"session_id", session},
                                         {"role", "assistant"}, {"content", "partial"}}));
  a.kill9();
  DaemonProcess b(a, {});
  ASSERT_TRUE(b.start().is_ok());
  auto p = b.call("messages.page", {{"session_id", session}, {"page", 2}, {"page_size", 20}});
  ASSERT_TRUE(p) << p.status().to_string();
  EXPECT_EQ((*p)["total"], 31);
  EXPECT_EQ((*p)["items"].size(), 11u);
  EXPECT_EQ((*p)["items"][10]["content"], "partial");
  auto list = b.call("sessions.list", {{"workspace_path", "/proj"}});
  ASSERT_TRUE(list);
  ASSERT_EQ((*list)["sessions"].size(), 1u);
  EXPECT_EQ((*list)["sessions"][0]["message_count"], 31);
}

TEST(Messages, ChatCommandsListShowAndRemove) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string session = new_session(d, {{"id", "chat-1"}, {"workspace_path", "/proj"}});
  ASSERT_TRUE(d.call("messages.bulk", {{"messages", rows(session, 3, "line ")}}));
  auto cairn = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{DaemonProcess::binary("cairn"), "--no-spawn", "--socket",
                                  d.socket_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  };
  auto ls = cairn({"chat", "ls"});
  EXPECT_EQ(ls.status, 0) << ls.output;
  EXPECT_NE(ls.output.find("chat-1"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("/proj"), std::string::npos) << ls.output;
  auto show = cairn({"chat", "show", "chat-1"});
  EXPECT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("assistant: line 1"), std::string::npos) << show.output;
  auto rm = cairn({"chat", "rm", "chat-1"});
  EXPECT_EQ(rm.status, 0) << rm.output;
  EXPECT_NE(rm.output.find("3 messages"), std::string::npos) << rm.output;
  auto gone = cairn({"chat", "show", "chat-1"});
  EXPECT_NE(gone.status, 0);
  EXPECT_NE(gone.output.find("NOT_FOUND"), std::string::npos) << gone.output;
}

}  // namespace
}  // namespace cairn::testing
