// Tool input schemas derived from daemon.describe entries, and argument checks.
#include "clients/mcp/tool_schema.h"

#include <gtest/gtest.h>

namespace cairn::mcp {
namespace {

// A daemon.describe entry in the agreed shape.
Json tasks_create_entry() {
  return Json::parse(R"({
    "name": "tasks.create", "kind": "write", "description": "Creates a task",
    "params": {
      "type": "object",
      "properties": {
        "title": {"type": "string", "maxLength": 1000, "description": "the task's title"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "status": {"type": "string", "enum": ["todo", "done"]},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
      },
      "required": ["title"],
      "additionalProperties": false
    },
    "topics": ["tasks"]
  })");
}

std::vector<ToolProp> props() {
  return {ToolProp{"name", "title", Json{{"type", "string"}}, false, "", nullptr},
          ToolProp{"priority", "priority", Json{{"type", "integer"}}, false, "", nullptr},
          ToolProp{"status", "status", Json{{"type", "string"}}, false, "", "todo"},
          ToolProp{"tags", "tags", Json{{"type", "array"}}, false, "", nullptr},
          ToolProp{"wait", "", Json{{"type", "integer"}, {"minimum", 0}}, false, "", nullptr}};
}

TEST(ToolSchema, CopiesEachPropertyFromTheMethodsDeclarationUnderTheToolsName) {
  Json s = derive_input_schema(tasks_create_entry(), props());
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["properties"]["name"]["maxLength"], 1000);
  EXPECT_EQ(s["properties"]["name"]["description"], "the task's title");
  EXPECT_EQ(s["properties"]["priority"]["maximum"], 5);
  EXPECT_EQ(s["required"], Json::array({"name"}));
  EXPECT_FALSE(s["properties"].contains("title"));
}

TEST(ToolSchema, TheBridgesOwnPropertiesAndAnUndescribedMethodUseTheFallback) {
  Json s = derive_input_schema(tasks_create_entry(), props());
  EXPECT_EQ(s["properties"]["wait"]["minimum"], 0);
  Json fallback = derive_input_schema(nullptr, props());
  EXPECT_EQ(fallback["properties"]["priority"], Json({{"type", "integer"}}));
  EXPECT_FALSE(fallback.contains("required"));  // none marked required in the table
}

TEST(ToolSchema, ADefaultMakesAParameterOptionalAndIsSentWhenAbsent) {
  Json s = derive_input_schema(tasks_create_entry(), props());
  EXPECT_EQ(s["properties"]["status"]["default"], "todo");
  Json args = to_method_args(props(), Json{{"name", "x"}, {"wait", 3}});
  EXPECT_EQ(args, Json({{"title", "x"}, {"status", "todo"}}));
}

TEST(ToolSchema, ChecksNameTheUnknownMissingOrMistypedArgument) {
  Json s = derive_input_schema(tasks_create_entry(), props());
  EXPECT_TRUE(check_arguments(s, Json{{"name", "a"}, {"priority", 5}}).is_ok());
  auto bad = [&](const Json& args) { return check_arguments(s, args).message(); };
  EXPECT_NE(bad(Json{{"name", "a"}, {"nmae", 1}}).find("unknown argument nmae"), std::string::npos);
  EXPECT_NE(bad(Json::object()).find("missing required argument name"), std::string::npos);
  EXPECT_NE(bad(Json{{"name", 7}}).find("name must be string"), std::string::npos);
  EXPECT_NE(bad(Json{{"name", "a"}, {"priority", 9}}).find("priority must be at most 5"),
            std::string::npos);
  EXPECT_NE(bad(Json{{"name", "a"}, {"status", "later"}}).find("status must be one of"),
            std::string::npos);
  EXPECT_NE(bad(Json{{"name", "a"}, {"tags", {"a", 1}}}).find("tags[1] must be string"),
            std::string::npos);
  EXPECT_NE(bad(Json{{"name", "a"}, {"tags", {"a", "b", "c"}}}).find("more than 2"),
            std::string::npos);
  EXPECT_EQ(check_arguments(s, Json::array()).code(), Code::kInvalidParams);
}

}  // namespace
}  // namespace cairn::mcp
