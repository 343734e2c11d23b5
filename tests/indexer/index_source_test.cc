// The index sources' dirty listing and count on a real, migrated database file:
// count_dirty() must equal what list_dirty() and list_removed() return together.
#include "indexer/index_source.h"

#include <gtest/gtest.h>

#include "indexer/chunker.h"
#include "indexer/index_store.h"
#include "store/store.h"
#include "tests/support/daemon_process.h"

namespace cairn::indexer {
namespace {

class IndexSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_store(dir_ / "cairn.db");
    ASSERT_TRUE(opened.has_value()) << opened.status().message();
    db_ = std::move(opened->db);
    sources_ = make_sources();
    ASSERT_TRUE(db_->exec("INSERT INTO roots(id, path, created_at) VALUES(1, '/src', 0)").is_ok());
  }

  IndexSource& source(const std::string& kind) {
    for (auto& s : sources_) {
      if (s->kind() == kind) return *s;
    }
    ADD_FAILURE() << "no source " << kind;
    return *sources_.front();
  }

  void sql(const std::string& text) {
    Status st = db_->exec(text);
    ASSERT_TRUE(st.is_ok()) << st.message() << "\n" << text;
  }

  void add_file(int64_t id, int64_t gen) {
    sql("INSERT INTO files(id, root_id, path, name, type, is_text, gen, created_at, updated_at) "
        "VALUES(" +
        std::to_string(id) + ", 1, '/src/" + std::to_string(id) + "', 'f', 'file', 1, " +
        std::to_string(gen) + ", 0, 0)");
  }

  void indexed(const std::string& kind, const std::string& doc_id, int64_t gen,
               std::optional<int64_t> file_id = std::nullopt) {
    ChunkedDoc d{.kind = kind, .doc_id = doc_id, .gen = gen, .file_id = file_id};
    d.chunks = chunk_text("some text\n", ChunkLimits{3, 4096});
    Status st = write_doc(*db_, d, 0);
    ASSERT_TRUE(st.is_ok()) << st.message();
  }

  // Checks the count against the two listings and returns it.
  int64_t count(IndexSource& src) {
    auto n = src.count_dirty(*db_, kChunkerVersion);
    auto dirty = src.list_dirty(*db_, kChunkerVersion, 1000);
    auto removed = src.list_removed(*db_, 1000);
    EXPECT_TRUE(n.has_value() && dirty.has_value() && removed.has_value());
    if (!n.has_value() || !dirty.has_value() || !removed.has_value()) return -1;
    EXPECT_EQ(*n, static_cast<int64_t>(dirty->size() + removed->size())) << src.kind();
    return *n;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Db> db_;
  Sources sources_;
};

TEST_F(IndexSourceTest, AnEmptySourceHasNothingDirty) {
  for (auto& s : sources_) EXPECT_EQ(count(*s), 0) << s->kind();
}

TEST_F(IndexSourceTest, NewChangedAndRemovedFilesAreCountedFreshOnesAreNot) {
  IndexSource& files = source("file");
  add_file(1, 1);  // indexed at its gen: fresh
  indexed("file", "1", 1, 1);
  add_file(2, 3);  // indexed at an older gen: changed
  indexed("file", "2", 2, 2);
  add_file(3, 1);              // never indexed: new
  indexed("file", "4", 1, 4);  // indexed, gone from files: removed
  add_file(5, 1);              // indexed, then deleted: removed
  indexed("file", "5", 1, 5);
  sql("UPDATE files SET status = 'deleted' WHERE id = 5");
  EXPECT_EQ(count(files), 4);

  sql("UPDATE index_docs SET chunker_version = 0 WHERE doc_id = '1'");  // a new chunker
  EXPECT_EQ(count(files), 5);
}

TEST_F(IndexSourceTest, ASqlSourceCountsOnlyItsOwnKind) {
  IndexSource& tasks = source("task");
  sql("INSERT INTO tasks(id, list_id, title, version, created_at, updated_at) VALUES(1, 1, 'one', "
      "1, 0, "
      "0), (2, 1, 'two', 2, 0, 0)");
  // Task 1 indexed at the generation its source lists (fresh), task 2 at
  // another (changed).
  auto gen = db_->query_int("SELECT version * 1000003 + length(tags) FROM tasks WHERE id = 1");
  ASSERT_TRUE(gen.has_value());
  indexed("task", "1", *gen);
  indexed("task", "2", 1);
  indexed("knowledge", "k", 1);  // another kind's row is not a removed task
  EXPECT_EQ(count(tasks), 1);
  indexed("task", "3", 1);  // no task 3: removed
  EXPECT_EQ(count(tasks), 2);
  sql("DELETE FROM tasks");
  EXPECT_EQ(count(tasks), 3);
}

}  // namespace
}  // namespace cairn::indexer
