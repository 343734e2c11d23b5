// Row 2 of RELIABILITY.md: kill -9 while the search index is rebuilt, while
// FTS5 rebuilds its tables and while the WAL is checkpointed with TRUNCATE.
#include <atomic>
#include <random>
#include <thread>

#include "tests/reliability/reliability.h"

namespace cairn::testing {
namespace {

// True once every kind of document is indexed at the current version.
bool index_complete(DaemonProcess& d, Json* status_out = nullptr) {
  auto st = d.call("index.status");
  if (!st) return false;
  if (status_out) *status_out = *st;
  for (const auto& k : (*st)["kinds"]) {
    if (k["dirty"] != 0 || k["index_version"] != k["current_version"]) return false;
  }
  return true;
}

bool wait_for(const std::function<bool()>& pred, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// CAIRN_REBUILD_DOCS tasks (default 2000; the matrix asks for ~50k documents)
// are indexed. Then CAIRN_REBUILD_ROUNDS times (default 4) the daemon is killed
// at a random moment: in even rounds during index.rebuild (the worker
// re-indexes every document in batches), in odd rounds during db.compact with
// rebuild_fts (FTS5 'rebuild' and 'optimize' of both tables, then
// wal_checkpoint(TRUNCATE)). After each kill it restarts; at the end the
// rebuild has resumed and completed, every task is found, and the database is
// healthy, including both FTS5 integrity checks against their content.
TEST(Row02, Kill9DuringIndexRebuildFts5RebuildAndCheckpointLeavesAHealthyIndex) {
  const int docs = std::max(10, env_int("CAIRN_REBUILD_DOCS", 2000));
  const int rounds = std::max(1, env_int("CAIRN_REBUILD_ROUNDS", 4));
  std::mt19937 rng(static_cast<unsigned>(monotonic_ms()));
  DaemonProcess first;
  ASSERT_TRUE(first.start().is_ok());
  {
    std::atomic<int> next{0}, failures{0};
    std::vector<std::thread> writers;
    for (int c = 0; c < 8; ++c) {
      writers.emplace_back([&] {
        auto client = ipc::Client::connect(first.socket_path());
        if (!client) {
          ++failures;
          return;
        }
        for (int i; (i = next++) < docs;) {
          auto r = client->call("tasks.create",
                                {{"title", "rebuildword task number" + std::to_string(i)},
                                 {"description", "body text for document " + std::to_string(i) +
                                                     " with a few more words to index"}});
          if (!r) ++failures;
        }
      });
    }
    for (auto& t : writers) t.join();
    ASSERT_EQ(failures, 0);
  }
  ASSERT_TRUE(wait_for([&] { return index_complete(first); }, 120000)) << "first indexing";

  int64_t worst_restart = 0;
  for (int round = 0; round < rounds; ++round) {
    DaemonProcess d(first, {});
    if (round > 0) {
      int64_t t0 = monotonic_ms();
      ASSERT_TRUE(d.start().is_ok()) << "round " << round;
      worst_restart = std::max(worst_restart, monotonic_ms() - t0);
    }
    DaemonProcess& live = round == 0 ? first : d;
    auto client = live.client();
    int delay;
    if (round % 2 == 0) {
      auto r = client.call("index.rebuild", Json::object());
      ASSERT_TRUE(r) << r.status().to_string();
      delay = std::uniform_int_distribution<int>(20, 400)(rng);
    } else {
      ASSERT_TRUE(client.send("db.compact", {{"rebuild_fts", true}}));
      delay = std::uniform_int_distribution<int>(5, 300)(rng);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    live.kill9();
  }
  DaemonProcess after(first, {});
  ASSERT_TRUE(after.start().is_ok());
  Json status;
  EXPECT_TRUE(wait_for([&] { return index_complete(after, &status); }, 120000))
      << "the rebuild did not resume and complete: " << status.dump();
  auto found = after.call("search.query", {{"q", "rebuildword"}, {"limit", 1}});
  ASSERT_TRUE(found) << found.status().to_string();
  EXPECT_FALSE((*found)["results"].empty());
  expect_ping_within_100ms(after);
  ASSERT_EQ(after.terminate(), 0);
  expect_database_healthy(first.db_path());
  std::string indexed =
      sqlite3(first.db_path(), "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'rebuildword';");
  std::cout << "[ row 2 ] " << docs << " tasks, " << rounds
            << " kills (index.rebuild / db.compact rebuild_fts + checkpoint); slowest restart "
            << worst_restart << " ms; chunks matching after recovery: " << indexed;
}

}  // namespace
}  // namespace cairn::testing
