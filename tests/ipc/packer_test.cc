#include "ipc/packer.h"

#include <gtest/gtest.h>

#include "ipc/codec.h"

namespace cairn::ipc {
namespace {

std::string packed(const Json& v) { return encode_value(v); }

// What a client decodes from a reply that holds `value`.
Json received(const Json& value) {
  Decoder d;
  d.feed(encode_response(1, Status::ok(), Json{{"v", value}}));
  DecodeError err;
  bool failed = false;
  auto m = d.next(err, failed);
  EXPECT_TRUE(m) << err.status.to_string();
  return m ? m->result["v"] : Json();
}

TEST(Packer, WritesScalarsContainersAndStoredValues) {
  Packer p;
  p.array(5).str("x").integer(-7).boolean(true).nil();
  p.map(1).str("stored").stored(packed({{"a", {1, 2}}}));
  EXPECT_EQ(received(p.take()), Json::parse(R"(["x", -7, true, null, {"stored": {"a": [1, 2]}}])"));
}

// A damaged stored value (cut short, an ext type, a number as a map key, two
// values) is written as null: the reply around it stays well formed.
TEST(Packer, ADamagedStoredValueIsWrittenAsNull) {
  for (std::string bad : {std::string("\x81\xa1k", 3), std::string("\xd4\x05\x00", 3),
                          std::string("\x81\x01\x02", 3), std::string("\x01\x02", 2),
                          std::string()}) {
    Packer p;
    p.array(2).stored(bad).integer(1);
    EXPECT_EQ(received(p.take()), Json::parse("[null, 1]"));
  }
}

// map_over keeps the stored map's own entries, lets the caller's keys replace
// the stored ones of the same name, and counts a damaged map as empty.
TEST(Packer, MapOverMergesAStoredMapUnderTheCallersKeys) {
  Packer p;
  p.array(3);
  p.map_over(packed({{"path", "/a"}, {"id", "old"}, {"n", {1}}}), {"id", "kind"});
  p.str("id").str("7").str("kind").str("modified");
  p.map_over(std::string("\x82\xa1k", 3), {"id"}).str("id").str("8");
  p.map_over("", {"id"}).str("id").str("9");
  Json got = received(p.take());
  EXPECT_EQ(got[0], Json::parse(R"({"path": "/a", "id": "7", "kind": "modified", "n": [1]})"));
  EXPECT_EQ(got[1], Json::parse(R"({"id": "8"})"));
  EXPECT_EQ(got[2], Json::parse(R"({"id": "9"})"));
}

TEST(Packer, AppendCountsRowsWrittenBeforeTheirArrayHeader) {
  Packer rows;
  for (int i = 0; i < 3; ++i) rows.integer(i);
  Packer all;
  all.array(3).append(rows);
  EXPECT_EQ(received(all.take()), Json::parse("[0, 1, 2]"));
}

}  // namespace
}  // namespace cairn::ipc
