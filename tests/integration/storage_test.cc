// The database the daemon owns: preferences, the change feed, durability of
// acknowledged writes across kill -9, refusal of files it must not touch, and
// schema migrations up and down.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "base/clock.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

TEST(Storage, PrefsHoldAnyJsonValueAndForgetDeletedKeys) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json value = {{"list", {1, 2.5, "three", nullptr, true}}, {"nested", {{"k", "v"}}}};
  ASSERT_TRUE(d.call("prefs.set", {{"category", "ui"}, {"key", "layout"}, {"value", value}}));
  ASSERT_TRUE(d.call("prefs.set", {{"category", "ui"}, {"key", "theme"}, {"value", "dark"}}));
  ASSERT_TRUE(d.call("prefs.set", {{"category", "editor"}, {"key", "tabs"}, {"value", 4}}));

  auto got = d.call("prefs.get", {{"category", "ui"}, {"key", "layout"}});
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ((*got)["value"], value);
  EXPECT_FALSE((*got)["updated_at"].get<std::string>().empty());

  auto ui = d.call("prefs.list", {{"category", "ui"}});
  ASSERT_TRUE(ui);
  EXPECT_EQ((*ui)["prefs"].size(), 2u);
  auto all = d.call("prefs.list", Json::object());
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)["prefs"].size(), 3u);

  ASSERT_TRUE(d.call("prefs.delete", {{"category", "ui"}, {"key", "theme"}}));
  auto gone = d.call("prefs.get", {{"category", "ui"}, {"key", "theme"}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  auto again = d.call("prefs.delete", {{"category", "ui"}, {"key", "theme"}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), Code::kNotFound);
}

// A read that stops after its first row must not leave its reader on an old
// snapshot: every later read, on any reader, sees every committed write.
TEST(Storage, ReadsAfterAWriteSeeItOnEveryReader) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "s"}, {"key", "a"}, {"value", 1}}));
  for (int round = 0; round < 6; ++round) {
    std::string key = "k" + std::to_string(round);
    ASSERT_TRUE(d.call("prefs.get", {{"category", "s"}, {"key", "a"}}));
    ASSERT_TRUE(d.call("prefs.set", {{"category", "s"}, {"key", key}, {"value", round}}));
    for (int i = 0; i < 4; ++i) {  // more calls than readers
      auto got = d.call("prefs.get", {{"category", "s"}, {"key", key}});
      ASSERT_TRUE(got) << "round " << round << " read " << i << ": " << got.status().to_string();
    }
  }
}

TEST(Storage, WrongTypesMissingAndUnknownKeysAreNamed) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  struct Case {
    Json args;
    const char* named;
  } cases[] = {
      {{{"key", "k"}, {"value", 1}}, "category"},
      {{{"category", 7}, {"key", "k"}, {"value", 1}}, "category"},
      {{{"category", "c"}, {"key", "k"}, {"value", 1}, {"colour", "red"}}, "colour"},
      {{{"category", std::string(5000, 'c')}, {"key", "k"}, {"value", 1}}, "category"},
  };
  for (const auto& c : cases) {
    auto r = d.call("prefs.set", c.args);
    ASSERT_FALSE(r) << c.args.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << c.args.dump();
    EXPECT_NE(r.status().message().find(c.named), std::string::npos) << r.status().message();
  }
}

TEST(Storage, SubscribersGetEventsAndChangesSinceReplaysExactlyWhatWasMissed) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"prefs"}}}));
  ASSERT_TRUE(d.call("prefs.set", {{"category", "a"}, {"key", "one"}, {"value", 1}}));
  auto n = sub.next_notification(5000);
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(n->method, "event");
  const Json& ev = n->params.at(0);
  EXPECT_EQ(ev["topic"], "prefs");
  EXPECT_EQ(ev["kind"], "insert");
  int64_t cursor = ev["cursor"].get<int64_t>();
  EXPECT_GT(cursor, 0);

  // The subscriber goes away; three more changes happen; it catches up.
  ASSERT_TRUE(d.call("prefs.set", {{"category", "a"}, {"key", "one"}, {"value", 2}}));
  ASSERT_TRUE(d.call("prefs.set", {{"category", "a"}, {"key", "two"}, {"value", 3}}));
  ASSERT_TRUE(d.call("prefs.delete", {{"category", "a"}, {"key", "one"}}));
  auto since = d.call("changes.since", {{"cursor", cursor}});
  ASSERT_TRUE(since) << since.status().to_string();
  const Json& changes = (*since)["changes"];
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0]["kind"], "update");
  EXPECT_EQ(changes[1]["kind"], "insert");
  EXPECT_EQ(changes[2]["kind"], "delete");
  EXPECT_LT(changes[0]["cursor"].get<int64_t>(), changes[1]["cursor"].get<int64_t>());
  EXPECT_LT(changes[1]["cursor"].get<int64_t>(), changes[2]["cursor"].get<int64_t>());
  EXPECT_EQ((*since)["cursor"], changes[2]["cursor"]);
  EXPECT_FALSE((*since)["has_more"].get<bool>());

  auto page = d.call("changes.since", {{"cursor", cursor}, {"limit", 2}});
  ASSERT_TRUE(page);
  EXPECT_EQ((*page)["changes"].size(), 2u);
  EXPECT_TRUE((*page)["has_more"].get<bool>());
}

// Old and new values come back as they were written; one damaged in the file
// (an ext type, a map with a number as key, bytes cut short) reads as null and
// the rest of the page is intact.
TEST(Storage, ChangesSinceReturnsStoredValuesAndNullForADamagedOne) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json value = {{"list", {1, 2.5, "x"}}, {"nested", {{"ok", true}}}};
  ASSERT_TRUE(d.call("prefs.set", {{"category", "v"}, {"key", "k"}, {"value", value}}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(d.call("prefs.set", {{"category", "v"}, {"key", "k"}, {"value", i}}));
  }
  sqlite3(d.db_path(),
          "UPDATE changelog SET new_value = x'91d40500' WHERE cursor = (SELECT max(cursor) - 2 "
          "FROM changelog); UPDATE changelog SET new_value = x'810102' WHERE cursor = (SELECT "
          "max(cursor) - 1 FROM changelog); UPDATE changelog SET new_value = x'81a16b' WHERE "
          "cursor = (SELECT max(cursor) FROM changelog);");
  auto since = d.call("changes.since", {{"cursor", 0}, {"topics", {"prefs"}}});
  ASSERT_TRUE(since) << since.status().to_string();
  const Json& changes = (*since)["changes"];
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0]["new"], value);
  EXPECT_EQ(changes[1]["old"], value);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(changes[i]["new"].is_null()) << changes[i].dump();
    EXPECT_EQ(changes[i]["kind"], "update");
  }
  EXPECT_EQ(changes[3]["old"], 1);
}

// A change's stored event fields come with it; its own fields (cursor, topic,
// ...) win over stored ones of the same name, and a damaged event drops only the
// stored fields.
TEST(Storage, ChangesSinceMergesTheStoredEventUnderTheChangesOwnFields) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(d.call("prefs.set", {{"category", "e"}, {"key", "k"}, {"value", i}}));
  }
  // {"note": "x", "topic": "forged"} on the first change, a cut-short map on the second.
  sqlite3(d.db_path(),
          "UPDATE changelog SET event = x'82a46e6f7465a178a5746f706963a6666f72676564' WHERE "
          "cursor = (SELECT max(cursor) - 1 FROM changelog); UPDATE changelog SET event = "
          "x'82a46e6f7465' WHERE cursor = (SELECT max(cursor) FROM changelog);");
  auto since = d.call("changes.since", {{"cursor", 0}, {"topics", {"prefs"}}});
  ASSERT_TRUE(since) << since.status().to_string();
  const Json& changes = (*since)["changes"];
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["note"], "x");
  for (const Json& c : changes) {
    EXPECT_EQ(c["topic"], "prefs") << c.dump();
    EXPECT_TRUE(c["cursor"].is_number_integer()) << c.dump();
    EXPECT_FALSE(c["new"].is_null()) << c.dump();
  }
  EXPECT_FALSE(changes[1].contains("note"));
  EXPECT_EQ(changes[1]["new"], 1);
}

TEST(Storage, ACursorFromAnotherDatabaseIsAFreshInstance) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "a"}, {"key", "k"}, {"value", 1}}));
  auto r = d.call("changes.since", {{"cursor", 1}, {"db_id", "not-this-database"}});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_TRUE((*r)["fresh_instance"].get<bool>());
  EXPECT_TRUE((*r)["changes"].empty());
}

// Each writer thread records the keys whose prefs.set was acknowledged; the
// daemon is killed mid-stream; after a restart every one of them must be there.
int kill_rounds() {
  const char* env = std::getenv("CAIRN_KILL_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 5;
}

TEST(Storage, EveryAcknowledgedWriteSurvivesKill9While20ClientsWrite) {
  DaemonProcess first;
  ASSERT_TRUE(first.start().is_ok());
  std::string home_db = first.db_path();
  std::set<std::string> acked;
  size_t checked = 0;
  for (int round = 0; round < kill_rounds(); ++round) {
    DaemonProcess d(first, {});
    if (round > 0) {
      ASSERT_TRUE(d.start().is_ok()) << "round " << round;
    }
    DaemonProcess& live = round == 0 ? first : d;
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int c = 0; c < 20; ++c) {
      writers.emplace_back([&, c] {
        auto client = ipc::Client::connect(live.socket_path());
        if (!client) return;
        for (int i = 0; !stop; ++i) {
          std::string key = "r" + std::to_string(round) + "c" + std::to_string(c) + "i" +
                            std::to_string(i);
          auto r = client->call("prefs.set", {{"category", "kill"}, {"key", key}, {"value", i}},
                                5000);
          if (!r) return;  // the daemon died under us: this write is not acknowledged
          std::lock_guard<std::mutex> lock(mu);
          acked.insert(key);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 50 * round));
    live.kill9();
    stop = true;
    for (auto& t : writers) t.join();
  }
  DaemonProcess after(first, {});
  ASSERT_TRUE(after.start().is_ok());
  auto list = after.call("prefs.list", {{"category", "kill"}});
  ASSERT_TRUE(list) << list.status().to_string();
  std::set<std::string> stored;
  for (const auto& item : (*list)["prefs"]) stored.insert(item["key"].get<std::string>());
  for (const auto& key : acked) {
    ++checked;
    EXPECT_TRUE(stored.count(key)) << "acknowledged write lost: " << key;
  }
  EXPECT_GT(checked, 100u);
  after.terminate();
  EXPECT_EQ(sqlite3(home_db, "PRAGMA integrity_check;"), "ok\n");
  std::cout << "[ durability ] " << kill_rounds() << " kill -9 rounds, " << checked
            << " acknowledged writes checked, all present\n";
}

TEST(Storage, RefusesAFileThatIsNotItsDatabaseAndLeavesItAlone) {
  struct Case {
    const char* what;
    std::string sql_or_bytes;
    bool is_sql;
    const char* says;
  } cases[] = {
      {"garbage", std::string(8192, '\x5a'), false, "is not a SQLite database"},
      {"foreign sqlite", "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);", true,
       "another application"},
  };
  for (const auto& c : cases) {
    DaemonProcess d;
    ASSERT_EQ(::system(("mkdir -p '" + d.data_dir() + "'").c_str()), 0);
    if (c.is_sql) {
      sqlite3(d.db_path(), c.sql_or_bytes);
    } else {
      std::ofstream(d.db_path(), std::ios::binary) << c.sql_or_bytes;
    }
    std::string before = run_command({"sha256sum", d.db_path()}).output;
    int rc = d.run_to_exit(5000);
    EXPECT_NE(rc, 0) << c.what;
    EXPECT_NE(d.log().find(c.says), std::string::npos) << c.what << ": " << d.log();
    EXPECT_EQ(run_command({"sha256sum", d.db_path()}).output, before) << c.what;
  }
}

TEST(Storage, ADatabaseFromANewerCairndIsRefusedUntouched) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  d.terminate();
  sqlite3(d.db_path(),
          "INSERT INTO schema_version(version, name, applied_at) VALUES (9999, 'future', 0);");
  std::string before = run_command({"sha256sum", d.db_path()}).output;
  DaemonProcess again(d, {});
  EXPECT_NE(again.run_to_exit(5000), 0);
  EXPECT_NE(again.log().find("newer"), std::string::npos) << again.log();
  EXPECT_EQ(run_command({"sha256sum", d.db_path()}).output, before);
}

TEST(Storage, MigrateStatusOnANewDataDirCreatesNothing) {
  TempDir dir;
  auto status = run_command({DaemonProcess::binary("cairnd"), "migrate", "--status",
                             "--data-dir", dir / "data"});
  EXPECT_EQ(status.status, 0) << status.output;
  EXPECT_NE(status.output.find("not created yet"), std::string::npos) << status.output;
  EXPECT_NE(::access((dir / "data/cairn.db").c_str(), F_OK), 0);
  auto up = run_command({DaemonProcess::binary("cairnd"), "migrate", "--to", "2", "--data-dir",
                         dir / "data"});
  EXPECT_EQ(up.status, 0) << up.output;
}

TEST(Storage, MigrateGoesDownAndBackUpKeepingCoreData) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "m"}, {"key", "k"}, {"value", "kept"}}));
  auto running = run_command({DaemonProcess::binary("cairnd"), "migrate", "--status",
                              "--data-dir", d.data_dir()});
  EXPECT_EQ(running.status, 3) << running.output;  // the daemon holds the data dir
  d.terminate();

  auto status = run_command({DaemonProcess::binary("cairnd"), "migrate", "--status",
                             "--data-dir", d.data_dir()});
  ASSERT_EQ(status.status, 0) << status.output;
  auto down = run_command({DaemonProcess::binary("cairnd"), "migrate", "--to", "1",
                           "--data-dir", d.data_dir()});
  ASSERT_EQ(down.status, 0) << down.output;
  EXPECT_EQ(sqlite3(d.db_path(), "SELECT max(version) FROM schema_version;"), "1\n");
  EXPECT_EQ(sqlite3(d.db_path(), "SELECT count(*) FROM sqlite_master WHERE name='files';"),
            "0\n");

  DaemonProcess up(d, {});  // startup applies every pending migration
  ASSERT_TRUE(up.start().is_ok());
  auto got = up.call("prefs.get", {{"category", "m"}, {"key", "k"}});
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["value"], "kept");
  auto st = up.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_GT((*st)["database"]["schema_version"].get<int>(), 1);
}

// A small tmpfs as the data directory fills up; writes fail with a clear
// error, reads go on, and once space is freed writes work without a restart.
TEST(Storage, AFullDiskFailsWritesClearlyAndRecoversWithoutARestart) {
  TempDir mnt;
  if (::mount("tmpfs", mnt.path().c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "); needs root or CAP_SYS_ADMIN";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt.path()};
  DaemonOptions o;
  o.args = {"--data-dir", mnt.path() + "/data"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "disk"}, {"key", "before"}, {"value", 1}}));

  // Fill the filesystem with a ballast file, leaving a little room.
  std::string ballast = mnt.path() + "/ballast";
  {
    std::ofstream f(ballast, std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (f.write(block.data(), block.size())) {
    }
  }
  Status failure;
  std::string big(200 * 1024, 'v');
  for (int i = 0; i < 200 && failure.is_ok(); ++i) {
    auto r = d.call("prefs.set", {{"category", "disk"}, {"key", "k" + std::to_string(i)},
                                  {"value", big}});
    if (!r) failure = r.status();
  }
  ASSERT_FALSE(failure.is_ok()) << "the disk never filled";
  EXPECT_EQ(failure.code(), Code::kIoError) << failure.to_string();
  EXPECT_NE(failure.message().find("disk full"), std::string::npos) << failure.to_string();

  auto read = d.call("prefs.get", {{"category", "disk"}, {"key", "before"}});
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ((*read)["value"], 1);

  ASSERT_EQ(::unlink(ballast.c_str()), 0);
  Result<Json> after = Status(Code::kIoError, "not tried");
  for (int i = 0; i < 50 && !after; ++i) {  // a degraded writer probes again
    after = d.call("prefs.set", {{"category", "disk"}, {"key", "after"}, {"value", 2}});
    if (!after) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(after) << after.status().to_string();
  auto got = d.call("prefs.get", {{"category", "disk"}, {"key", "after"}});
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["value"], 2);
  d.terminate();
  EXPECT_EQ(sqlite3(mnt.path() + "/data/cairn.db", "PRAGMA integrity_check;"), "ok\n");
}

TEST(Storage, ASubscriberThatNeverReadsIsCutOffAndOthersCarryOn) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto lazy = d.client();
  ASSERT_TRUE(lazy.call("events.subscribe", {{"topics", {"*"}}}));
  auto good = d.client();
  ASSERT_TRUE(good.call("events.subscribe", {{"topics", {"prefs"}}}));
  std::string value(256 * 1024, 'e');
  int events = 0;
  for (int i = 0; i < 60; ++i) {  // ~15 MiB of events queued for the lazy one
    ASSERT_TRUE(d.call("prefs.set", {{"category", "big"}, {"key", "k" + std::to_string(i)},
                                     {"value", value}}));
    while (good.next_notification(i == 59 ? 2000 : 0)) ++events;
  }
  while (events < 60 && good.next_notification(2000)) ++events;
  EXPECT_EQ(events, 60);
  // The lazy client was disconnected: draining its socket ends in EOF.
  bool closed = false;
  for (int i = 0; i < 10000 && !closed; ++i) {
    auto m = lazy.read_message(2000);
    if (!m) closed = true;
  }
  EXPECT_TRUE(closed);
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  EXPECT_TRUE(d.call("daemon.ping"));
}

// Readers that never pause can keep SQLite's automatic checkpoint from starting
// the -wal over; in the soak run (bench/soak) it reached 207 MiB, and the writer
// now truncates it past 16 MiB. This smaller load does not always starve the
// checkpoint (it prints how many truncations it caused): it guards the bound.
TEST(Storage, TheWalStaysBoundedWhileReadersNeverPause) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("prefs.set", {{"category", "wal"}, {"key", "read"}, {"value", 1}}));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      auto c = d.client();
      while (!stop) {
        if (c.call("prefs.get", {{"category", "wal"}, {"key", "read"}})) ++reads;
      }
    });
  }
  std::string value(96 * 1024, 'w');
  int64_t largest = 0;
  auto writer = d.client();
  for (int i = 0; i < 500; ++i) {
    value[i % value.size()] = static_cast<char>('a' + i % 26);
    ASSERT_TRUE(writer.call("prefs.set", {{"category", "wal"}, {"key", std::to_string(i)},
                                          {"value", value}}));
    struct stat st {};
    if (::stat((d.db_path() + "-wal").c_str(), &st) == 0) largest = std::max<int64_t>(largest, st.st_size);
  }
  stop = true;
  for (auto& t : readers) t.join();
  auto status = d.call("daemon.status");
  ASSERT_TRUE(status);
  std::printf("  %d reads during 500 writes of 96 KiB; largest -wal %.1f MiB; %lld truncations\n",
              reads.load(), largest / 1048576.0,
              static_cast<long long>((*status)["writer"]["wal_truncates"].get<int64_t>()));
  EXPECT_GT(reads.load(), 500);
  EXPECT_LT(largest, 32 << 20);
}

}  // namespace
}  // namespace cairn::testing
