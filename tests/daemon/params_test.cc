// Params' checks every method shares (matrix row 44, issue items 17, 20, 22, 23):
// text is UTF-8 without NUL except byte fields, times are real dates within
// 1970..2200, and a moment that happened is not in the future.
#include "daemon/params.h"

#include <gtest/gtest.h>

#include <functional>

#include "base/clock.h"

namespace cairn {
namespace {

Status params_check(const Json& args, const std::function<void(Params&)>& read) {
  Params p(Json::array({args}));
  read(p);
  return p.finish();
}

Status params_text_of(const std::string& s) {
  return params_check(Json{{"title", s}}, [](Params& p) { p.opt_str("title"); });
}

TEST(Params, TextMustBeUtf8WithoutNulAndTheErrorNamesTheField) {
  EXPECT_TRUE(params_text_of("caf\xc3\xa9 \xf0\x9f\x98\x80").is_ok());
  for (const std::string& bad :
       {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("ok\xe2\x82"), std::string("t\0u", 3)}) {
    Status st = params_text_of(bad);
    EXPECT_EQ(st.code(), Code::kInvalidParams) << bad;
    EXPECT_NE(st.message().find("title"), std::string::npos) << st.message();
  }
  EXPECT_NE(params_text_of(std::string("t\0u", 3)).message().find("NUL"), std::string::npos);
}

TEST(Params, StringListsEnumsAndValuesInsideAnyFollowTheSameTextRule) {
  Status list =
      params_check(Json{{"tags", {"a", "b\xff"}}}, [](Params& p) { p.opt_str_list("tags", 8); });
  EXPECT_EQ(list.code(), Code::kInvalidParams);
  EXPECT_NE(list.message().find("tags"), std::string::npos);
  Status nested = params_check(Json{{"details", {{"cmd", {"rm", "x\xffy"}}}}},
                               [](Params& p) { p.opt_any("details"); });
  EXPECT_EQ(nested.code(), Code::kInvalidParams);
  EXPECT_NE(nested.message().find("details"), std::string::npos);
  Status key = params_check(Json{{"value", {{"\xff", 1}}}}, [](Params& p) { p.any("value"); });
  EXPECT_EQ(key.code(), Code::kInvalidParams);
  Status tag = params_check(Json{{"tags", {"a", std::string("t\0u", 3)}}},
                            [](Params& p) { p.opt_any("tags"); });
  EXPECT_EQ(tag.code(), Code::kInvalidParams) << "a list item is text";
  // JSON data inside a map may hold U+0000, as an export writes it.
  EXPECT_TRUE(params_check(Json{{"value", {{"k", std::string("x\0y", 3)}}}}, [](Params& p) {
                p.any("value");
              }).is_ok());
  EXPECT_TRUE(params_check(Json{{"value", {{"k", {1, "two", nullptr}}}}}, [](Params& p) {
                p.any("value");
              }).is_ok());
  // Opaque bytes stay bytes.
  EXPECT_TRUE(params_check(Json{{"value", Json::binary({0xff, 0x00})}}, [](Params& p) {
                p.any("value");
              }).is_ok());
}

TEST(Params, BytesFieldsTakeAnyBytesButNul) {
  std::string got;
  EXPECT_TRUE(params_check(Json{{"path", "/tmp/\xff\xfe"}}, [&](Params& p) {
                got = p.bytes("path", 4096);
              }).is_ok());
  EXPECT_EQ(got, "/tmp/\xff\xfe");
  EXPECT_TRUE(params_check(Json{{"path", Json::binary({'/', 0xff})}}, [&](Params& p) {
                got = p.bytes("path", 4096);
              }).is_ok());
  EXPECT_EQ(got, "/\xff");
  EXPECT_EQ(params_check(Json{{"path", std::string("/a\0b", 4)}},
                         [](Params& p) { p.bytes("path", 4096); })
                .code(),
            Code::kInvalidParams);
}

Status params_time_of(const Json& v) {
  return params_check(Json{{"due", v}}, [](Params& p) { p.opt_time("due"); });
}

TEST(Params, ImpossibleDatesAndTimesAreRefusedNamingTheField) {
  for (const char* bad :
       {"2026-02-30", "2025-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
        "2026-01-00", "2026-01-01T25:00", "2026-01-01T24:00", "2026-01-01T10:60",
        "2026-12-31T23:59:60Z", "2026-01-01T10:00+15:00", "2026-01-01T10:00+01:60",
        "2026-01-01T10:00:00.1234567891Z", "2026-01-01T10:00Zjunk"}) {
    Status st = params_time_of(bad);
    EXPECT_EQ(st.code(), Code::kInvalidParams) << bad;
    EXPECT_NE(st.message().find("due"), std::string::npos) << bad << ": " << st.message();
  }
  EXPECT_NE(params_time_of("2026-02-30").message().find("does not exist"), std::string::npos);
  for (const char* good : {"2024-02-29", "2000-02-29", "2026-12-31T23:59:59.999Z",
                           "2026-06-01T12:00+14:00", "2026-06-01T12:00-12:00", "2026-06-01"}) {
    EXPECT_TRUE(params_time_of(good).is_ok()) << good << ": " << params_time_of(good).message();
  }
  EXPECT_FALSE(parse_iso8601("2026-02-30"));
}

TEST(Params, TimesOutside1970To2200AreRefused) {
  EXPECT_EQ(params_time_of("0001-01-01").code(), Code::kInvalidParams);
  EXPECT_EQ(params_time_of("9999-12-31").code(), Code::kInvalidParams);
  EXPECT_EQ(params_time_of("1969-12-31T23:59:59Z").code(), Code::kInvalidParams);
  EXPECT_EQ(params_time_of("2200-01-01").code(), Code::kInvalidParams);
  EXPECT_EQ(params_time_of(-1).code(), Code::kInvalidParams);
  EXPECT_EQ(params_time_of(int64_t{253402300799999}).code(), Code::kInvalidParams);
  EXPECT_TRUE(params_time_of(0).is_ok());
  EXPECT_TRUE(params_time_of("2199-12-31T23:59:59.999Z").is_ok());
  EXPECT_NE(params_time_of("9999-12-31").message().find("1970"), std::string::npos);
}

TEST(Params, AMomentThatHappenedMayNotLieBeyondTheClockSkewAllowance) {
  auto at = [](int64_t ms) {
    return params_check(Json{{"at", ms}}, [](Params& p) { p.opt_past_time("at"); });
  };
  int64_t now = wall_ms();
  EXPECT_TRUE(at(now - 86400000).is_ok());
  EXPECT_TRUE(at(now + 60000).is_ok()) << "a minute of skew is allowed";
  Status future = at(now + 10 * 60000);
  EXPECT_EQ(future.code(), Code::kInvalidParams);
  EXPECT_NE(future.message().find("at must not be in the future"), std::string::npos)
      << future.message();
  EXPECT_EQ(at(int64_t{7258118399999}).code(), Code::kInvalidParams);
}

}  // namespace
}  // namespace cairn
