#include "indexer/chunker.h"

#include <gtest/gtest.h>

namespace cairn::indexer {
namespace {

std::string lines(int n, const std::string& word = "line") {
  std::string s;
  for (int i = 1; i <= n; ++i) s += word + std::to_string(i) + "\n";
  return s;
}

TEST(Chunker, EmptyTextGivesNoChunks) { EXPECT_TRUE(chunk_text("").empty()); }

TEST(Chunker, ShortTextIsOneChunkWithItsLineRange) {
  auto c = chunk_text("a\nb\nc");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].start_line, 1);
  EXPECT_EQ(c[0].end_line, 3);
  EXPECT_EQ(c[0].text, "a\nb\nc");
}

TEST(Chunker, ChunksCoverEveryLineInOrderWithoutGapsOrOverlap) {
  std::string text = lines(237);
  auto c = chunk_text(text, ChunkLimits{50, 100000});
  ASSERT_EQ(c.size(), 5u);
  int next = 1;
  std::string joined;
  for (const auto& ch : c) {
    EXPECT_EQ(ch.start_line, next);
    EXPECT_LE(ch.end_line - ch.start_line + 1, 50);
    next = ch.end_line + 1;
    joined += ch.text;
  }
  EXPECT_EQ(next, 238);
  EXPECT_EQ(joined, text);
}

TEST(Chunker, ChunksStayUnderTheByteLimitAndCutOnlyAtLineEnds) {
  std::string text = lines(400, "some_identifier_");
  ChunkLimits lim{1000, 512};
  auto c = chunk_text(text, lim);
  ASSERT_GT(c.size(), 1u);
  for (const auto& ch : c) {
    EXPECT_LE(ch.text.size(), lim.max_bytes);
    EXPECT_EQ(ch.text.back(), '\n');
  }
}

TEST(Chunker, ALineLongerThanAChunkIsCutIntoPiecesThatKeepItsNumber) {
  std::string text = "first\n" + std::string(5000, 'x') + "\nlast\n";
  auto c = chunk_text(text, ChunkLimits{50, 2048});
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].start_line, 1);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(c[i].start_line, 2);
    EXPECT_EQ(c[i].end_line, 2);
  }
  EXPECT_EQ(c[4].start_line, 3);
}

TEST(Chunker, CuttingALongLineNeverSplitsAUtf8Character) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xC3\xA9";  // é
  auto c = chunk_text(text, ChunkLimits{50, 1001});
  for (const auto& ch : c) EXPECT_EQ(to_valid_utf8(ch.text), ch.text);
}

TEST(Chunker, WhitespaceOnlyChunksAreDropped) {
  std::string text = "word\n" + std::string(60, '\n') + "other\n";
  auto c = chunk_text(text, ChunkLimits{50, 100000});
  for (const auto& ch : c) EXPECT_NE(ch.text.find_first_not_of("\n"), std::string::npos);
  EXPECT_EQ(c.back().end_line, 62);
}

TEST(Chunker, InvalidUtf8IsReplacedAndLineBreaksKept) {
  std::string bad = "ok\n\xFF\xFE bad\n\xC0\x80 overlong\nend";
  std::string fixed = to_valid_utf8(bad);
  EXPECT_EQ(fixed, "ok\n\xEF\xBF\xBD\xEF\xBF\xBD bad\n\xEF\xBF\xBD\xEF\xBF\xBD overlong\nend");
  EXPECT_EQ(chunk_text(fixed)[0].end_line, 4);
}

TEST(Chunker, ANulInTheFirstBytesMeansBinary) {
  EXPECT_TRUE(looks_binary(std::string("abc\0def", 7)));
  EXPECT_FALSE(looks_binary("plain text\n"));
}

}  // namespace
}  // namespace cairn::indexer
