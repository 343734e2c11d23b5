// `cairn watch` as watchman-wait users expect: a warning for a path that is
// not tracked, a daemon restart survived without losing events, and --since.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/json.h"
#include "tests/support/daemon_process.h"

namespace cairn::testing {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits up to `ms` for `part` to appear in the file at `path`.
bool appears_in(const std::string& path, const std::string& part, int ms = 10000) {
  for (int waited = 0; waited < ms; waited += 50) {
    if (read_all(path).find(part) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void put_file(const std::string& path) { std::ofstream(path) << "hello\n"; }

TEST(CliWatch, WarnsWhenThePathIsNotTracked) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  TempDir dir;
  auto r = run_command({"timeout", "1", DaemonProcess::binary("cairn"), "--socket", d.socket_path(),
                        "watch", dir.path()});
  EXPECT_NE(r.output.find("is not tracked"), std::string::npos) << r.output;
}

TEST(CliWatch, ResumesAfterADaemonRestartAndReplaysBySince) {
  auto d = std::make_unique<DaemonProcess>();
  ASSERT_TRUE(d->start().is_ok());
  TempDir tree, out;
  ASSERT_TRUE(d->call("files.track", {{"path", tree.path()}}).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string cairn = DaemonProcess::binary("cairn");
  std::string ev = out / "events", err = out / "err";
  run_command({"sh", "-c",
               "timeout 20 " + cairn + " --socket " + d->socket_path() + " --json watch " +
                   tree.path() + " >" + ev + " 2>" + err + " &"});
  ASSERT_TRUE(appears_in(err, "watching")) << read_all(err);
  put_file(tree / "a.txt");
  ASSERT_TRUE(appears_in(ev, "a.txt")) << read_all(ev) << read_all(err);

  ASSERT_EQ(d->terminate(), 0);
  DaemonProcess again(*d, {});
  ASSERT_TRUE(again.start().is_ok());
  ASSERT_TRUE(appears_in(err, "reconnected")) << read_all(err);
  put_file(tree / "c.txt");
  EXPECT_TRUE(appears_in(ev, "c.txt")) << read_all(ev) << read_all(err);

  // The first event's cursor, given back, replays what came after it.
  Json first = Json::parse(read_all(ev).substr(0, read_all(ev).find('\n')));
  int64_t cursor = first["cursor"].get<int64_t>();
  auto replay = run_command({"timeout", "2", cairn, "--socket", again.socket_path(), "--json",
                             "watch", "--since", std::to_string(cursor - 1), tree.path()});
  EXPECT_NE(replay.output.find("a.txt"), std::string::npos) << replay.output;
  EXPECT_NE(replay.output.find("c.txt"), std::string::npos) << replay.output;
}

}  // namespace
}  // namespace cairn::testing
