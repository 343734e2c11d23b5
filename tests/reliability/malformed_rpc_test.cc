// Row 16 of ../shared/RELIABILITY.md (run under ASan+UBSan in CI): a corpus of
// handcrafted malformed requests. Each gets an error reply or an error and a
// close (a truncated frame: a close at the read deadline); none is answered as
// a success, none is INTERNAL, none crashes or hangs the daemon; afterwards it
// is healthy. The corpus: wrong top-level types, bad message types and msgids
// (strings, negative, >= 2^32), methods that are not strings, unknown or not
// UTF-8, params that are not an array, wrong argument shapes and types for
// every method the daemon registers (daemon.hello), invalid UTF-8 in string
// arguments, FTS5 syntax in search queries.
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "ipc/codec.h"
#include "tests/reliability/reliability.h"
#include "tests/support/probes.h"
#include "tests/support/text_files.h"

namespace cairn::testing {
namespace {

// What the daemon did with one input.
struct Answer {
  enum Kind { kResult, kError, kCut, kSilent } kind = kSilent;
  Status status;         // kError, kCut: the error sent
  uint32_t msgid = 0;    // kResult, kError
  bool closed = false;   // the daemon closed the connection afterwards
  std::string describe() const {
    const char* k[] = {"result", "error reply", "error and close", "no answer"};
    return std::string(k[kind]) + (status.is_ok() ? "" : " " + status.to_string()) +
           (closed ? " (closed)" : "");
  }
};

// Reads the daemon's answer to what was just sent on `c`.
Answer read_answer(ipc::Client& c, int wait_ms) {
  Answer a;
  auto m = c.read_message(wait_ms);
  if (!m) {
    a.closed = closed_within(c.fd(), 50);
    return a;
  }
  if (m->type == ipc::MessageType::kResponse) {
    a.msgid = m->msgid;
    a.kind = m->error.is_null() ? Answer::kResult : Answer::kError;
    if (a.kind == Answer::kError) a.status = ipc::status_from_error_value(m->error);
    return a;
  }
  a.kind = Answer::kCut;
  a.status = m->params.is_array() && !m->params.empty()
                 ? ipc::status_from_error_value(m->params[0])
                 : Status(Code::kInternal, "notification without an error: " + m->params.dump());
  a.closed = closed_within(c.fd(), 1000);
  return a;
}

// Sends `frame` on a fresh connection. For an input that is not cut, whether
// the same connection still answers a ping is folded into `closed`.
Answer send_frame(DaemonProcess& d, const std::string& frame, int wait_ms = 1000) {
  auto c = d.client();
  (void)c.send_raw(frame);
  Answer a = read_answer(c, wait_ms);
  if (a.kind != Answer::kCut && !a.closed) a.closed = !c.call("daemon.ping", nullptr, 2000);
  return a;
}

std::string v(const Json& value) { return ipc::encode_value(value); }
Json bin(std::initializer_list<uint8_t> b) { return Json::binary(std::vector<uint8_t>(b)); }
Json ping_with_id(const Json& id) { return Json::array({0, id, "daemon.ping", Json::array()}); }

enum class Want { kCut, kRefused, kIgnored, kAnswered };

struct Case {
  std::string what;
  std::string frame;
  Want want;
  Code code = Code::kInvalidRequest;  // kCut, kRefused
};

std::vector<Case> frame_cases() {
  std::vector<Case> cases;
  auto cut = [&](std::string what, std::string frame) {
    cases.push_back({std::move(what), std::move(frame), Want::kCut});
  };
  auto refused = [&](std::string what, std::string frame, Code code = Code::kInvalidRequest) {
    cases.push_back({std::move(what), std::move(frame), Want::kRefused, code});
  };
  // Wrong top-level types.
  cut("nil", bytes({0xc0}));
  cut("true", bytes({0xc3}));
  cut("false", bytes({0xc2}));
  cut("positive int", bytes({0x2a}));
  cut("negative int", bytes({0xff}));
  cut("int64 min", bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  cut("float64", v(1.5));
  cut("float32", bytes({0xca, 0x3f, 0xc0, 0, 0}));
  cut("str", v("daemon.ping"));
  cut("bin", v(bin({'a', 'b', 'c'})));
  cut("map", v(Json{{"method", "daemon.ping"}}));
  cut("empty map", bytes({0x80}));
  cut("empty array", bytes({0x90}));
  cut("fixext", bytes({0xd4, 0x01, 0x00}));
  // An ext value where a request holds its method: the request is whole, so its
  // msgid gets the error and the connection goes on (as for any bad value).
  refused("ext8 method", bytes({0x94, 0x00, 0x09, 0xc7, 0x01, 0x05, 0x00, 0x90}));
  cut("map with an int key", bytes({0x81, 0x01, 0x02}));
  // Message type and msgid.
  for (const Json& id : {Json("x"), Json(nullptr), Json(true), Json(-1), Json(INT64_MIN),
                         Json(int64_t{-2147483648}), Json(uint64_t{1} << 32),
                         Json((uint64_t{1} << 32) + 1), Json(UINT64_MAX), Json(1.0),
                         Json::array({1}), Json{{"id", 1}}, bin({1})}) {
    cut("msgid " + id.dump(), v(ping_with_id(id)));
  }
  cut("msgid float32", bytes({0x94, 0x00, 0xca, 0x3f, 0x80, 0, 0, 0xab}) + "daemon.ping" +
                           bytes({0x90}));
  cases.push_back({"msgid 2^32-1", v(ping_with_id(uint64_t{0xffffffff})), Want::kAnswered});
  cases.push_back({"msgid 0", v(ping_with_id(0)), Want::kAnswered});
  for (const Json& type : {Json(3), Json(-1), Json(255), Json("0"), Json(nullptr), Json(0.0)}) {
    cut("type " + type.dump(), v(Json::array({type, 1, "daemon.ping", Json::array()})));
  }
  cut("[0]", v(Json::array({0})));
  cut("[2]", v(Json::array({2})));
  cut("[2, \"x\"]", v(Json::array({2, "x"})));
  cut("notification with method 5", v(Json::array({2, 5, Json::array()})));
  cut("notification with params nil", v(Json::array({2, "x", nullptr})));
  refused("[0, 9]", v(Json::array({0, 9})));
  refused("three elements", v(Json::array({0, 9, "daemon.ping"})));
  refused("five elements", v(Json::array({0, 9, "daemon.ping", Json::array(), 5})));
  cases.push_back({"a response from the client", v(Json::array({1, 7, nullptr, "pong"})),
                   Want::kIgnored});
  cases.push_back({"a notification from the client",
                   v(Json::array({2, "daemon.ping", Json::array()})), Want::kIgnored});
  // Method not a string.
  for (const Json& m : {Json(42), Json(nullptr), Json(true), Json(-1), Json(1.5),
                        Json::array({"daemon.ping"}), Json{{"m", 1}}, bin({'d', 'a'})}) {
    refused("method " + m.dump(), v(Json::array({0, 9, m, Json::array()})));
  }
  // Unknown methods, and method names that are not UTF-8.
  for (const std::string& m :
       {std::string(), std::string("daemon"), std::string("daemon."), std::string(".ping"),
        std::string("DAEMON.PING"), std::string("daemon.ping "), std::string(" daemon.ping"),
        std::string("daemon.ping\0", 12), std::string("daemon.ping.x"),
        std::string("../../etc/passwd"), std::string(4000, 'a'), std::string("\xff"),
        std::string("\xc3\x28"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xf4\x90\x80\x80"), std::string("\xe2\x82"), std::string("daemon.p\xffing"),
        std::string(79, 'a') + "\xc3\xa9", std::string(78, 'a') + "\xe2\x82\xac",
        std::string(79, 'a') + "\xf0\x9f\x98\x80", std::string(2000, '\xff')}) {
    refused("method " + Json(m.size() > 20 ? m.substr(0, 20) + "..." : m).dump(-1, ' ', true,
                                                                                 Json::error_handler_t::replace),
            v(Json::array({0, 9, m, Json::array()})), Code::kMethodNotFound);
  }
  // Params not an array.
  for (const Json& p : {Json(nullptr), Json::object(), Json{{"a", 1}}, Json("x"), Json(1),
                        Json(true), Json(1.5), bin({1})}) {
    refused("params " + p.dump(), v(Json::array({0, 9, "daemon.ping", p})));
  }
  return cases;
}

// The daemon with a 1 s read deadline, so that truncated frames end in a close
// within the test.
void start_with_short_read_deadline(DaemonProcess& d) {
  write_file(d.home() + "/cairnd.toml", "read_deadline_ms = 1000\n");
  ASSERT_TRUE(d.start().is_ok());
}

void expect_healthy_after(DaemonProcess& d) {
  EXPECT_TRUE(d.running());
  expect_ping_within_100ms(d);
  EXPECT_EQ(d.terminate(), 0);
  expect_database_healthy(d.db_path());
}

TEST(Row16, MalformedFramesGetAnErrorReplyOrAnErrorAndACloseAndTruncatedOnesAreClosed) {
  DaemonProcess d;
  start_with_short_read_deadline(d);
  int by_want[4] = {0, 0, 0, 0};
  size_t frames = 0;
  for (const auto& c : frame_cases()) {
    ++frames;
    Answer a = send_frame(d, c.frame);
    SCOPED_TRACE(c.what + ": " + a.describe());
    switch (c.want) {
      case Want::kCut:
        EXPECT_EQ(a.kind, Answer::kCut);
        EXPECT_TRUE(a.closed);
        break;
      case Want::kRefused:
        EXPECT_EQ(a.kind, Answer::kError);
        EXPECT_EQ(a.msgid, 9u);
        EXPECT_FALSE(a.closed) << "an error tied to a msgid closed the connection";
        break;
      case Want::kIgnored:
        EXPECT_EQ(a.kind, Answer::kSilent);
        EXPECT_FALSE(a.closed);
        break;
      case Want::kAnswered:
        EXPECT_EQ(a.kind, Answer::kResult);
        EXPECT_FALSE(a.closed);
        break;
    }
    if (c.want == Want::kCut || c.want == Want::kRefused) {
      EXPECT_EQ(a.status.code(), c.code);
    }
    ++by_want[static_cast<int>(c.want)];
    ASSERT_TRUE(d.running()) << "the daemon died on " << c.what;
  }
  // Truncated frames, all at once on their own connections: each is closed by
  // the read deadline, none is answered.
  std::vector<std::string> whole = {
      ipc::encode_request(1, "daemon.ping", Json::array()),
      ipc::encode_request(2, "prefs.set",
                          Json::array({{{"category", "c"}, {"key", "k"}, {"value", "v"}}})),
      ipc::encode_request(3, "tasks.create",
                          Json::array({{{"title", "t"}, {"tags", {"a", "b"}}, {"priority", 2}}})),
      ipc::encode_request(4, "search.query", Json::array({{{"q", "NEAR(a b)"}, {"limit", 5}}})),
  };
  std::vector<ipc::Client> open;
  for (const auto& w : whole) {
    for (size_t len : {size_t{1}, size_t{2}, size_t{3}, w.size() / 2, w.size() - 2, w.size() - 1}) {
      auto c = d.client();
      ASSERT_TRUE(c.send_raw(w.substr(0, len)).is_ok());
      open.push_back(std::move(c));
    }
  }
  int64_t t0 = monotonic_ms();
  int truncated_closed = 0, truncated_answered = 0;
  for (auto& c : open) {
    auto m = c.read_message(std::max<int64_t>(100, 4000 - (monotonic_ms() - t0)));
    if (m) ++truncated_answered;
    if (closed_within(c.fd(), 100)) ++truncated_closed;
  }
  int64_t truncated_ms = monotonic_ms() - t0;
  EXPECT_EQ(truncated_answered, 0);
  EXPECT_EQ(truncated_closed, static_cast<int>(open.size()));
  frames += open.size();
  auto st = d.call("daemon.status");
  ASSERT_TRUE(st);
  int64_t protocol_errors = (*st)["connections"]["protocol_errors"].get<int64_t>();
  expect_healthy_after(d);
  std::printf("[ row 16 ] %zu malformed frames: %d cut with an error, %d refused with an error "
              "reply (connection kept), %d ignored (a client's response or notification), %d "
              "answered (msgid 0 and 2^32-1); %zu truncated frames all closed after %lld ms, 0 "
              "answered; protocol_errors %lld\n",
              frames, by_want[0], by_want[1], by_want[2], by_want[3], open.size(),
              static_cast<long long>(truncated_ms), static_cast<long long>(protocol_errors));
}

// Keys each method takes, from ipc/README.md: "- `name {a, b?}`" lines, table rows
// "| `name` | `a`, `b?` (...) | ...", and "#### name (read)" headings followed by a
// "Params: `a`, `b?` ..." paragraph. Backticked words in a params cell that are
// values rather than keys come along; they are refused as unknown keys.
std::map<std::string, std::set<std::string>> documented_keys() {
  std::map<std::string, std::set<std::string>> out;
  std::string text = read_text(std::string(CAIRN_SOURCE_DIR) + "/ipc/README.md");
  auto collect = [&](const std::string& method, const std::string& keys, const std::regex& key) {
    for (std::sregex_iterator k(keys.begin(), keys.end(), key); k != std::sregex_iterator(); ++k) {
      out[method].insert((*k)[1]);
    }
  };
  const std::regex bare(R"(([a-z_]+)\??)"), quoted(R"(`([a-z_]+)\??`)");
  const std::regex sig(R"(([a-z_]+\.[a-z_]+)`?\s*`?\{([^}]*)\})");
  const std::regex row(R"(\|\s*`([a-z_]+\.[a-z_]+)`\s*\|([^|\n]*)\|)");
  const std::regex head(R"(#### ([a-z_]+\.[a-z_]+)[^\n]*\n\s*\nParams:([\s\S]*?)\n\s*\n)");
  for (std::sregex_iterator it(text.begin(), text.end(), sig), end; it != end; ++it) {
    collect((*it)[1], (*it)[2], bare);
  }
  for (const auto* re : {&row, &head}) {
    for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it) {
      collect((*it)[1], (*it)[2], quoted);
    }
  }
  return out;
}

// Every registered method (daemon.hello) with argument lists of the wrong shape
// (not one map), an unknown key, and each documented key given a map (unless
// the key takes one), the smallest int64 and a bin. Debug methods are off (not
// registered: nothing here may block the loop or the writer). Every answer is
// an error reply (never a success, never INTERNAL) on a connection that stays
// open.
TEST(Row16, WrongArgumentsForEveryRegisteredMethodAreRefusedNeverInternal) {
  DaemonOptions o;
  o.debug_methods = false;
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  auto hello = d.call("daemon.hello");
  ASSERT_TRUE(hello) << hello.status().to_string();
  std::vector<std::string> methods = (*hello)["methods"];
  ASSERT_GT(methods.size(), 20u);
  auto keys = documented_keys();
  const std::set<std::string> kObjectKeys = {"settings", "metadata", "details", "data",
                                             "value", "tool_calls", "attachments"};
  const std::set<std::string> kPathKeys = {"path", "root", "prefix", "after"};
  const Json wrong_values[] = {Json{{"wrong", Json::array({1})}}, Json(INT64_MIN), bin({0xff, 0})};
  const Json wrong_shapes[] = {Json::array({42}),           Json::array({"x"}),
                               Json::array({Json::array({1})}), Json::array({true}),
                               Json::array({Json::object(), Json::object()}),
                               Json::array({Json{{"zz_no_such_key", 1}}})};
  auto c = d.client();
  uint32_t id = 100;
  size_t calls = 0, with_keys = 0;
  std::map<std::string, int> codes;
  std::vector<std::string> accepted;
  auto check = [&](const std::string& method, const Json& params) {
    ++calls;
    ++id;
    ASSERT_TRUE(c.send_raw(ipc::encode_request(id, method, params)).is_ok()) << method;
    Answer a = read_answer(c, 10000);
    std::string what = method + " " + params.dump(-1, ' ', false, Json::error_handler_t::replace);
    ASSERT_NE(a.kind, Answer::kSilent) << what << ": no answer in 10 s";
    ASSERT_NE(a.kind, Answer::kCut) << what << ": " << a.describe();
    EXPECT_EQ(a.msgid, id) << what;
    if (a.kind == Answer::kResult) {
      accepted.push_back(what);
      return;
    }
    EXPECT_NE(a.status.code(), Code::kInternal) << what << ": " << a.describe();
    ++codes[std::string(code_name(a.status.code()))];
  };
  for (const auto& m : methods) {
    for (const auto& shape : wrong_shapes) check(m, shape);
    auto k = keys.find(m);
    if (k == keys.end()) continue;
    ++with_keys;
    for (const auto& key : k->second) {
      for (const auto& w : wrong_values) {
        // A map is the right type for these (sessions.create {settings: {...}}
        // is a valid call on its own).
        if (w.is_object() && kObjectKeys.count(key)) continue;
        // Paths of files.* may be bin (a path that is not UTF-8, as files.list
        // returns it): bytes are the right type there.
        if (w.is_binary() && m.rfind("files.", 0) == 0 && kPathKeys.count(key)) continue;
        check(m, Json::array({Json{{key, w}}}));
      }
    }
  }
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " calls with wrong arguments succeeded, "
                                << "e.g. " << accepted.front();
  EXPECT_TRUE(c.call("daemon.ping", nullptr, 2000)) << "the connection did not survive";
  std::string by_code;
  for (const auto& [code, n] : codes) by_code += " " + code + " " + std::to_string(n);
  expect_healthy_after(d);
  std::printf("[ row 16 ] %zu calls with wrong arguments over %zu methods (%zu with documented "
              "keys): %zu succeeded, errors:%s\n",
              calls, methods.size(), with_keys, accepted.size(), by_code.c_str());
}

// Strings that are not UTF-8 in the arguments of writes and reads, then FTS5
// and SQL syntax as search text. Each call gets a reply (a result or an error
// naming the argument, never INTERNAL); a "*" subscriber keeps its connection;
// every list, the change feed and search still answer afterwards.
TEST(Row16, InvalidUtf8AndFts5SyntaxInStringArgumentsAreAnsweredNeverInternal) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto sub = d.client();
  ASSERT_TRUE(sub.call("events.subscribe", {{"topics", {"*"}}}));
  auto c = d.client();
  ASSERT_TRUE(c.call("tasks.create", {{"title", "needle NEAR col title indexed words"}}));
  const std::string bad[] = {"\xff", "\xc3\x28", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                             "ok\xe2\x82", std::string("nul\0inside", 10), "a\xfe" "b"};
  int results = 0, errors = 0, calls = 0;
  std::map<std::string, int> codes;
  auto expect_answer = [&](const std::string& method, const Json& args) {
    ++calls;
    auto r = c.call(method, args, 10000);
    std::string what = method + " " + args.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (r) {
      ++results;
      return;
    }
    ++errors;
    ++codes[std::string(code_name(r.status().code()))];
    EXPECT_NE(r.status().code(), Code::kInternal) << what << ": " << r.status().to_string();
    EXPECT_NE(r.status().code(), Code::kIoError) << what << ": " << r.status().to_string();
  };
  int i = 0;
  for (const auto& s : bad) {
    std::string n = std::to_string(i++);
    expect_answer("prefs.set", {{"category", "utf8" + s}, {"key", n}, {"value", s}});
    expect_answer("prefs.set", {{"category", "utf8"}, {"key", s + n}, {"value", {{s, s}}}});
    expect_answer("tasks.create", {{"title", s}, {"description", s}, {"tags", {s}}});
    expect_answer("lists.create", {{"name", "list " + n + s}});
    expect_answer("tasks.list", {{"text", s}});
    expect_answer("tasks.list", {{"tag", s}});
    expect_answer("search.query", {{"q", s}});
    expect_answer("search.query", {{"q", "x"}, {"path_glob", s}});
    expect_answer("prefs.get", {{"category", "utf8"}, {"key", s}});
    expect_answer("files.get", {{"path", "/nonexistent/" + s}});
    expect_answer("events.subscribe", {{"topics", {s}}});
  }
  const std::string fts[] = {"\"", "\"\"", "\"unterminated", "NEAR(", "NEAR(needle", "NEAR(a b, 5)",
                             "NEAR(a b, -1)", "*", "needle*", "*needle", "col:", "title:needle",
                             "content:", "{title}: needle", "-", "-needle", "AND", "OR", "NOT",
                             "needle AND", "OR needle", "(", ")", "(needle", "^needle", "a + b",
                             "'", "';--", "needle\"; DROP TABLE tasks; --", "%", "_", "[", "\\",
                             "rank:1", "chunks_fts:x", "MATCH", "\"a\" NEAR \"b\""};
  int fts_results = 0;
  for (const auto& q : fts) {
    for (const Json& args : {Json{{"q", q}}, Json{{"q", q}, {"kinds", {"task"}}}}) {
      ++calls;
      auto r = c.call("search.query", args, 10000);
      if (r) {
        ++fts_results;
        ++results;
      } else {
        ++errors;
        ++codes[std::string(code_name(r.status().code()))];
        EXPECT_EQ(r.status().code(), Code::kInvalidParams) << q << ": " << r.status().to_string();
      }
    }
    expect_answer("tasks.list", {{"text", q}});
  }
  // Everything that may carry those strings back still answers.
  for (const char* m : {"tasks.list", "lists.list", "prefs.list", "index.status"}) {
    auto r = c.call(m, Json::object(), 10000);
    EXPECT_TRUE(r) << m << ": " << r.status().to_string();
  }
  auto feed = c.call("changes.since", {{"cursor", 0}}, 10000);
  EXPECT_TRUE(feed) << feed.status().to_string();
  auto found = c.call("search.query", {{"q", "needle"}}, 10000);
  EXPECT_TRUE(found) << found.status().to_string();
  int events = 0;
  while (sub.next_notification(events == 0 ? 2000 : 100)) ++events;
  EXPECT_GT(events, 0);
  EXPECT_TRUE(sub.call("daemon.ping", nullptr, 2000)) << "the * subscriber was cut";
  std::string by_code;
  for (const auto& [code, n] : codes) by_code += " " + code + " " + std::to_string(n);
  expect_healthy_after(d);
  std::printf("[ row 16 ] %d calls with non-UTF-8 strings or FTS5/SQL syntax: %d results (%d of "
              "%zu FTS5-syntax searches answered with results), %d errors:%s; %d events reached "
              "the * subscriber\n",
              calls, results, fts_results, std::size(fts) * 2, errors, by_code.c_str(), events);
}

}  // namespace
}  // namespace cairn::testing
