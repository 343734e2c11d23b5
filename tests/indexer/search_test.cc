// search() and the index's write side on a real, migrated database file.
#include "indexer/search.h"

#include <gtest/gtest.h>
#include <chrono>
#include <unistd.h>

#include "indexer/index_store.h"
#include "indexer/ranking.h"
#include "store/store.h"
#include "tests/support/daemon_process.h"

namespace cairn::indexer {
namespace {

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(install_ranking().is_ok());
    auto opened = store::open_store(dir_ / "cairn.db");
    ASSERT_TRUE(opened.has_value()) << opened.status().message();
    db_ = std::move(opened->db);
    ASSERT_TRUE(db_->exec("INSERT INTO roots(id, path, created_at) VALUES(1, '/src', 0)").is_ok());
  }

  void add_file(int64_t id, const std::string& path, const std::string& text) {
    auto s = db_->prepare(
        "INSERT INTO files(id, root_id, path, name, type, is_text, created_at, updated_at) "
        "VALUES(?1, 1, ?2, ?2, 'file', 1, 0, 0)");
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(s->bind_all(id, path).run().is_ok());
    ChunkedDoc d;
    d.kind = "file";
    d.doc_id = std::to_string(id);
    d.gen = 1;
    d.file_id = id;
    d.chunks = chunk_text(text, ChunkLimits{3, 4096});
    Status st = write_doc(*db_, d, 0);
    ASSERT_TRUE(st.is_ok()) << st.message();
  }

  Json run(SearchRequest r) {
    auto out = search(*db_, r);
    EXPECT_TRUE(out.has_value()) << out.status().message();
    return out.has_value() ? *out : Json();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Db> db_;
};

TEST_F(SearchTest, AWordIsFoundWithItsPathLineRangeAndHighlight) {
  add_file(1, "/src/a.c", "one\ntwo\nthree\nfour\nint msgpack_unpacker_next(void);\nsix\n");
  Json r = run({.q = "msgpack_unpacker_next"});
  ASSERT_EQ(r["results"].size(), 1u);
  const Json& hit = r["results"][0];
  EXPECT_EQ(hit["path"], "/src/a.c");
  EXPECT_EQ(hit["start_line"], 4);
  EXPECT_EQ(hit["end_line"], 6);
  EXPECT_EQ(hit["line"], 5);
  EXPECT_EQ(hit["snippet"], "int msgpack_unpacker_next(void);");
  EXPECT_EQ(hit["highlights"], Json::parse("[[4, 21]]"));
  EXPECT_EQ(hit["match"], "word");
}

TEST_F(SearchTest, APhraseHitPointsAtTheLineAndColumnOfThePhraseNotOfOneOfItsWords) {
  // One chunk (three lines): the first line holds a word of the phrase.
  add_file(1, "/src/p.txt", "the quick fox\n  a quick  brown fox\nend\n");
  Json r = run({.q = "\"quick brown\""});
  ASSERT_EQ(r["results"].size(), 1u);
  const Json& hit = r["results"][0];
  EXPECT_EQ(hit["line"], 2);
  EXPECT_EQ(hit["column"], 5);
  EXPECT_EQ(hit["snippet"], "a quick  brown fox");
  EXPECT_EQ(hit["highlights"], Json::parse("[[2, 12]]"));
  // A lone word: its first line, and its column in the untrimmed line.
  Json w = run({.q = "brown"});
  ASSERT_EQ(w["results"].size(), 1u);
  EXPECT_EQ(w["results"][0]["line"], 2);
  EXPECT_EQ(w["results"][0]["column"], 12);
}

TEST(Snippet, APhraseAcrossALineBreakStartsOnTheLineOfItsFirstWord) {
  Snippet s = make_snippet("red alone\nsay red\n  car here\n", 7, {"red", "car"}, {{"red", "car"}});
  EXPECT_EQ(s.line, 8);
  EXPECT_EQ(s.column, 5);
  EXPECT_EQ(s.text, "say red");
}

TEST_F(SearchTest, ASubstringOfAnIdentifierIsFound) {
  add_file(1, "/src/a.c", "int msgpack_unpacker_next(void);\n");
  Json r = run({.q = "Unpack"});
  ASSERT_EQ(r["results"].size(), 1u);
  EXPECT_EQ(r["results"][0]["match"], "substring");
  EXPECT_EQ(r["results"][0]["highlights"], Json::parse("[[12, 6]]"));
}

TEST_F(SearchTest, WordHitsRankBeforeSubstringHits) {
  add_file(1, "/src/a.c", "call unpack here\n");
  add_file(2, "/src/b.c", "msgpack_unpacker_next\n");
  Json r = run({.q = "unpack"});
  ASSERT_EQ(r["results"].size(), 2u);
  EXPECT_EQ(r["results"][0]["path"], "/src/a.c");
  EXPECT_EQ(r["results"][1]["path"], "/src/b.c");
  EXPECT_EQ(r["total"], 2);
}

TEST_F(SearchTest, RootGlobAndKindFiltersNarrowTheResults) {
  add_file(1, "/src/x/a.h", "shared_word\n");
  add_file(2, "/src/y/b.c", "shared_word\n");
  add_file(3, "/srcother/c.c", "shared_word\n");
  EXPECT_EQ(run({.q = "shared_word"})["results"].size(), 3u);
  EXPECT_EQ(run({.q = "shared_word", .root = "/src"})["results"].size(), 2u);
  EXPECT_EQ(run({.q = "shared_word", .path_glob = "*.h"})["results"].size(), 1u);
  EXPECT_EQ(run({.q = "shared_word", .kinds = {"task"}})["results"].size(), 0u);
  EXPECT_EQ(run({.q = "shared_word", .kinds = {"file"}, .root = "/src/y"})["results"][0]["path"],
            "/src/y/b.c");
}

TEST_F(SearchTest, AKindFilterDoesNotMakeTheSubstringPassScanEveryChunkOfTheKind) {
  // Identifiers sharing a prefix (wgx0 ... wgx5999): a rare one has one word
  // hit, so the substring pass runs. With the kind filter it must cost about
  // what it costs without one, not one trigram query per chunk of the kind.
  ASSERT_TRUE(db_->exec("BEGIN").is_ok());
  for (int i = 0; i < 6000; ++i) {
    ChunkedDoc d;
    d.kind = "knowledge";
    d.doc_id = "k" + std::to_string(i);
    d.gen = 1;
    d.chunks = chunk_text("note " + std::to_string(i) + " about wgx" + std::to_string(i),
                          ChunkLimits{3, 4096});
    ASSERT_TRUE(write_doc(*db_, d, 0).is_ok());
  }
  ASSERT_TRUE(db_->exec("COMMIT").is_ok());
  auto timed = [&](SearchRequest r) {
    auto start = std::chrono::steady_clock::now();
    Json out = run(std::move(r));
    EXPECT_EQ(out["results"].size(), 1u);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  double all_kinds = timed({.q = "wgx1234"});
  double one_kind = timed({.q = "wgx1234", .kinds = {"knowledge"}});
  EXPECT_LT(one_kind, 5 * all_kinds + 50) << "without a kind filter: " << all_kinds << " ms";
}

TEST_F(SearchTest, LimitAndOffsetPage) {
  for (int i = 1; i <= 5; ++i) add_file(i, "/src/f" + std::to_string(i), "pageword\n");
  Json a = run({.q = "pageword", .limit = 2});
  Json b = run({.q = "pageword", .limit = 2, .offset = 4});
  EXPECT_EQ(a["results"].size(), 2u);
  EXPECT_FALSE(a.contains("total"));
  EXPECT_EQ(b["results"].size(), 1u);
  EXPECT_EQ(b["total"], 5);
}

TEST_F(SearchTest, ReplacingAndForgettingADocumentKeepsTheFtsTablesConsistent) {
  add_file(1, "/src/a.c", "oldword\n");
  add_file(1 + 1, "/src/b.c", "keep\n");
  ChunkedDoc d{.kind = "file", .doc_id = "1", .gen = 2, .file_id = 1};
  d.chunks = chunk_text("newword\n");
  ASSERT_TRUE(write_doc(*db_, d, 0).is_ok());
  EXPECT_EQ(run({.q = "oldword"})["results"].size(), 0u);
  EXPECT_EQ(run({.q = "newword"})["results"].size(), 1u);
  ASSERT_TRUE(forget_doc(*db_, "file", "1").is_ok());
  EXPECT_EQ(run({.q = "newword"})["results"].size(), 0u);
  EXPECT_TRUE(db_->exec("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1);"
                        "INSERT INTO chunks_tri(chunks_tri, rank) VALUES('integrity-check', 1)")
                  .is_ok());
}

TEST_F(SearchTest, HostileQueriesAnswerWithoutErrors) {
  add_file(1, "/src/a.c", "foo bar \"quoted\" (paren) x:y a^b\n");
  for (std::string q : {"\"", "foo AND", "NEAR(foo bar)", "(", ")", "*", "^", ":", "x:y", "-",
                        "\"foo", "a^b", "(paren)", "é", "\xFF", "%_%"}) {
    auto out = search(*db_, SearchRequest{.q = q});
    EXPECT_TRUE(out.has_value()) << q << ": " << out.status().message();
  }
  EXPECT_EQ(run({.q = "x:y"})["results"].size(), 1u);
  EXPECT_EQ(run({.q = "(paren)"})["results"].size(), 1u);
}

TEST(Snippet, LongLinesAreCutAroundTheMatch) {
  std::string line = std::string(500, 'a') + " needle " + std::string(500, 'b');
  Snippet s = make_snippet("x\n" + line + "\n", 10, {"needle"}, {}, 100);
  EXPECT_EQ(s.line, 11);
  EXPECT_LE(s.text.size(), 100u);
  ASSERT_EQ(s.highlights.size(), 1u);
  EXPECT_EQ(s.text.substr(s.highlights[0].first, 6), "needle");
}

}  // namespace
}  // namespace cairn::indexer
