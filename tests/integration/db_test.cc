// db.*: online backup while clients write, restore (refusals, swap, kill -9),
// export and import round trip, check, compact, scheduled backups.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "store/backup.h"
#include "store/db.h"
#include "store/migration.h"
#include "tests/support/daemon_process.h"
#include "tests/support/probes.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

Result<Json> set_pref(ipc::Client& c, const std::string& cat, const std::string& key,
                      const Json& value) {
  return c.call("prefs.set", {{"category", cat}, {"key", key}, {"value", value}});
}

Result<Json> get_value(DaemonProcess& d, const std::string& cat, const std::string& key) {
  auto r = d.call("prefs.get", {{"category", cat}, {"key", key}});
  if (!r) return r.status();
  return (*r)["value"];
}

// Rows of `table` in `db` as sqlite3 prints them with quote() (blobs as X'..').
std::string rows_of(const std::string& db, const std::string& table, const std::string& where) {
  return sqlite3(db, ".mode quote\nSELECT * FROM \"" + table + "\" " + where + " ORDER BY 1, 2;");
}

TEST(Db, BackupWhileTenClientsWriteHoldsEveryWriteAcknowledgedBeforeItStarted) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  {
    auto c = d.client();
    // Some bulk so the copy takes more than one step.
    std::string filler(2000, 'x');
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(set_pref(c, "bulk", std::to_string(i), filler));
  }
  constexpr int kClients = 10;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked[kClients];
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kClients; ++i) {
    acked[i] = 0;
    writers.emplace_back([&, i] {
      auto c = d.client();
      for (int64_t n = 0; !stop; ++n) {
        if (!set_pref(c, "w" + std::to_string(i), std::to_string(n), n)) {
          ++failures;
          return;
        }
        acked[i] = n + 1;
      }
    });
  }
  // Let every client get going, then note what has been acknowledged.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < kClients; ++i) {
    while (acked[i] < 5 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  int64_t before[kClients];
  for (int i = 0; i < kClients; ++i) before[i] = acked[i];
  std::string dest = d.home() + "/snap.db";
  auto b = d.call("db.backup", {{"path", dest}});
  int64_t after_total = 0;
  for (int i = 0; i < kClients; ++i) after_total += acked[i];
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(b) << b.status().to_string();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ((*b)["path"], dest);
  EXPECT_GT((*b)["bytes"].get<int64_t>(), 300 * 2000);
  EXPECT_GE((*b)["schema_version"].get<int>(), 1);
  auto sum = store::sha256_file(dest);
  ASSERT_TRUE(sum);
  EXPECT_EQ((*b)["sha256"], *sum);
  EXPECT_TRUE(exists(dest + ".json"));
  EXPECT_EQ(trim(sqlite3(dest, "PRAGMA integrity_check;")), "ok");
  for (int i = 0; i < kClients; ++i) {
    // Writes of one client are sequential: its first `before[i]` keys are there.
    std::string n = trim(sqlite3(dest, "SELECT count(*) FROM prefs WHERE category = 'w" +
                                           std::to_string(i) + "' AND CAST(key AS INTEGER) < " +
                                           std::to_string(before[i]) + ";"));
    EXPECT_EQ(n, std::to_string(before[i])) << "client " << i;
  }
  EXPECT_GT(after_total, 0);
}

TEST(Db, RestoreOfABackupFromANewerSchemaIsRefused) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "dark"));
  std::string dest = d.home() + "/b.db";
  ASSERT_TRUE(d.call("db.backup", {{"path", dest}}));
  sqlite3(dest, "INSERT INTO schema_version(version, name, applied_at) VALUES (9999, 'future', 0);");
  auto r = d.call("db.restore", {{"path", dest}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("newer"), std::string::npos) << r.status().message();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "light"));
  EXPECT_EQ(*get_value(d, "ui", "theme"), "light");
}

TEST(Db, RestoreOfACorruptFileIsRefusedAndTheDatabaseIsUntouched) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  std::string filler(3000, 'y');
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(set_pref(c, "bulk", std::to_string(i), filler));
  std::string dest = d.home() + "/b.db";
  ASSERT_TRUE(d.call("db.backup", {{"path", dest}}));
  ASSERT_TRUE(set_pref(c, "ui", "theme", "current"));
  // Garbage over pages in the middle of the file (the header stays valid).
  {
    std::fstream f(dest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 5);
    std::string junk(4096 * 20, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = d.call("db.restore", {{"path", dest}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("corrupt"), std::string::npos) << r.status().message();
  std::string text = d.home() + "/notes.txt";
  std::ofstream(text) << "not a database at all, just words\n";
  auto r2 = d.call("db.restore", {{"path", text}});
  ASSERT_FALSE(r2);
  EXPECT_EQ(*get_value(d, "ui", "theme"), "current");
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM prefs WHERE category = 'bulk';")),
            "200");
  EXPECT_FALSE(exists(d.db_path() + ".restore.tmp"));
}

TEST(Db, RestoreSwapsInTheBackupKeepsTheOldAsideAndTellsClients) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "from-backup"));
  std::string dest = d.home() + "/b.db";
  ASSERT_TRUE(d.call("db.backup", {{"path", dest}}));
  ASSERT_TRUE(set_pref(c, "ui", "theme", "after-backup"));
  auto status = d.call("daemon.status");
  ASSERT_TRUE(status);
  std::string old_id = (*status)["database"]["db_id"];

  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"db"}}}));
  auto r = d.call("db.restore", {{"path", dest}});
  ASSERT_TRUE(r) << r.status().to_string();
  std::string aside = (*r)["kept_aside"];
  EXPECT_TRUE(exists(aside));
  EXPECT_EQ(trim(sqlite3(aside, "SELECT value FROM prefs WHERE key = 'theme';")),
            "\"after-backup\"");

  bool told = false;
  for (int i = 0; i < 20 && !told; ++i) {
    auto n = sub.next_notification(2000);
    if (!n) break;
    for (const auto& e : n->params) told |= e["kind"] == "restored";
  }
  EXPECT_TRUE(told);
  // Readers and the writer both continue on the restored file.
  EXPECT_EQ(*get_value(d, "ui", "theme"), "from-backup");
  ASSERT_TRUE(set_pref(c, "ui", "font", "mono"));
  EXPECT_EQ(*get_value(d, "ui", "font"), "mono");
  auto status2 = d.call("daemon.status");
  ASSERT_TRUE(status2);
  EXPECT_NE((*status2)["database"]["db_id"], old_id);
  auto since = d.call("changes.since", {{"cursor", 1}, {"db_id", old_id}});
  ASSERT_TRUE(since);
  EXPECT_TRUE((*since)["fresh_instance"].get<bool>());
  // And after a restart too.
  EXPECT_EQ(d.terminate(), 0);
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok());
  EXPECT_EQ(*get_value(again, "ui", "font"), "mono");
}

TEST(Db, KillNineDuringRestoreLeavesEitherTheOldOrTheNewDatabase) {
  TempDir keep;
  std::mt19937 rng(42);
  for (int round = 0; round < 4; ++round) {
    DaemonProcess d;
    ASSERT_TRUE(d.start().is_ok());
    auto c = d.client();
    std::string filler(4000, 'z');
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(set_pref(c, "bulk", std::to_string(i), filler));
    ASSERT_TRUE(set_pref(c, "ui", "marker", "new"));
    std::string dest = keep / ("b" + std::to_string(round) + ".db");
    ASSERT_TRUE(d.call("db.backup", {{"path", dest}}));
    ASSERT_TRUE(set_pref(c, "ui", "marker", "old"));
    ASSERT_TRUE(c.call("prefs.delete", {{"category", "bulk"}, {"key", "7"}}));
    auto r = c.send("db.restore", {{"path", dest}});
    ASSERT_TRUE(r);
    // From before the swap to after it (a restore of this file takes ~100 ms).
    const int delays[] = {5, 60, 150, 400};
    std::this_thread::sleep_for(std::chrono::milliseconds(delays[round] + rng() % 20));
    d.kill9();
    DaemonProcess again(d, {});
    ASSERT_TRUE(again.start().is_ok()) << "round " << round;
    auto marker = get_value(again, "ui", "marker");
    ASSERT_TRUE(marker) << marker.status().to_string();
    int64_t bulk = std::stoll(
        trim(sqlite3(again.db_path(), "SELECT count(*) FROM prefs WHERE category = 'bulk';")));
    std::cerr << "round " << round << ": the " << marker->get<std::string>()
              << " database survived\n";
    if (*marker == "new") {
      EXPECT_EQ(bulk, 300) << "round " << round;
    } else {
      EXPECT_EQ(*marker, "old");
      EXPECT_EQ(bulk, 299) << "round " << round;
    }
    EXPECT_EQ(trim(sqlite3(again.db_path(), "PRAGMA integrity_check;")), "ok");
  }
}

TEST(Db, ExportThenImportIntoAnEmptyDataDirGivesIdenticalRows) {
  DaemonProcess a;
  ASSERT_TRUE(a.start().is_ok());
  auto c = a.client();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "dark"));
  ASSERT_TRUE(set_pref(c, "ui", "greeting", "grüß dich, 世界 \u00e9"));
  ASSERT_TRUE(set_pref(c, "n", "list", Json::array({1, 2.5, nullptr, "x"})));
  ASSERT_TRUE(set_pref(c, "ui", "theme", "light"));  // changelog with old and new values
  ASSERT_TRUE(c.call("prefs.delete", {{"category", "n"}, {"key", "list"}}));
  std::string file = a.home() + "/dump.json";
  auto e = a.call("db.export", {{"path", file}});
  ASSERT_TRUE(e) << e.status().to_string();
  EXPECT_GT((*e)["tables"]["changelog"].get<int>(), 0);

  DaemonProcess b;
  ASSERT_TRUE(b.start().is_ok());
  auto i = b.call("db.import", {{"path", file}, {"mode", "replace"}});
  ASSERT_TRUE(i) << i.status().to_string();
  std::string max_cursor = trim(sqlite3(a.db_path(), "SELECT max(cursor) FROM changelog;"));
  for (const auto& [table, n] : (*e)["tables"].items()) {
    std::string where = table == "meta"        ? "WHERE key <> 'db_id'"
                        : table == "changelog" ? "WHERE cursor <= " + max_cursor
                                               : "";
    EXPECT_EQ(rows_of(a.db_path(), table, where), rows_of(b.db_path(), table, where))
        << "table " << table;
  }
  EXPECT_NE(rows_of(b.db_path(), "changelog", "WHERE cursor <= " + max_cursor), "");
  EXPECT_EQ(*get_value(b, "ui", "greeting"), "grüß dich, 世界 \u00e9");
  // The inline form carries blobs with a marker.
  auto inline_doc = a.call("db.export", {{"tables", {"changelog"}}});
  ASSERT_TRUE(inline_doc);
  const Json& row = (*inline_doc)["tables"]["changelog"]["rows"][0];
  bool has_blob = false;
  for (const auto& v : row) has_blob |= v.is_object() && v.contains("blob_base64");
  EXPECT_TRUE(has_blob);
}

// Changelog rows that record data, not the progress of an operation or of the
// index worker (those are written on the background queue whenever they are due).
constexpr const char* kDataChanges =
    "SELECT count(*) FROM changelog WHERE topic <> 'index' AND NOT (topic = 'db' AND kind IN "
    "('started', 'progress', 'done', 'failed'));";

TEST(Db, AnImportWithOneBadRowChangesNothing) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "dark"));
  auto doc = d.call("db.export", {{"tables", {"prefs"}}});
  ASSERT_TRUE(doc);
  std::string before = rows_of(d.db_path(), "prefs", "");
  std::string log_before = trim(sqlite3(d.db_path(), kDataChanges));

  Json bad = *doc;
  auto& rows = bad["tables"]["prefs"]["rows"];
  Json good_row = rows[0];
  good_row[1] = "other";
  rows.push_back(good_row);
  Json wrong = good_row;
  wrong[1] = "wrong";
  wrong[3] = "yesterday";  // updated_at is an integer column
  rows.push_back(wrong);
  auto r = d.call("db.import", {{"document", bad}, {"mode", "replace"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("row 2"), std::string::npos) << r.status().message();

  // A row that only the database refuses (CHECK on the key's length).
  Json late = *doc;
  Json empty_key = good_row;
  empty_key[1] = "";
  late["tables"]["prefs"]["rows"].push_back(good_row);
  late["tables"]["prefs"]["rows"].push_back(empty_key);
  auto r2 = d.call("db.import", {{"document", late}, {"mode", "replace"}});
  ASSERT_FALSE(r2);
  EXPECT_EQ(rows_of(d.db_path(), "prefs", ""), before);
  EXPECT_EQ(trim(sqlite3(d.db_path(), kDataChanges)), log_before)
      << sqlite3(d.db_path(), "SELECT cursor, topic, kind, entity_id FROM changelog;");

  auto ok = d.call("db.import", {{"document", *doc}, {"mode", "merge"}});
  ASSERT_TRUE(ok) << ok.status().to_string();
}

TEST(Db, CheckFindsPlantedProblemsInTablesItWasNotToldAbout) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto clean = d.call("db.check", Json::object());
  ASSERT_TRUE(clean) << clean.status().to_string();
  EXPECT_TRUE((*clean)["ok"].get<bool>()) << clean->dump();
  EXPECT_EQ(d.terminate(), 0);
  // Tables as another domain's migration might add them, then damaged.
  sqlite3(d.db_path(),
          "PRAGMA foreign_keys=OFF;"
          "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
          "CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));"
          "INSERT INTO child VALUES (1, 42);"
          "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
          "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');"
          "INSERT INTO notes VALUES (1, 'hello world');"
          "INSERT INTO notes_fts(rowid, body) VALUES (1, 'hello world');"
          "INSERT INTO notes VALUES (2, 'never indexed');");
  DaemonProcess again(d, {});
  ASSERT_TRUE(again.start().is_ok());
  auto r = again.call("db.check", Json::object());
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_FALSE((*r)["ok"].get<bool>());
  bool fk = false, fts = false;
  for (const auto& p : (*r)["problems"]) {
    fk |= p["check"] == "foreign_key" && p["table"] == "child";
    fts |= p["check"] == "fts5" && p["table"] == "notes_fts";
  }
  EXPECT_TRUE(fk) << r->dump();
  EXPECT_TRUE(fts) << r->dump();
  // The CLI prints them in words and fails.
  auto cli = run_command({DaemonProcess::binary("cairn"), "--socket", again.socket_path(),
                          "--no-spawn", "check"});
  EXPECT_NE(cli.status, 0);
  EXPECT_NE(cli.output.find("missing row of parent"), std::string::npos) << cli.output;
  // Export covers the new tables and says it skipped the index.
  auto e = again.call("db.export", Json::object());
  ASSERT_TRUE(e);
  EXPECT_TRUE((*e)["tables"].contains("notes"));
  EXPECT_FALSE((*e)["tables"].contains("notes_fts"));
  EXPECT_FALSE((*e)["tables"].contains("notes_fts_data"));
  bool said = false;
  for (const auto& s : (*e)["skipped"]) said |= s["table"] == "notes_fts";
  EXPECT_TRUE(said);
  // compact --rebuild-fts repairs the index.
  ASSERT_TRUE(again.call("db.compact", {{"rebuild_fts", true}}));
  auto r2 = again.call("db.check", Json::object());
  ASSERT_TRUE(r2);
  for (const auto& p : (*r2)["problems"]) EXPECT_NE(p["check"], "fts5") << r2->dump();
}

TEST(Db, CompactReportsSizesBeforeAndAfterAndEmptiesTheWal) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  std::string filler(4000, 'q');
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(set_pref(c, "bulk", std::to_string(i), filler));
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(c.call("prefs.delete", {{"category", "bulk"}, {"key", std::to_string(i)}}));
  }
  auto r = d.call("db.compact", {{"full", true}});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_GT((*r)["before"]["freelist_pages"].get<int64_t>(), 0) << r->dump();
  EXPECT_EQ((*r)["after"]["freelist_pages"].get<int64_t>(), 0) << r->dump();
  EXPECT_LT((*r)["after"]["file_bytes"].get<int64_t>() + (*r)["after"]["wal_bytes"].get<int64_t>(),
            (*r)["before"]["file_bytes"].get<int64_t>() +
                (*r)["before"]["wal_bytes"].get<int64_t>());
  EXPECT_EQ((*r)["after"]["wal_bytes"], 0) << r->dump();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "still-writable"));
}

TEST(Db, BackupKeepRotatesAndScheduledBackupsRun) {
  DaemonProcess d;
  {
    std::ofstream cfg(d.home() + "/cairnd.toml");
    cfg << "backup_interval_s = 1\nbackup_keep = 2\n";
  }
  ASSERT_TRUE(d.start().is_ok());
  std::string dir = d.data_dir() + "/backups";
  auto count = [&] {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      n += store::is_default_backup_name(e.path().filename().string());
    }
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(count(), 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(count(), 2);

  TempDir other;
  for (int i = 0; i < 4; ++i) {
    Result<Json> r = Status(Code::kConflict, "");
    // A scheduled backup may hold the slot for a moment.
    for (int t = 0; t < 100 && !r; ++t) {
      r = d.call("db.backup", {{"path", other.path()}, {"keep", 3}});
      if (!r && r.status().code() != Code::kConflict) break;
      if (!r) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(r) << r.status().to_string();
  }
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(other.path())) {
    n += store::is_default_backup_name(e.path().filename().string());
  }
  EXPECT_EQ(n, 3);
}

TEST(Db, PathsMustBeAbsolute) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("db.backup", {{"path", "relative.db"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
}

TEST(Db, TheLiveDatabaseIsNeverABackupTargetNorARestoreSource) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  ASSERT_TRUE(set_pref(c, "ui", "theme", "dark"));
  auto b = d.call("db.backup", {{"path", d.db_path()}});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().code(), Code::kInvalidParams);
  EXPECT_NE(b.status().message().find("live database"), std::string::npos);
  auto r = d.call("db.restore", {{"path", d.db_path()}});
  ASSERT_FALSE(r);
  EXPECT_EQ(*get_value(d, "ui", "theme"), "dark");
}

// Issue item: a user's mistake in what db.restore is given is INVALID_PARAMS
// "not a cairn backup: ...", never INTERNAL.
TEST(Db, RestoreOfJunkATruncatedBackupOrAnotherApplicationsSqliteFileIsNotACairnBackup) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  std::string filler(3000, 'y');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(set_pref(c, "bulk", std::to_string(i), filler));
  std::string good = d.home() + "/good.db";
  ASSERT_TRUE(d.call("db.backup", {{"path", good}}));
  std::string junk = d.home() + "/junk.db";
  {
    std::ofstream f(junk, std::ios::binary);
    for (int i = 0; i < 5000; ++i) f << static_cast<char>((i * 7919) % 251);
  }
  std::string truncated = d.home() + "/truncated.db";
  {
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  }
  std::string other_app = d.home() + "/other.db";
  sqlite3(other_app, "PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  std::string plain_sqlite = d.home() + "/plain.db";
  sqlite3(plain_sqlite, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  std::string empty = d.home() + "/empty.db";
  std::ofstream(empty).close();
  // Passes every check a backup gets (cairn's application_id, a current schema
  // version, integrity ok) yet holds none of cairn's tables.
  std::string hollow = d.home() + "/hollow.db";
  sqlite3(hollow, "PRAGMA application_id = " + std::to_string(store::kApplicationId) +
                      "; CREATE TABLE schema_version(version INTEGER, name TEXT, applied_at "
                      "INTEGER); INSERT INTO schema_version VALUES (" +
                      std::to_string(store::latest_version()) + ", 'x', 0);");
  for (const std::string& p : {junk, truncated, other_app, plain_sqlite, empty, hollow}) {
    auto r = d.call("db.restore", {{"path", p}});
    ASSERT_FALSE(r) << p << " was restored";
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << p << ": " << r.status().to_string();
    EXPECT_EQ(r.status().message().rfind("not a cairn backup: ", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(p), std::string::npos) << r.status().message();
  }
  auto missing = d.call("db.restore", {{"path", d.home() + "/missing.db"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << missing.status().to_string();
  EXPECT_EQ(trim(sqlite3(d.db_path(), "SELECT count(*) FROM prefs WHERE category = 'bulk';")),
            "100");
  EXPECT_TRUE(d.call("db.restore", {{"path", good}}));
}

TEST(Db, BackupOrExportToAMissingDirectoryIsInvalidParamsNamingIt) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string dir = d.home() + "/no/such/dir";
  for (const std::string& method : {std::string("db.backup"), std::string("db.export")}) {
    auto r = d.call(method, {{"path", dir + "/x.db"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << method << ": " << r.status().to_string();
    EXPECT_NE(r.status().message().find(dir), std::string::npos) << r.status().message();
  }
  auto i = d.call("db.import", {{"path", dir + "/x.json"}, {"mode", "merge"}});
  ASSERT_FALSE(i);
  EXPECT_EQ(i.status().code(), Code::kNotFound) << i.status().to_string();
}

// Issue item: cairn.db.before-restore-* copies are kept to restore_keep.
TEST(Db, RestoreKeepsOnlyTheNewestRestoreKeepCopiesOfTheReplacedDatabase) {
  DaemonProcess d;
  { std::ofstream(d.home() + "/cairnd.toml") << "restore_keep = 2\n"; }
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  std::string backup = d.home() + "/b.db";
  ASSERT_TRUE(set_pref(c, "ui", "n", 0));
  ASSERT_TRUE(d.call("db.backup", {{"path", backup}}));
  std::vector<std::string> asides;
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(set_pref(c, "ui", "n", i));
    auto r = d.call("db.restore", {{"path", backup}});
    ASSERT_TRUE(r) << r.status().to_string();
    asides.push_back((*r)["kept_aside"]);
  }
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(d.data_dir())) {
    std::string n = e.path().filename().string();
    if (n.rfind("cairn.db.before-restore-", 0) == 0) left.push_back(e.path().string());
  }
  std::sort(left.begin(), left.end());
  std::vector<std::string> newest = {asides[2], asides[3]};
  std::sort(newest.begin(), newest.end());
  EXPECT_EQ(left, newest);
  // The newest copy is the database as the last restore found it.
  EXPECT_EQ(trim(sqlite3(asides[3], "SELECT value FROM prefs WHERE key = 'n';")), "4");
}

// Long operations can be stopped: db.cancel ends a running backup, and the
// next db.* call is served.
TEST(Db, CancelStopsARunningBackupAndFreesTheSlot) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto c = d.client();
  std::string filler(700000, 'z');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(set_pref(c, "big", std::to_string(i), filler));
  auto none = d.call("db.cancel");
  ASSERT_TRUE(none);
  EXPECT_TRUE((*none)["cancelled"].is_null());
  // A copy of about 70 MB: cancelled while it runs.
  auto b = d.client();
  auto sent = b.send("db.backup", {{"path", d.home() + "/slow.db"}});
  ASSERT_TRUE(sent);
  Json cancelled;
  ASSERT_TRUE(wait_until([&] {
    auto r = d.call("db.cancel");
    if (r && !(*r)["cancelled"].is_null()) cancelled = *r;
    return !cancelled.is_null();
  }));
  auto reply = b.wait(*sent, 30000);
  if (reply) GTEST_SKIP() << "the backup finished before it could be cancelled";
  EXPECT_EQ(reply.status().code(), Code::kBusy) << reply.status().to_string();
  EXPECT_NE(reply.status().message().find("cancelled"), std::string::npos);
  EXPECT_FALSE(exists(d.home() + "/slow.db"));
  EXPECT_TRUE(d.call("db.backup", {{"path", d.home() + "/after.db"}}));
}

}  // namespace
}  // namespace cairn::testing
