#include "indexer/query.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/db.h"

namespace cairn::indexer {
namespace {

TEST(Query, PlainWordsAreQuotedAndAnded) {
  EXPECT_EQ(parse_query("hello world").match, "\"hello\" AND \"world\"");
}

TEST(Query, PhrasesPrefixesAndExclusionsFollowTheGrammar) {
  EXPECT_EQ(parse_query("\"a phrase\" pre* -not").match, "(\"a phrase\" AND \"pre\"*) NOT \"not\"");
}

TEST(Query, OperatorWordsAreSearchedAsWords) {
  EXPECT_EQ(parse_query("AND OR NOT NEAR").match,
            "\"AND\" AND \"OR\" AND \"NOT\" AND \"NEAR\"");
}

TEST(Query, QuotesInsideATermAreDoubled) {
  EXPECT_EQ(parse_query("say\"hi").match, "\"say\"\"hi\"");
}

TEST(Query, TermsWithNothingSearchableAreDropped) {
  EXPECT_EQ(parse_query(": ^ ( ) * - \"\"").match, "");
  EXPECT_EQ(parse_query("( foo )").match, "\"foo\"");
}

TEST(Query, OnlyExclusionsSearchForNothing) { EXPECT_EQ(parse_query("-foo -bar").match, ""); }

TEST(Query, IdentifiersKeepUnderscoresAndDotsAsWritten) {
  auto q = parse_query("msgpack_unpacker_next std.vector");
  EXPECT_EQ(q.match, "\"msgpack_unpacker_next\" AND \"std.vector\"");
  EXPECT_EQ(q.substrings, (std::vector<std::string>{"msgpack_unpacker_next", "std.vector"}));
}

TEST(Query, ShortTermsDisableTheSubstringSearch) {
  EXPECT_TRUE(parse_query("ab unpack").substrings.empty());
  EXPECT_EQ(parse_query("Unpack").substrings, std::vector<std::string>{"Unpack"});
}

TEST(Query, NulControlCharactersAndInvalidUtf8BecomeSpaces) {
  auto q = parse_query(std::string("foo\0bar\xFF\tbaz", 13));
  EXPECT_EQ(q.match.find('\0'), std::string::npos);
  EXPECT_EQ(q.match, "\"foo\" AND \"bar\xEF\xBF\xBD\" AND \"baz\"");
}

// Every hostile input must give an expression FTS5 accepts: run them all.
TEST(Query, AnyUserTextIsAValidFts5Query) {
  std::string path = "/tmp/cairn-query-test-" + std::to_string(::getpid()) + ".db";
  auto db = store::Db::open(path, store::OpenMode::kReadWrite);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)
                  ->exec("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize=\"unicode61 "
                         "remove_diacritics 2 tokenchars '_'\");"
                         "INSERT INTO t VALUES('', 'foo bar near and or not msgpack_unpacker');")
                  .is_ok());
  std::vector<std::string> inputs = {
      "\"",        "\"\"\"",       "a\"b\"c\"",   "AND",         "OR",        "NOT",
      "NEAR",      "NEAR(a b)",    "a AND",       "OR b",        "NOT NOT",   "*",
      "**",        "a*b",          "*a",          "^",           "^foo",      "foo^",
      ":",         "title:foo",    "text : bar",  "{title}:foo", "(",         ")",
      "(foo",      "foo)",         "((a) OR (b))", "-",          "--foo",     "-\"a b\"",
      "foo -",     "+foo",         "a + b",       "\"unterminated", "é ü ñ 漢字", "emoji 😀",
      std::string("nul\0inside", 10), "\xFF\xFE\xFD", "\xC3",   "a\xC3",      "foo.bar.baz",
      "foo..bar",  "...",          "_",           "__init__",   "a,b;c",     "'single'",
      "`tick`",    "\\",           "%",           "100%",       "x=1",       "#include <stdio.h>",
      std::string(5000, 'a'),      std::string(3000, '"'), "NEAR/3", "foo NEAR/2 bar"};
  for (const auto& in : inputs) {
    auto q = parse_query(in);
    if (q.match.empty()) continue;
    auto s = (*db)->prepare("SELECT rowid FROM t WHERE t MATCH ?1");
    ASSERT_TRUE(s.has_value());
    s->bind(1, q.match);
    auto r = s->step();
    EXPECT_TRUE(r.has_value()) << "input [" << in << "] match [" << q.match
                           << "]: " << r.status().message();
  }
  db.value().reset();
  ::unlink(path.c_str());
  ::unlink((path + "-wal").c_str());
  ::unlink((path + "-shm").c_str());
}

}  // namespace
}  // namespace cairn::indexer
