// bm25_top against FTS5's own bm25 on a real database file: the same k best
// rows, in the same order, with the same scores, for every query form.
#include "indexer/ranking.h"

#include <gtest/gtest.h>

#include <random>

#include "store/db.h"
#include "tests/support/daemon_process.h"

namespace cairn::indexer {
namespace {

using Ranked = std::vector<std::pair<int64_t, double>>;

class RankingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(install_ranking().is_ok());
    auto db = store::Db::open(dir_ / "rank.db", store::OpenMode::kReadWrite);
    ASSERT_TRUE(db.has_value()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("CREATE VIRTUAL TABLE t USING fts5(title, text)").is_ok());
    // Rows of 1 to 60 words from a small vocabulary, some with a title: most
    // words are in most rows, the case where every row's length was read.
    static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo",
                                   "foxtrot", "golf", "hotel", "india", "juliet"};
    std::mt19937 rng(7);
    auto s = db_->prepare("INSERT INTO t(title, text) VALUES(?1, ?2)");
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(db_->exec("BEGIN").is_ok());
    for (int row = 0; row < 3000; ++row) {
      std::string title, text;
      if (row % 7 == 0) title = kWords[rng() % 10];
      for (int w = 0, n = 1 + static_cast<int>(rng() % 60); w < n; ++w) {
        text += std::string(w ? " " : "") + kWords[rng() % (w % 3 ? 10 : 4)];
      }
      ASSERT_TRUE(s->bind_all(title, text).run().is_ok());
      s->reset();
    }
    ASSERT_TRUE(db_->exec("COMMIT").is_ok());
  }

  Ranked ranked(const std::string& score, const std::string& match, int k) {
    auto s = db_->prepare("SELECT rowid, " + score + " AS score FROM t WHERE t MATCH ?1 ORDER "
                          "BY score, rowid LIMIT ?2");
    EXPECT_TRUE(s.has_value()) << s.status().message();
    Ranked out;
    if (!s.has_value()) return out;
    s->bind_all(match, k);
    for (;;) {
      auto row = s->step();
      EXPECT_TRUE(row.has_value()) << row.status().message();
      if (!row.has_value() || !*row) break;
      out.emplace_back(s->int64(0), s->real(1));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Db> db_;
};

TEST_F(RankingTest, TheKBestRowsTheirOrderAndScoresAreBm25s) {
  for (std::string match : {"alpha", "golf", "alpha delta", "\"bravo charlie\"", "echo NOT alpha",
                            "hotel OR india", "jul*", "title:golf", "NEAR(alpha juliet, 2)"}) {
    for (int k : {1, 5, 20, 100}) {
      Ranked want = ranked("bm25(t, 4.0, 1.0)", match, k);
      Ranked got = ranked("bm25_top(t, " + std::to_string(k) + ", 4.0, 1.0)", match, k);
      ASSERT_FALSE(want.empty()) << match;
      ASSERT_EQ(got.size(), want.size()) << match << " k=" << k;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].first, want[i].first) << match << " k=" << k << " #" << i;
        EXPECT_DOUBLE_EQ(got[i].second, want[i].second) << match << " k=" << k << " #" << i;
      }
    }
  }
}

// With k = 0, or no weights, every row gets bm25's score.
TEST_F(RankingTest, WithoutKEveryRowIsScoredAsBm25ScoresIt) {
  Ranked want = ranked("bm25(t)", "delta", 5000);
  Ranked got = ranked("bm25_top(t, 0)", "delta", 5000);
  ASSERT_GT(want.size(), 1000u);
  ASSERT_EQ(got, want);
}

// The lengths of rows that cannot be among the k best are not read: with those
// rows' sizes deleted from the docsize table, bm25 fails and bm25_top answers.
TEST_F(RankingTest, RowsThatCannotBeAmongTheBestAreNotRead) {
  ASSERT_TRUE(db_->exec("CREATE VIRTUAL TABLE u USING fts5(text)").is_ok());
  std::string tail;
  for (int i = 0; i < 60; ++i) tail += "pad ";
  // Rows 1-5: short, the word three times. Rows 6-50: the word once, after 60 words.
  for (int row = 1; row <= 50; ++row) {
    std::string text = row <= 5 ? "zulu zulu zulu" : tail + "zulu";
    auto s = db_->prepare("INSERT INTO u(rowid, text) VALUES(?1, ?2)");
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(s->bind_all(row, text).run().is_ok());
  }
  ASSERT_TRUE(db_->exec("DELETE FROM u_docsize WHERE id > 5").is_ok());
  auto bm25 = db_->prepare("SELECT rowid FROM u WHERE u MATCH 'zulu' ORDER BY bm25(u) LIMIT 5");
  ASSERT_TRUE(bm25.has_value());
  EXPECT_FALSE(bm25->step().has_value());
  auto top = db_->prepare(
      "SELECT rowid FROM u WHERE u MATCH 'zulu' ORDER BY bm25_top(u, 5), rowid LIMIT 5");
  ASSERT_TRUE(top.has_value());
  auto ids = top->column_texts(0);
  ASSERT_TRUE(ids.has_value()) << ids.status().message();
  EXPECT_EQ(*ids, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

}  // namespace
}  // namespace cairn::indexer
