// Row 41 of ../shared/RELIABILITY.md: db.restore under a running daemon, with
// roots watched, the index worker running and approval waits open. Afterwards
// every component works from the restored file as if the daemon had started on
// it: files.roots lists the restored file's roots (and only those), their edits
// are recorded and searchable, a root tracked after the backup is neither
// watched nor written, re-tracking it records its files, a wait on an approval
// the restored file does not hold is answered at once, a wait on one it holds
// goes on and is answered by its decision, and the log shows no foreign key
// failure (nothing derived from the old file is written into the new one).
#include <fstream>
#include <set>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

// Local helpers (the unity build puts this file beside others that define
// files_helpers.h's names themselves).
void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string root_state(DaemonProcess& d, const std::string& root) {
  auto r = d.call("files.roots");
  if (!r) return "";
  for (const auto& x : (*r)["roots"]) {
    if (x["path"] == root) return x.value("state", "");
  }
  return "";
}

void track_and_wait(DaemonProcess& d, const std::string& root) {
  auto r = d.call("files.track", {{"path", root}});
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_TRUE(wait_until([&] { return root_state(d, root) == "watching"; }, 20000))
      << root_state(d, root);
}

bool recorded(DaemonProcess& d, const std::string& path) {
  return static_cast<bool>(d.call("files.get", {{"path", path}}));
}

std::set<std::string> names_under(DaemonProcess& d, const std::string& root) {
  std::set<std::string> out;
  auto r = d.call("files.list", {{"root", root}, {"limit", 10000}});
  if (!r) return out;
  for (const auto& f : (*r)["files"]) {
    if (f["path"].is_string()) out.insert(f["path"].get<std::string>().substr(root.size() + 1));
  }
  return out;
}

bool search_finds(DaemonProcess& d, const std::string& word) {
  auto r = d.call("search.query", {{"q", word}});
  return r && !(*r)["results"].empty();
}

TEST(Row41, RestoreUnderARunningDaemonReloadsRootsIndexAndWaitsFromTheRestoredFile) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  std::string r1 = d.home() + "/r1", r2 = d.home() + "/r2";
  ASSERT_EQ(::mkdir(r1.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(r2.c_str(), 0700), 0);
  write_file(r1 + "/a.txt", "alpha before the backup\n");
  write_file(r2 + "/c.txt", "gammaword after the backup\n");
  track_and_wait(d, r1);
  auto a1 = d.call("approvals.request", {{"action_type", "deploy"}});
  ASSERT_TRUE(a1) << a1.status().to_string();
  std::string kept_id = (*a1)["id"];
  std::string backup = d.home() + "/b.db";
  ASSERT_TRUE(d.call("db.backup", {{"path", backup}}));

  // After the backup: r1 untracked, r2 tracked (another root id), a second approval.
  ASSERT_TRUE(d.call("files.untrack", {{"path", r1}}));
  track_and_wait(d, r2);
  ASSERT_TRUE(wait_until([&] { return search_finds(d, "gammaword"); }, 20000));
  auto a2 = d.call("approvals.request", {{"action_type", "push"}});
  ASSERT_TRUE(a2);
  std::string gone_id = (*a2)["id"];
  auto waits_gone = d.client();
  auto waits_kept = d.client();
  auto wait_gone = waits_gone.send("approvals.wait", {{"id", gone_id}, {"timeout_ms", 60000}});
  auto wait_kept = waits_kept.send("approvals.wait", {{"id", kept_id}, {"timeout_ms", 60000}});
  ASSERT_TRUE(wait_gone && wait_kept);
  ASSERT_TRUE(wait_until([&] {
    auto st = d.call("daemon.status");
    return st && (*st)["approvals"]["waiting"] == 2;
  }));

  auto restored = d.call("db.restore", {{"path", backup}});
  ASSERT_TRUE(restored) << restored.status().to_string();

  // The wait on an approval the restored file does not hold ends at once.
  int64_t t0 = monotonic_ms();
  auto gone = waits_gone.wait(*wait_gone, 10000);
  ASSERT_FALSE(gone) << gone->dump();
  EXPECT_EQ(gone.status().code(), Code::kNotFound) << gone.status().to_string();
  EXPECT_LT(monotonic_ms() - t0, 5000);

  // Roots: the restored file's r1, watching; r2 is not tracked any more.
  ASSERT_TRUE(wait_until([&] { return root_state(d, r1) == "watching"; }, 20000))
      << d.call("files.roots")->dump();
  auto roots = d.call("files.roots");
  ASSERT_TRUE(roots);
  ASSERT_EQ((*roots)["roots"].size(), 1u) << roots->dump();
  EXPECT_EQ((*roots)["roots"][0]["path"], r1);

  // Edits: recorded and indexed in r1, not in r2.
  write_file(r1 + "/new.txt", "zebraword after the restore\n");
  write_file(r2 + "/d.txt", "not tracked any more\n");
  ASSERT_TRUE(wait_until([&] { return recorded(d, r1 + "/new.txt"); }, 20000)) << d.log();
  EXPECT_TRUE(wait_until([&] { return search_finds(d, "zebraword"); }, 20000));
  EXPECT_FALSE(search_finds(d, "gammaword")) << "the index kept a document of the old file";
  EXPECT_FALSE(recorded(d, r2 + "/d.txt"));

  // Re-tracking r2 records its files in the restored database.
  track_and_wait(d, r2);
  EXPECT_EQ(names_under(d, r2), (std::set<std::string>{"c.txt", "d.txt"}));

  // The approval the restored file holds is still waited on and is answered by
  // its decision.
  ASSERT_TRUE(d.call("approvals.decide", {{"id", kept_id}, {"decision", "approve"}}));
  auto kept = waits_kept.wait(*wait_kept, 10000);
  ASSERT_TRUE(kept) << kept.status().to_string();
  EXPECT_EQ((*kept)["status"], "approved");

  EXPECT_EQ(d.log().find("FOREIGN KEY"), std::string::npos) << d.log();
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(d.db_path());
}

}  // namespace
}  // namespace cairn::testing
