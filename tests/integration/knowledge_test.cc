// Knowledge items and their graph against the real daemon: field checks, retries
// with client ids, links unique per pair and type, walks that end on cycles,
// cascading deletes, events, the kb commands, and a restart.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/daemon_process.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

void item(DaemonProcess& d, const std::string& id, Json extra = Json::object()) {
  Json args{{"id", id}, {"source_type", "manual"}, {"knowledge_type", "fact"}, {"title", id}};
  args.update(extra);
  auto r = d.call("knowledge.create", args);
  ASSERT_TRUE(r) << r.status().to_string();
}

void link(DaemonProcess& d, const std::string& from, const std::string& to,
          const std::string& type = "relates_to", double strength = 1.0) {
  auto r = d.call("knowledge.link",
                  {{"from", from}, {"to", to}, {"type", type}, {"strength", strength}});
  ASSERT_TRUE(r) << r.status().to_string();
}

std::map<std::string, int64_t> distances(const Json& related) {
  std::map<std::string, int64_t> out;
  for (const auto& r : related["items"]) out[r["item"]["id"]] = r["distance"];
  return out;
}

TEST(Knowledge, ItemsKeepEveryFieldAndRefuseBadOnesByName) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("knowledge.create", {{"source_type", "conversation"},
                                       {"source_id", "s-1"},
                                       {"knowledge_type", "decision"},
                                       {"title", "Use WAL"},
                                       {"content", "Readers never block the writer."},
                                       {"confidence", 0.8},
                                       {"tags", {"sqlite", "storage"}},
                                       {"metadata", {{"by", "ann"}}}});
  ASSERT_TRUE(r) << r.status().to_string();
  std::string id = (*r)["id"];
  auto got = d.call("knowledge.get", {{"id", id}});
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ((*got)["title"], "Use WAL");
  EXPECT_EQ((*got)["source_id"], "s-1");
  EXPECT_DOUBLE_EQ((*got)["confidence"].get<double>(), 0.8);
  EXPECT_EQ((*got)["tags"], Json({"sqlite", "storage"}));
  EXPECT_EQ((*got)["metadata"]["by"], "ann");
  EXPECT_TRUE((*got)["links"].empty());

  struct Case {
    Json args;
    std::string field;
  } cases[] = {
      {{{"knowledge_type", "fact"}, {"title", "t"}}, "source_type"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}}, "title"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}, {"title", "t"}, {"confidence", 1.5}},
       "confidence"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}, {"title", "t"}, {"tags", {1, 2}}},
       "tags"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}, {"title", "t"}, {"metadata", "[1]"}},
       "metadata"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}, {"title", "t"}, {"metadata", "{oops"}},
       "metadata"},
      {{{"source_type", "m"}, {"knowledge_type", "fact"}, {"title", "t"}, {"weight", 1}},
       "weight"},
  };
  for (const auto& c : cases) {
    auto bad = d.call("knowledge.create", c.args);
    ASSERT_FALSE(bad) << c.field;
    EXPECT_EQ(bad.status().code(), Code::kInvalidParams) << bad.status().to_string();
    EXPECT_NE(bad.status().message().find(c.field), std::string::npos) << bad.status().to_string();
  }

  auto up = d.call("knowledge.update", {{"id", id}, {"confidence", 0.3}, {"tags", {"x"}}});
  ASSERT_TRUE(up) << up.status().to_string();
  EXPECT_DOUBLE_EQ((*up)["confidence"].get<double>(), 0.3);
  EXPECT_EQ((*up)["title"], "Use WAL");
  EXPECT_EQ((*up)["tags"], Json({"x"}));
  auto list = d.call("knowledge.list", {{"tag", "x"}});
  ASSERT_TRUE(list) << list.status().to_string();
  ASSERT_EQ((*list)["items"].size(), 1u);
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT group_concat(kind) FROM (SELECT kind FROM changelog "
                                      "WHERE topic = 'knowledge' AND entity_id = '" + id +
                                      "' ORDER BY cursor)")),
            "insert,update");
}

TEST(Knowledge, RepeatedCreateWithAClientIdIsSafe) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json args{{"id", "k-1"}, {"source_type", "manual"}, {"knowledge_type", "fact"},
            {"title", "t"}, {"tags", {"a"}}};
  auto a = d.call("knowledge.create", args);
  auto b = d.call("knowledge.create", args);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  args["title"] = "other";
  auto c = d.call("knowledge.create", args);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().code(), Code::kConflict);
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM knowledge_items")), "1");
}

TEST(Knowledge, LinksAreUniquePerPairAndTypeAndCheckTheirFields) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  item(d, "a");
  item(d, "b");
  auto first = d.call("knowledge.link", {{"from", "a"}, {"to", "b"}, {"type", "extends"},
                                         {"strength", 0.5}});
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ((*first)["created"], true);
  auto again = d.call("knowledge.link", {{"from", "a"}, {"to", "b"}, {"type", "extends"},
                                         {"strength", 0.9}});
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ((*again)["created"], false);
  link(d, "a", "b", "contradicts");
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM knowledge_relationships")), "2");
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT strength FROM knowledge_relationships WHERE type "
                                      "= 'extends'")),
            "0.9");

  auto bad_type = d.call("knowledge.link", {{"from", "a"}, {"to", "b"}, {"type", "likes"}});
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.status().message().find("type"), std::string::npos);
  auto bad_strength =
      d.call("knowledge.link", {{"from", "a"}, {"to", "b"}, {"type", "extends"}, {"strength", 2}});
  ASSERT_FALSE(bad_strength);
  EXPECT_NE(bad_strength.status().message().find("strength"), std::string::npos);
  auto self = d.call("knowledge.link", {{"from", "a"}, {"to", "a"}, {"type", "extends"}});
  ASSERT_FALSE(self);
  EXPECT_EQ(self.status().code(), Code::kInvalidParams);
  auto missing = d.call("knowledge.link", {{"from", "a"}, {"to", "zzz"}, {"type", "extends"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("to"), std::string::npos);

  auto un = d.call("knowledge.unlink", {{"from", "a"}, {"to", "b"}, {"type", "contradicts"}});
  ASSERT_TRUE(un) << un.status().to_string();
  EXPECT_EQ((*un)["deleted"], 1);
  auto un_again = d.call("knowledge.unlink", {{"from", "a"}, {"to", "b"}, {"type", "contradicts"}});
  ASSERT_FALSE(un_again);
  EXPECT_EQ(un_again.status().code(), Code::kNotFound);
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT group_concat(kind) FROM (SELECT kind FROM changelog "
                                      "WHERE topic = 'knowledge' AND kind IN ('link', 'unlink') "
                                      "ORDER BY cursor)")),
            "link,link,link,unlink");
}

TEST(Knowledge, GraphWalksEndOnCyclesAndReportTheNearestDistance) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  for (const char* id : {"a", "b", "c", "d", "e", "lonely"}) item(d, id);
  // a -> b -> c -> a is a cycle; c -> d -> e hangs off it; b <-> d both ways.
  link(d, "a", "b");
  link(d, "b", "c", "extends");
  link(d, "c", "a", "implements");
  link(d, "c", "d");
  link(d, "d", "e");
  link(d, "b", "d", "contradicts", 0.2);
  link(d, "d", "b", "relates_to", 0.7);

  auto r = d.call("knowledge.related", {{"id", "a"}, {"depth", 6}});
  ASSERT_TRUE(r) << r.status().to_string();
  auto dist = distances(*r);
  EXPECT_EQ(dist, (std::map<std::string, int64_t>{{"b", 1}, {"c", 1}, {"d", 2}, {"e", 3}}));
  EXPECT_EQ((*r)["items"].size(), 4u);  // each item once, the start never

  auto out = d.call("knowledge.related", {{"id", "a"}, {"depth", 6}, {"direction", "out"}});
  ASSERT_TRUE(out);
  EXPECT_EQ(distances(*out),
            (std::map<std::string, int64_t>{{"b", 1}, {"c", 2}, {"d", 2}, {"e", 3}}));
  auto near = d.call("knowledge.related", {{"id", "a"}, {"depth", 1}, {"direction", "out"}});
  ASSERT_TRUE(near);
  ASSERT_EQ((*near)["items"].size(), 1u);
  EXPECT_EQ((*near)["items"][0]["item"]["id"], "b");
  EXPECT_EQ((*near)["items"][0]["via"], "a");
  EXPECT_EQ((*near)["items"][0]["direction"], "out");
  auto typed = d.call("knowledge.related", {{"id", "a"}, {"depth", 6}, {"type", "relates_to"}});
  ASSERT_TRUE(typed);
  // Only relates_to links: a -> b, then d -> b, then c -> d and d -> e.
  EXPECT_EQ(distances(*typed),
            (std::map<std::string, int64_t>{{"b", 1}, {"d", 2}, {"c", 3}, {"e", 3}}));

  auto alone = d.call("knowledge.related", {{"id", "lonely"}});
  ASSERT_TRUE(alone);
  EXPECT_TRUE((*alone)["items"].empty());
  auto deep = d.call("knowledge.related", {{"id", "a"}, {"depth", 99}});
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.status().message().find("depth"), std::string::npos);
}

TEST(Knowledge, WalkOfADenseGraphFullOfCyclesFinishes) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  // 30 items, every pair linked both ways: 870 links and more simple paths of
  // length 6 than any walk could list.
  const int n = 30;
  for (int i = 0; i < n; ++i) item(d, "n" + std::to_string(i));
  auto client = d.client();
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      auto r = client.call("knowledge.link", {{"from", "n" + std::to_string(i)},
                                              {"to", "n" + std::to_string(j)},
                                              {"type", "relates_to"}});
      ASSERT_TRUE(r) << r.status().to_string();
    }
  }
  auto r = client.call("knowledge.related", {{"id", "n0"}, {"depth", 6}});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ((*r)["items"].size(), static_cast<size_t>(n - 1));
  for (const auto& it : (*r)["items"]) EXPECT_EQ(it["distance"], 1);
}

TEST(Knowledge, DeletingAnItemTakesItsLinksAndRecordsEach) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  for (const char* id : {"a", "b", "c"}) item(d, id);
  link(d, "a", "b");
  link(d, "c", "a", "extends");
  link(d, "b", "c");
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"knowledge"}}}));
  auto del = d.call("knowledge.delete", {{"id", "a"}});
  ASSERT_TRUE(del) << del.status().to_string();
  EXPECT_EQ((*del)["links_deleted"], 2);
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT from_id || '>' || to_id FROM "
                                      "knowledge_relationships")),
            "b>c");
  std::multiset<std::string> kinds;
  for (int i = 0; i < 3; ++i) {
    auto n = sub.next_notification(5000);
    ASSERT_TRUE(n) << n.status().to_string();
    const Json& e = n->params.is_array() ? n->params[0] : n->params;
    EXPECT_EQ(e["topic"], "knowledge");
    kinds.insert(e["kind"].get<std::string>());
  }
  EXPECT_EQ(kinds, (std::multiset<std::string>{"unlink", "unlink", "delete"}));
  auto gone = d.call("knowledge.get", {{"id", "a"}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  auto related = d.call("knowledge.related", {{"id", "b"}});
  ASSERT_TRUE(related);
  EXPECT_EQ(distances(*related), (std::map<std::string, int64_t>{{"c", 1}}));
}

TEST(Knowledge, RestartKeepsItemsAndLinks) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  item(a, "x", {{"content", "kept"}, {"tags", {"t"}}});
  item(a, "y");
  link(a, "x", "y", "implements", 0.25);
  a.kill9();
  DaemonProcess b(a, {});
  ASSERT_TRUE(b.start().is_ok());
  auto got = b.call("knowledge.get", {{"id", "x"}});
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ((*got)["content"], "kept");
  ASSERT_EQ((*got)["links"].size(), 1u);
  EXPECT_EQ((*got)["links"][0]["type"], "implements");
  EXPECT_DOUBLE_EQ((*got)["links"][0]["strength"].get<double>(), 0.25);
}

TEST(Knowledge, KbCommandsAddListShowAndLink) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto cairn = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{DaemonProcess::binary("cairn"), "--no-spawn", "--socket",
                                  d.socket_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  };
  auto add = cairn({"kb", "add", "Group commit", "-c", "one fsync per batch", "--id", "gc",
                    "--tag", "sqlite", "-t", "decision"});
  EXPECT_EQ(add.status, 0) << add.output;
  EXPECT_EQ(trim(add.output), "gc");
  auto add2 = cairn({"kb", "add", "WAL", "--id", "wal"});
  EXPECT_EQ(add2.status, 0) << add2.output;
  auto lk = cairn({"kb", "link", "gc", "wal", "-t", "extends", "--strength", "0.5"});
  EXPECT_EQ(lk.status, 0) << lk.output;
  EXPECT_NE(lk.output.find("gc -extends-> wal"), std::string::npos) << lk.output;
  auto ls = cairn({"kb", "ls", "--tag", "sqlite"});
  EXPECT_EQ(ls.status, 0) << ls.output;
  EXPECT_NE(ls.output.find("Group commit"), std::string::npos) << ls.output;
  EXPECT_EQ(ls.output.find("WAL"), std::string::npos) << ls.output;
  auto show = cairn({"kb", "show", "wal"});
  EXPECT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("<- extends"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("Group commit"), std::string::npos) << show.output;
  auto bad = cairn({"kb", "link", "gc", "wal", "-t", "likes"});
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("INVALID_PARAMS"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace cairn::testing
