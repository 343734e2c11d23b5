// daemon.describe: every method describes itself (kind, parameters as JSON
// Schema, topics), the committed reference in ipc/README.md is what the daemon
// describes, and the declarations are what checks the calls: a call built from
// a schema's required keys is never INVALID_PARAMS, a wrong type for any key is
// INVALID_PARAMS naming it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "ipc/reference.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

// Methods the walks do not call: they stop the daemon or block its loop.
// approvals.wait is called with timeout_ms 0 (the schema's minimum), so it
// answers at once; debug.hold_writer likewise holds the writer for 0 ms.
const std::set<std::string> kNotCalled = {"daemon.shutdown", "debug.block_loop"};

Json describe(DaemonProcess& d, const Json& args = Json::object()) {
  auto r = d.call("daemon.describe", args);
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : Json();
}

// Builds plausible calls from schemas: a schema's first example, enum value
// or minimum; an absolute path inside the test's directory; an id-like string
// per key (so `from` and `to` differ); times that increase key by key (so
// `from` comes before `to`); an object with its required keys (and those of
// its first `oneOf` alternative).
class CallBuilder {
 public:
  explicit CallBuilder(std::string dir) : dir_(std::move(dir)) {}

  Json value(const Json& s, const std::string& key) {
    if (s.contains("examples")) return s["examples"][0];
    if (s.contains("anyOf")) return value(s["anyOf"][0], key);
    if (s.contains("enum")) return s["enum"][0];
    if (!s.contains("type")) return "x";
    std::string type =
        s["type"].is_array() ? s["type"][0].get<std::string>() : s["type"].get<std::string>();
    if (type == "integer" || type == "number") return s.value("minimum", Json(1));
    if (type == "boolean") return false;
    if (type == "string") {
      if (s.value("description", "").find("ISO 8601") != std::string::npos) {
        return "2026-11-23T15:04:" + std::to_string(10 + ++clock_) + "Z";
      }
      if (s.value("pattern", "") == "^/") return dir_;
      return s.contains("pattern") ? "describe-" + key : "x";
    }
    if (type == "array") {
      Json out = Json::array();
      if (s.value("minItems", 0) > 0) out.push_back(value(s.value("items", Json::object()), key));
      return out;
    }
    if (type == "object") {
      Json out = Json::object();
      Json required = s.value("required", Json::array());
      if (s.contains("oneOf")) {
        for (const auto& k : s["oneOf"][0].value("required", Json::array())) required.push_back(k);
      }
      for (const auto& k : required) {
        std::string name = k.get<std::string>();
        out[name] = value(s["properties"][name], name);
      }
      return out;
    }
    return nullptr;
  }

  // The call built from the required keys of a method's schema.
  Json call(const Json& method) {
    Json args = value(method["params"], "");
    std::string name = method["name"];
    // Rules no schema states: bulk rows take session_id from the row or the
    // call; upsert needs a role when its id is new.
    if (name == "messages.bulk") args["session_id"] = "describe-session_id";
    if (name == "messages.upsert") args["role"] = "user";
    return args;
  }

 private:
  std::string dir_;
  int clock_ = 0;
};

// A value whose JSON type the schema does not allow, or null when it allows any.
Json wrong_type(const Json& s) {
  if (!s.contains("type")) return nullptr;
  std::set<std::string> allowed;
  for (const auto& t : s["type"].is_array() ? s["type"] : Json::array({s["type"]})) {
    allowed.insert(t.get<std::string>());
  }
  if (!allowed.count("boolean")) return true;
  if (!allowed.count("object")) return Json{{"wrong", 1}};
  return nullptr;
}

TEST(Describe, EveryMethodIsDescribedWithItsKindDescriptionSchemaAndTopics) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  Json all = describe(d);
  auto hello = d.call("daemon.hello");
  ASSERT_TRUE(hello);
  EXPECT_EQ(all["protocol"], (*hello)["protocol"]);
  EXPECT_EQ(all["version"], (*hello)["version"]);
  std::vector<std::string> names;
  for (const auto& m : all["methods"]) {
    std::string name = m["name"];
    names.push_back(name);
    EXPECT_TRUE(m["kind"] == "read" || m["kind"] == "write" || m["kind"] == "async") << name;
    EXPECT_FALSE(m["description"].get<std::string>().empty()) << name;
    EXPECT_EQ(m["params"]["$schema"], "https://json-schema.org/draft/2020-12/schema") << name;
    EXPECT_EQ(m["params"]["type"], "object") << name;
    EXPECT_EQ(m["params"]["additionalProperties"], false) << name;
    for (const auto& t : m["topics"]) {
      EXPECT_NE(std::find(all["topics"].begin(), all["topics"].end(), t), all["topics"].end())
          << name << " emits an unknown topic " << t;
    }
    if (m["kind"] == "write" && name.rfind("debug.", 0) != 0) {
      EXPECT_FALSE(m["topics"].empty()) << name << " emits nothing";
    }
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(Json(names), (*hello)["methods"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "debug.hold_writer"), names.end());

  Json one = describe(d, {{"method", "tasks.update"}});
  ASSERT_EQ(one["methods"].size(), 1u);
  const Json& due = one["methods"][0]["params"]["properties"]["due"];
  EXPECT_EQ(due["type"], Json::array({"string", "integer", "null"})) << "null clears due";
  EXPECT_EQ(one["methods"][0]["params"]["required"], Json::array({"id"}));
  bool invalid = false;
  for (const auto& e : all["errors"]) {
    if (e["code"] == "INVALID_PARAMS") invalid = e["kind"] == 1;
  }
  EXPECT_TRUE(invalid);
}

TEST(Describe, DebugMethodsAreAbsentWithoutTheFlag) {
  DaemonOptions o;
  o.debug_methods = false;
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  Json all = describe(d);
  for (const auto& m : all["methods"]) {
    EXPECT_NE(m["name"].get<std::string>().rfind("debug.", 0), 0u) << m["name"];
  }
}

TEST(Describe, TheCommittedReferenceIsWhatTheDaemonDescribes) {
  DaemonOptions o;
  o.debug_methods = false;
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  std::string generated = ipc::method_reference_markdown(describe(d));
  std::ifstream in(std::string(CAIRN_SOURCE_DIR) + "/ipc/README.md");
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  size_t a = doc.find(ipc::kReferenceBegin);
  size_t b = doc.find(ipc::kReferenceEnd);
  ASSERT_NE(a, std::string::npos) << "ipc/README.md has no reference markers";
  ASSERT_NE(b, std::string::npos);
  std::string committed = doc.substr(a, b - a + std::string(ipc::kReferenceEnd).size() + 1);
  EXPECT_TRUE(committed == generated)
      << "ipc/README.md's method reference is stale: run scripts/ipc_reference.sh";
}

TEST(Describe, ACallBuiltFromEachSchemasRequiredKeysIsNeverInvalidParams) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int called = 0;
  TempDir dir;
  CallBuilder build(dir.path());
  Json all = describe(d);
  for (const auto& m : all["methods"]) {
    std::string name = m["name"];
    if (kNotCalled.count(name)) continue;
    Json args = build.call(m);
    auto r = d.call(name, args);
    ++called;
    if (!r) {
      EXPECT_NE(r.status().code(), Code::kInvalidParams)
          << name << " " << args.dump() << ": " << r.status().to_string();
      EXPECT_TRUE(caller_fault(r.status().code()))
          << name << " " << args.dump() << ": " << r.status().to_string();
    }
  }
  EXPECT_GT(called, 80);
}

TEST(Describe, AWrongTypeForAnyParameterIsInvalidParamsNamingIt) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  int checked = 0;
  TempDir dir;
  CallBuilder build(dir.path());
  Json all = describe(d);
  for (const auto& m : all["methods"]) {
    std::string name = m["name"];
    if (kNotCalled.count(name)) continue;
    for (const auto& [key, schema] : m["params"]["properties"].items()) {
      Json bad = wrong_type(schema);
      if (bad.is_null()) continue;  // any JSON value is accepted (prefs.set value)
      Json args = build.call(m);
      args[key] = bad;
      auto r = d.call(name, args);
      ++checked;
      ASSERT_FALSE(r) << name << " accepted " << args.dump();
      EXPECT_EQ(r.status().code(), Code::kInvalidParams) << name << ": " << r.status().to_string();
      EXPECT_NE(r.status().message().find(key), std::string::npos)
          << name << ": " << r.status().to_string() << " does not name " << key;
    }
    Json unknown = build.call(m);
    unknown["no_such_key"] = 1;
    auto r = d.call(name, unknown);
    ASSERT_FALSE(r) << name << " accepted an unknown key";
    EXPECT_EQ(r.status().to_string(), "INVALID_PARAMS: unknown key no_such_key") << name;
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
}  // namespace cairn::testing
