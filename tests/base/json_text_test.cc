// The one depth limit on JSON values (reliability matrix row 33): every way a
// value gets in is checked without recursion.
#include "base/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

std::string nested_text(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

Json nested_value(size_t depth) {
  Json v = Json::array();
  for (size_t i = 1; i < depth; ++i) v = Json::array({std::move(v)});
  return v;
}

TEST(JsonText, DepthIsCountedWithoutRecursionAndStopsPastTheLimit) {
  EXPECT_EQ(json_depth(Json(1)), 0u);
  EXPECT_EQ(json_depth(nested_value(5)), 5u);
  EXPECT_EQ(json_text_depth(nested_text(5)), 5u);
  EXPECT_EQ(json_text_depth(R"({"a":"[[[[[[","b":[1]})"), 2u);  // brackets in strings skipped
  EXPECT_EQ(json_text_depth(R"(["\"[[[["])"), 1u);
  // 200,000 levels would overflow a recursive walk; these return at once.
  EXPECT_EQ(json_text_depth(nested_text(200000)), kMaxJsonDepth + 1);
}

TEST(JsonText, ClientTextNestedDeeperThanTheLimitIsRefusedNamingTheField) {
  auto r = parse_json_param(nested_text(50000), "settings");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("settings is nested deeper than 32"), std::string::npos);
  EXPECT_TRUE(parse_json_param(nested_text(kMaxJsonDepth), "settings"));
}

TEST(JsonText, ClientTextWithARepeatedKeyIsRefusedNamingTheKey) {
  auto r = parse_json_param(R"({"a":1,"b":{"c":1,"c":2}})", "metadata");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_NE(r.status().message().find("metadata repeats the key \"c\""), std::string::npos);
  // The same key in sibling objects is fine.
  EXPECT_TRUE(parse_json_param(R"([{"c":1},{"c":2}])", "metadata"));
}

TEST(JsonText, AStoredColumnNestedTooDeepReadsAsAnErrorNotACrash) {
  auto r = parse_json_text(nested_text(100000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(JsonText, ValuesNestedTooDeepAreNotSerialized) {
  // A value this deep cannot arrive over RPC (the decoder stops at 32), but an
  // internal caller must still get an error, not a stack overflow in dump().
  auto r = to_json_text(nested_value(kMaxJsonDepth + 1), "value");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
  EXPECT_TRUE(to_json_text(nested_value(kMaxJsonDepth), "value"));
}

}  // namespace
}  // namespace cairn
