// Resource URIs and which of them a change-feed event touches.
#include "clients/mcp/resources.h"

#include <gtest/gtest.h>

namespace cairn::mcp {
namespace {

TEST(Resources, AcceptsEveryDocumentedFormAndNothingElse) {
  for (const char* uri :
       {"cairn://tasks/ready", "cairn://task/12", "cairn://knowledge/k1", "cairn://message/m1",
        "cairn://session/s1/messages", "cairn://session/s1/messages?page=2",
        "cairn://file/a/b.c?start=1&end=9"}) {
    EXPECT_TRUE(is_resource_uri(uri)) << uri;
  }
  for (const char* uri :
       {"http://x/", "cairn://task/", "cairn://session/s1", "cairn://nothing/1", "cairn://file"}) {
    EXPECT_FALSE(is_resource_uri(uri)) << uri;
  }
}

TEST(Resources, ATaskEventTouchesTheTaskAndTheReadyList) {
  auto keys = keys_for_event(Json{{"topic", "tasks"}, {"kind", "update"}, {"id", 7}});
  EXPECT_EQ(keys, (std::vector<std::string>{"cairn://tasks/ready", "cairn://task/7"}));
}

TEST(Resources, AMessageEventTouchesItsSessionAndAFileEventItsPathWhateverTheRange) {
  auto keys = keys_for_event(Json{{"topic", "messages"}, {"id", "m1"}, {"session_id", "s1"}});
  EXPECT_EQ(keys, (std::vector<std::string>{"cairn://message/m1", "cairn://session/s1/messages"}));
  keys = keys_for_event(Json{{"topic", "files"}, {"kind", "modified"}, {"path", "/a/b.c"}});
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], resource_key("cairn://file/a/b.c?start=3&end=4"));
  EXPECT_TRUE(keys_for_event(Json{{"topic", "prefs"}, {"id", "a/b"}}).empty());
}

}  // namespace
}  // namespace cairn::mcp
