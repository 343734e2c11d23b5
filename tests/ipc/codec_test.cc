#include "ipc/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cairn::ipc {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// Feeds `input` and returns the first failure (or OK if none).
Status decode_status(const std::string& input, const Limits& limits = {}) {
  Decoder d(limits);
  d.feed(input);
  DecodeError err;
  bool failed = false;
  while (d.next(err, failed)) {
  }
  return failed ? err.status : Status::ok();
}

TEST(Codec, RoundTripsARequest) {
  Json params =
      Json::array({{{"name", "x"}, {"n", -5}, {"ok", true}, {"list", {1, 2.5, nullptr}}}});
  std::string wire = encode_request(7, "tasks.create", params);
  Decoder d;
  d.feed(wire);
  DecodeError err;
  bool failed;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, MessageType::kRequest);
  EXPECT_EQ(m->msgid, 7u);
  EXPECT_EQ(m->method, "tasks.create");
  EXPECT_EQ(m->params, params);
}

TEST(Codec, DecodesMessagesSplitAtEveryByte) {
  std::string wire = encode_request(1, "a", Json::array()) + encode_request(2, "b", Json::array());
  Decoder d;
  std::vector<uint32_t> ids;
  for (char c : wire) {
    d.feed(std::string(1, c));
    DecodeError err;
    bool failed;
    while (auto m = d.next(err, failed)) ids.push_back(m->msgid);
    ASSERT_FALSE(failed);
  }
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 2}));
}

TEST(Codec, KeepsInvalidUtf8AndBinaryByteExact) {
  std::string odd = "caf\xff\xfe\n";
  Json params = Json::array({{{"path", odd}, {"blob", Json::binary({0, 1, 255})}}});
  Decoder d;
  d.feed(encode_request(3, "m", params));
  DecodeError err;
  bool failed;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params[0]["path"].get<std::string>(), odd);
  EXPECT_TRUE(m->params[0]["blob"].is_binary());
}

TEST(Codec, RefusesLengthHeadersBeforeTheirBodyArrives) {
  // Only the 5-byte header is sent: each must be refused without waiting.
  for (int tag : {0xdd, 0xdf, 0xdb, 0xc6, 0xc9}) {
    Status st = decode_status(bytes({tag, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(st.code(), Code::kTooLarge) << "tag " << tag;
  }
}

TEST(Codec, RefusesNestingDeeperThanTheLimit) {
  std::string deep(100000, static_cast<char>(0x91));
  EXPECT_EQ(decode_status(deep).code(), Code::kTooLarge);
  Limits l;
  std::string ok(l.max_depth - 1, static_cast<char>(0x91));
  ok.push_back(static_cast<char>(0xc0));
  EXPECT_TRUE(decode_status(ok).is_ok() || decode_status(ok).code() == Code::kInvalidRequest);
}

TEST(Codec, RefusesMoreValuesThanTheLimitEvenWhenEachArrayIsWithinItsCount) {
  Limits l;
  // [0, 1, "m", [[nil x 4000] x 40]]: 160,000 nils in a 160 KB frame.
  std::string wide = bytes({0x94, 0x00, 0x01, 0xa1, 'm', 0x91, 0xdc, 0x00, 40});
  for (int i = 0; i < 40; ++i) {
    wide += bytes({0xdc, 0x0f, 0xa0}) + std::string(4000, static_cast<char>(0xc0));
  }
  Status st = decode_status(wide, l);
  EXPECT_EQ(st.code(), Code::kTooLarge);
  EXPECT_NE(st.message().find("values"), std::string::npos) << st.to_string();
  l.max_values = 200000;
  EXPECT_NE(decode_status(wide, l).code(), Code::kTooLarge);
}

TEST(Codec, RefusesAFrameLargerThanTheCap) {
  Limits l;
  l.max_frame_bytes = 1024;
  std::string big = encode_request(1, "m", Json::array({std::string(2000, 'x')}));
  EXPECT_EQ(decode_status(big, l).code(), Code::kTooLarge);
}

TEST(Codec, RefusesTheReservedByte) {
  EXPECT_EQ(decode_status(bytes({0xc1})).code(), Code::kParseError);
}

TEST(Codec, ShapeErrorsKeepTheMsgidWhenItCanBeRead) {
  // [0, 9, 42, []]: the method is not a string.
  Decoder d;
  d.feed(bytes({0x94, 0x00, 0x09, 0x2a, 0x90}));
  DecodeError err;
  bool failed;
  EXPECT_FALSE(d.next(err, failed));
  ASSERT_TRUE(failed);
  EXPECT_EQ(err.status.code(), Code::kInvalidRequest);
  ASSERT_TRUE(err.msgid);
  EXPECT_EQ(*err.msgid, 9u);
  EXPECT_FALSE(err.fatal);
}

TEST(Codec, RejectsWrongTopLevelShapes) {
  EXPECT_EQ(decode_status(bytes({0x2a})).code(), Code::kInvalidRequest);  // 42
  EXPECT_EQ(decode_status(bytes({0x94, 0x05, 0x01, 0xa1, 'm', 0x90})).code(),
            Code::kInvalidRequest);  // type 5
  EXPECT_EQ(
      decode_status(bytes({0x94, 0x00, 0xcf, 1, 0, 0, 0, 0, 0, 0, 0, 0xa1, 'm', 0x90})).code(),
      Code::kInvalidRequest);  // msgid >= 2^32
  EXPECT_EQ(decode_status(bytes({0x94, 0x00, 0xff, 0xa1, 'm', 0x90})).code(),
            Code::kInvalidRequest);  // negative msgid
  EXPECT_EQ(decode_status(bytes({0x94, 0x00, 0x01, 0xa1, 'm', 0x2a})).code(),
            Code::kInvalidRequest);  // params not an array
  EXPECT_EQ(decode_status(bytes({0x81, 0x01, 0x02})).code(), Code::kInvalidRequest);  // int key
}

// Decodes one message and returns the failure.
DecodeError decode_error(const std::string& input, const Limits& limits = {}) {
  Decoder d(limits);
  d.feed(input);
  DecodeError err;
  bool failed = false;
  while (d.next(err, failed)) {
  }
  EXPECT_TRUE(failed);
  return err;
}

// [0, 5, "m", [{"a": {<key>: 1}}]] with the inner key's bytes given.
std::string request_with_inner_key(const std::string& key_bytes) {
  return bytes({0x94, 0x00, 0x05, 0xa1, 'm', 0x91, 0x81, 0xa1, 'a', 0x81}) + key_bytes +
         bytes({0x01});
}

// Row 33 / issue item 18: a bad key inside params is the caller's mistake in
// that request, answered to its msgid; the connection goes on.
TEST(Codec, AnIntegerMapKeyInsideParamsIsInvalidParamsForThatRequest) {
  DecodeError err = decode_error(request_with_inner_key(bytes({0x07})));
  EXPECT_EQ(err.status.code(), Code::kInvalidParams);
  EXPECT_NE(err.status.message().find("params[0].a has a map key that is not a string"),
            std::string::npos)
      << err.status.message();
  ASSERT_TRUE(err.msgid);
  EXPECT_EQ(*err.msgid, 5u);
  EXPECT_FALSE(err.fatal);
}

TEST(Codec, ARepeatedMapKeyIsRefusedNamingItNotLastWins) {
  // [0, 6, "m", [{"x": 1, "x": 2}]]
  DecodeError err = decode_error(
      bytes({0x94, 0x00, 0x06, 0xa1, 'm', 0x91, 0x82, 0xa1, 'x', 0x01, 0xa1, 'x', 0x02}));
  EXPECT_EQ(err.status.code(), Code::kInvalidParams);
  EXPECT_NE(err.status.message().find("params[0] repeats the key \"x\""), std::string::npos)
      << err.status.message();
  ASSERT_TRUE(err.msgid);
  EXPECT_EQ(*err.msgid, 6u);
  EXPECT_FALSE(err.fatal);
}

TEST(Codec, TheStreamGoesOnAfterARequestWithABadKey) {
  Decoder d;
  d.feed(request_with_inner_key(bytes({0x07})) + encode_request(8, "daemon.ping", Json::array()));
  DecodeError err;
  bool failed = false;
  EXPECT_FALSE(d.next(err, failed));
  EXPECT_TRUE(failed);
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->msgid, 8u);
}

// Row 32 / issue item 5: what a message costs once decoded is bounded, not
// only its frame.
TEST(Codec, AMessageTooLargeOnceDecodedIsTooLargeForThatRequest) {
  Json many = Json::array();
  for (int i = 0; i < 4000; ++i) many.push_back("s" + std::to_string(i));
  std::string wire = encode_request(11, "m", Json::array({many}));
  Limits l;
  l.max_decoded_bytes = 64 * 1024;  // the frame is ~30 KB, decoded ~4000 * 80 bytes
  ASSERT_LT(wire.size(), l.max_decoded_bytes);
  DecodeError err = decode_error(wire, l);
  EXPECT_EQ(err.status.code(), Code::kTooLarge);
  ASSERT_TRUE(err.msgid);
  EXPECT_EQ(*err.msgid, 11u);
  EXPECT_FALSE(err.fatal);
  // Under the default limit it decodes, and says what it costs.
  Decoder d;
  d.feed(wire);
  bool failed = false;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  EXPECT_GT(m->decoded_bytes, 4000u * sizeof(Json));
}

// Row 36 / issue item 13: the server tells a partial message (the peer's
// part) from whole ones it has not taken yet.
TEST(Codec, HasFrameTellsAWholeMessageFromAPartialOne) {
  std::string wire = encode_request(1, "daemon.ping", Json::array());
  Decoder d;
  EXPECT_FALSE(d.has_frame());
  d.feed(wire.substr(0, 3));
  EXPECT_FALSE(d.has_frame());
  d.feed(wire.substr(3) + wire.substr(0, 2));
  EXPECT_TRUE(d.has_frame());
  EXPECT_TRUE(d.has_frame());  // asking again changes nothing
  DecodeError err;
  bool failed = false;
  ASSERT_TRUE(d.next(err, failed));
  EXPECT_FALSE(d.has_frame());  // what is left is a partial message
  EXPECT_GT(d.buffered(), 0u);
}

TEST(Codec, EncodingAValueDeeperThanAnyClientReadsFailsInsteadOfCrashing) {
  Json v = Json::array();
  for (int i = 0; i < 100000; ++i) v = Json::array({std::move(v)});
  std::string reply = encode_reply(3, Status::ok(), v);
  Decoder d;
  d.feed(reply);
  DecodeError err;
  bool failed = false;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  EXPECT_EQ(status_from_error_value(m->error).code(), Code::kInternal);
  EXPECT_EQ(response_msgid(reply), 3u);
}

TEST(Codec, ErrorValuesCarryKindAndCode) {
  Json e = error_value(Status(Code::kNotFound, "no task 5"));
  EXPECT_EQ(e, Json::array({1, "NOT_FOUND: no task 5"}));
  Json s = error_value(Status(Code::kIoError, "disk"));
  EXPECT_EQ(s[0], 0);
  Status back = status_from_error_value(e);
  EXPECT_EQ(back.code(), Code::kNotFound);
  EXPECT_EQ(back.message(), "no task 5");
}

TEST(Codec, FloatsStayFloatsWithTheirSign) {
  // 1.0 used to arrive as the integer 1, -0.0 as 0, and 2^64 was cast to
  // uint64_t on the way out (undefined behaviour); found by fuzz/frame_fuzz.
  Json params = Json::array({1.0, -0.0, 18446744073709551616.0, -9223372036854775808.0, 0.5});
  Decoder d;
  d.feed(encode_request(9, "m", params));
  DecodeError err;
  bool failed = false;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m);
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(m->params[i].is_number_float()) << i;
    EXPECT_EQ(m->params[i].get<double>(), params[i].get<double>()) << i;
  }
  EXPECT_TRUE(std::signbit(m->params[1].get<double>()));
}

TEST(Codec, APreencodedValueIsSentAsItsBytes) {
  Json stored = {{"title", "x"}, {"tags", {"a", "b"}}, {"n", -3}};
  std::string packed = encode_value(stored);
  ASSERT_TRUE(is_one_value(packed));
  Json result = {{"old", preencoded(std::vector<uint8_t>(packed.begin(), packed.end()))},
                 {"new", nullptr}};
  Decoder d;
  d.feed(encode_response(4, Status::ok(), result));
  DecodeError err;
  bool failed = false;
  auto m = d.next(err, failed);
  ASSERT_TRUE(m) << err.status.to_string();
  EXPECT_EQ(m->result, (Json{{"old", stored}, {"new", nullptr}}));
}

TEST(Codec, OnlyWholeValuesTheDecoderAcceptsCanBePreencoded) {
  EXPECT_TRUE(is_one_value(bytes({0x81, 0xa1, 'k', 0x01})));  // {"k": 1}
  EXPECT_FALSE(is_one_value(""));
  EXPECT_FALSE(is_one_value(bytes({0x81, 0xa1, 'k'})));               // cut short
  EXPECT_FALSE(is_one_value(bytes({0x01, 0x02})));                    // two values
  EXPECT_FALSE(is_one_value(bytes({0x81, 0x01, 0x02})));              // {1: 2}
  EXPECT_FALSE(is_one_value(bytes({0x91, 0xd4, 0x05, 0x00})));        // [ext 5]
  EXPECT_FALSE(is_one_value(bytes({0xc1})));                          // reserved byte
  EXPECT_FALSE(is_one_value(bytes({0xdd, 0x7f, 0xff, 0xff, 0xff})));  // huge array
}

}  // namespace
}  // namespace cairn::ipc
