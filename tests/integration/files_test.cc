// files.*: the real daemon tracking real directories with real inotify.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/files_helpers.h"

namespace cairn::testing {
namespace {

TEST(Files, TrackingADirectoryRecordsEveryFileWithTheHashSha256sumGives) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ::mkdir((t / "src").c_str(), 0755);
  write_file(t / "a.txt", "alpha\n");
  write_file(t / "src/b.c", "int main() { return 0; }\n");
  write_file(t / "bin.dat", std::string("\0\1\2binary", 9));
  Json root = track(d, t.path());
  EXPECT_EQ(root["path"], t.path());
  EXPECT_EQ(listed(d, t.path()), (std::set<std::string>{"a.txt", "bin.dat", "src/b.c"}));
  for (const char* f : {"a.txt", "src/b.c", "bin.dat"}) {
    Json row = get(d, t / f);
    EXPECT_EQ(row["sha256"], sha256sum(t / f)) << f;
    EXPECT_EQ(row["status"], "ok");
    EXPECT_EQ(row["type"], "file");
  }
  EXPECT_EQ(get(d, t / "a.txt")["is_text"], true);
  EXPECT_EQ(get(d, t / "bin.dat")["is_text"], false);
}

TEST(Files, AChangedFileIsRehashedAndAnnounced) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "a.txt", "one\n");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  int64_t gen = get(d, t / "a.txt")["gen"].get<int64_t>();
  write_file(t / "a.txt", "two\n");
  auto e = next_event(c, [&](const Json& e) { return e["path"] == t / "a.txt"; });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["kind"], "modified");
  EXPECT_EQ((*e)["sha256"], sha256sum(t / "a.txt"));
  EXPECT_TRUE((*e)["cursor"].is_number_integer());
  EXPECT_EQ(get(d, t / "a.txt")["gen"].get<int64_t>(), gen + 1);
}

TEST(Files, TouchingAFileWithoutChangingItIsNotAModification) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "same.txt", "unchanged\n");
  write_file(t / "other.txt", "x\n");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  int64_t gen = get(d, t / "same.txt")["gen"].get<int64_t>();
  int64_t mtime = get(d, t / "same.txt")["mtime_ns"].get<int64_t>();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(run_command({"touch", t / "same.txt"}).status, 0);
  write_file(t / "same.txt", "unchanged\n");  // a same-content rewrite too
  // Let the touch be processed, then change another file: its event comes after.
  ASSERT_TRUE(wait_until([&] { return get(d, t / "same.txt")["mtime_ns"] != mtime; }));
  write_file(t / "other.txt", "y\n");
  std::vector<Json> seen;
  auto e = next_event(
      c, [&](const Json& e) { return e["path"] == t / "other.txt"; }, 5000, &seen);
  ASSERT_TRUE(e.has_value());
  for (const auto& s : seen) EXPECT_NE(s["path"], t / "same.txt") << s.dump();
  EXPECT_EQ(get(d, t / "same.txt")["gen"].get<int64_t>(), gen);
}

TEST(Files, ADeletedFileIsMarkedDeletedWithItsGenerationBumped) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "gone.txt", "bye\n");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  int64_t gen = get(d, t / "gone.txt")["gen"].get<int64_t>();
  ::unlink((t / "gone.txt").c_str());
  auto e = next_event(c, [&](const Json& e) { return e["path"] == t / "gone.txt"; });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["kind"], "deleted");
  Json row = get(d, t / "gone.txt");
  EXPECT_EQ(row["status"], "deleted");
  EXPECT_EQ(row["gen"].get<int64_t>(), gen + 1);
  EXPECT_TRUE(listed(d, t.path()).empty()) << d.call("files.list", {{"root", t.path()}})->dump();
}

TEST(Files, ARenameIsOneRenamedEventFromTheOldPath) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "old.txt", "moving\n");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  ASSERT_EQ(::rename((t / "old.txt").c_str(), (t / "new.txt").c_str()), 0);
  auto e = next_event(c, [&](const Json& e) { return e["path"] == t / "new.txt"; });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["kind"], "renamed");
  EXPECT_EQ((*e)["from"], t / "old.txt");
  EXPECT_EQ(get(d, t / "old.txt")["status"], "deleted");
  EXPECT_EQ(get(d, t / "new.txt")["sha256"], sha256sum(t / "new.txt"));
}

TEST(Files, AnEditorsAtomicSaveIsAModificationOfTheTarget) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "doc.md", "v1\n");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  write_file(t / ".doc.md.swp", "v2\n");
  ASSERT_EQ(::rename((t / ".doc.md.swp").c_str(), (t / "doc.md").c_str()), 0);
  auto e = next_event(c, [&](const Json& e) {
    return e["path"] == t / "doc.md" && e["sha256"] == sha256sum(t / "doc.md");
  });
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE((*e)["kind"] == "modified" || (*e)["kind"] == "renamed") << e->dump();
  EXPECT_TRUE(wait_until([&] { return listed(d, t.path()) == std::set<std::string>{"doc.md"}; }));
}

TEST(Files, ASingleTrackedFileIsRecordedIndexedAndWatchedAndItsNeighboursAreNot) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "one.txt", "lonefileword\n");
  write_file(t / "two.txt", "neighbourword\n");
  track(d, t / "one.txt");
  EXPECT_TRUE(
      wait_until([&] { return get(d, t / "one.txt")["sha256"] == sha256sum(t / "one.txt"); }));
  auto hits = [&](const std::string& q) {
    auto r = d.call("search.query", {{"q", q}});
    return r ? (*r)["results"].size() : size_t{0};
  };
  EXPECT_TRUE(wait_until([&] { return hits("lonefileword") == 1; }, 10000));
  // Watched: an edit and an editor's atomic save are seen; the rest of the
  // directory stays out.
  write_file(t / "one.txt", "lonefileword\nappendedword\n");
  EXPECT_TRUE(wait_until([&] { return hits("appendedword") == 1; }, 10000));
  write_file(t / ".one.swp", "savedword\n");
  ASSERT_EQ(::rename((t / ".one.swp").c_str(), (t / "one.txt").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return hits("savedword") == 1; }, 10000));
  write_file(t / "three.txt", "neighbourword\n");
  write_file(t / "two.txt", "neighbourword again\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(hits("neighbourword"), 0u);
  auto all = d.call("files.list", {{"limit", 100}});
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)["files"].size(), 1u) << all->dump();
}

TEST(Files, ANewSubdirectoryWithFilesCreatedAtOnceIsTrackedAndWatched) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  track(d, t.path());
  ASSERT_EQ(run_command({"sh", "-c",
                         "mkdir -p " + t.path() + "/n/m && for i in 1 2 3; do echo $i > " +
                             t.path() + "/n/m/f$i; done"})
                .status,
            0);
  EXPECT_TRUE(wait_until([&] { return listed(d, t.path()).size() == 3; }));
  // The new directory is watched: a later file there is seen too.
  write_file(t / "n/m/late", "late\n");
  EXPECT_TRUE(wait_until([&] { return listed(d, t.path()).count("n/m/late") == 1; }));
}

TEST(Files, NestedGitignoreFilesAndExcludeRulesAreHonouredAndDotGitNeverTracked) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ::mkdir((t / ".git").c_str(), 0755);
  ::mkdir((t / "sub").c_str(), 0755);
  ::mkdir((t / "sub/build").c_str(), 0755);
  write_file(t / ".git/HEAD", "ref: refs/heads/main\n");
  write_file(t / ".gitignore", "*.log\n");
  write_file(t / "sub/.gitignore", "build/\n!keep.log\n");
  write_file(t / "top.log", "x\n");
  write_file(t / "sub/keep.log", "x\n");
  write_file(t / "sub/other.log", "x\n");
  write_file(t / "sub/build/out.o", "x\n");
  write_file(t / "sub/code.c", "x\n");
  write_file(t / "notes.tmp", "x\n");
  track(d, t.path(), {{"exclude", {"*.tmp"}}});
  EXPECT_EQ(listed(d, t.path()),
            (std::set<std::string>{".gitignore", "sub/.gitignore", "sub/code.c", "sub/keep.log"}));
  // Files created later obey the same rules.
  write_file(t / "later.log", "x\n");
  write_file(t / "later.c", "x\n");
  EXPECT_TRUE(wait_until([&] { return listed(d, t.path()).count("later.c") == 1; }));
  EXPECT_EQ(listed(d, t.path()).count("later.log"), 0u);
}

TEST(Files, AFifoSymlinkToRootAndSymlinkLoopAreRecordedWithoutBeingFollowed) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_EQ(::mkfifo((t / "x.txt").c_str(), 0644), 0);
  ASSERT_EQ(::symlink("/", (t / "slash").c_str()), 0);
  ASSERT_EQ(::symlink("loop2", (t / "loop1").c_str()), 0);
  ASSERT_EQ(::symlink("loop1", (t / "loop2").c_str()), 0);
  write_file(t / "plain", "p\n");
  track(d, t.path());
  EXPECT_EQ(get(d, t / "x.txt")["type"], "other");
  EXPECT_EQ(get(d, t / "slash")["type"], "symlink");
  EXPECT_EQ(get(d, t / "loop1")["type"], "symlink");
  EXPECT_EQ(listed(d, t.path()).size(), 5u);
}

TEST(Files, AnUnreadableFileGetsStatusErrorAndTheScanGoesOn) {
  TempDir t;
  ::chmod(t.path().c_str(), 0777);
  write_file(t / "secret", "s\n");
  write_file(t / "open", "o\n");
  ::chmod((t / "secret").c_str(), 0600);  // root's, so unreadable to nobody
  DaemonOptions o;
  o.wrapper = {"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"};
  DaemonProcess d(o);
  // The fixture makes run/ as root when it spawns: make it first, for nobody.
  ::mkdir((d.home() + "/run").c_str(), 0700);
  ASSERT_EQ(run_command({"chown", "-R", "65534:65534", d.home()}).status, 0);
  // The daemon serves only its own user, so the fixture's ping (as root) is
  // refused: start it, then talk to it as nobody too.
  (void)d.start(300);
  ASSERT_TRUE(d.running()) << d.log();
  auto call = [&](const std::string& method, const Json& args) {
    auto r = run_command({"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                          DaemonProcess::binary("cairn"), "--socket", d.socket_path(), "--no-spawn",
                          "--json", "call", method, args.dump()});
    Json out = Json::parse(r.output, nullptr, false);
    return out.is_discarded() ? Json() : out;
  };
  ASSERT_TRUE(wait_until([&] { return call("daemon.ping", Json::object()) == "pong"; }, 10000));
  EXPECT_EQ(call("files.track", {{"path", t.path()}})["path"], t.path());
  EXPECT_TRUE(wait_until(
      [&] {
        Json roots = call("files.roots", Json::object());
        return roots.contains("roots") && roots["roots"].size() == 1 &&
               roots["roots"][0]["state"] == "watching";
      },
      20000));
  Json row = call("files.get", {{"path", t / "secret"}});
  EXPECT_EQ(row["status"], "error") << row.dump();
  EXPECT_NE(row.value("error", "").find("Permission denied"), std::string::npos) << row.dump();
  EXPECT_EQ(call("files.get", {{"path", t / "open"}})["status"], "ok");
  EXPECT_EQ(call("daemon.ping", Json::object()), "pong");
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Files, ARestartResumesTheRootWithoutRehashingUnchangedFiles) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  for (int i = 0; i < 50; ++i) write_file(t / ("f" + std::to_string(i)), std::to_string(i));
  track(d, t.path());
  EXPECT_EQ(status_files(d)["hashes"], 50);
  ASSERT_EQ(d.terminate(), 0);
  write_file(t / "f7", "changed while stopped");
  DaemonProcess b(d, {});
  ASSERT_TRUE(b.start().is_ok());
  EXPECT_TRUE(wait_until([&] { return state_of(b, t.path()) == "watching"; }, 20000));
  Json s = status_files(b);
  EXPECT_EQ(s["hashes"], 1) << s.dump();
  EXPECT_EQ(s["stat_skips"], 49) << s.dump();
  EXPECT_EQ(get(b, t / "f7")["sha256"], sha256sum(t / "f7"));
  // And it is watched again.
  write_file(t / "f8", "after restart");
  EXPECT_TRUE(wait_until([&] { return get(b, t / "f8")["sha256"] == sha256sum(t / "f8"); }));
}

TEST(Files, ABurstOfAThousandWritesIsCoalescedIntoFewEvents) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "hot", "start");
  track(d, t.path());
  auto c = d.client();
  ASSERT_TRUE(c.call("events.subscribe", {{"topics", {"files"}}}).has_value());
  for (int i = 0; i < 1000; ++i) write_file(t / "hot", "write " + std::to_string(i));
  std::string final = sha256sum(t / "hot");
  std::vector<Json> seen;
  auto e = next_event(
      c, [&](const Json& e) { return e["sha256"] == final; }, 10000, &seen);
  ASSERT_TRUE(e.has_value());
  EXPECT_LT(seen.size(), 100u) << "events for 1000 writes";
  EXPECT_EQ(get(d, t / "hot")["sha256"], final);
}

TEST(Files, AKernelQueueOverflowTriggersARescanAndTheFinalListIsExact) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  track(d, t.path());
  // Stopped, the daemon cannot read its inotify queue (16,384 events by default).
  d.signal(SIGSTOP);
  auto made = run_command(
      {"sh", "-c", "cd " + t.path() + " && seq 1 20000 | sed 's/^/f/' | xargs touch"}, {}, 120000);
  d.signal(SIGCONT);
  ASSERT_EQ(made.status, 0) << made.output;
  auto count = [&] {
    size_t n = 0;
    Json after;
    for (;;) {
      Json args{{"root", t.path()}, {"limit", 10000}};
      if (!after.is_null()) args["after"] = after;
      auto r = d.call("files.list", args);
      if (!r) return n;
      n += (*r)["files"].size();
      after = (*r)["next"];
      if (after.is_null()) return n;
    }
  };
  EXPECT_TRUE(wait_until([&] { return count() == 20000; }, 60000)) << count();
  EXPECT_GE(status_files(d)["overflows"].get<int64_t>(), 1);
  EXPECT_TRUE(wait_until([&] { return state_of(d, t.path()) == "watching"; }, 20000));
  EXPECT_EQ(count(), 20000u);
}

TEST(Files, UntrackingMarksTheFilesDeletedAndStopsWatching) {
  TempDir t;
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  write_file(t / "a", "a");
  track(d, t.path());
  ASSERT_TRUE(d.call("files.untrack", {{"path", t.path()}}).has_value());
  EXPECT_TRUE(wait_until([&] { return get(d, t / "a")["status"] == "deleted"; }));
  auto roots = d.call("files.roots");
  ASSERT_TRUE(roots.has_value());
  EXPECT_TRUE((*roots)["roots"].empty());
  EXPECT_EQ(d.call("files.untrack", {{"path", t.path()}}).status().code(), Code::kNotFound);
}

TEST(Files, TrackingAMissingPathIsAnInvalidParamsError) {
  DaemonProcess d;
  ASSERT_TRUE(d.start().is_ok());
  auto r = d.call("files.track", {{"path", "/nonexistent/cairn/x"}});
  EXPECT_EQ(r.status().code(), Code::kInvalidParams);
}

TEST(Files, RunningOutOfWatchesDegradesTheRootAndSaysSo) {
  TempDir t;
  TempDir cfg;
  write_file(cfg / "cairnd.toml", "watch_max_watches = 2\n");
  for (const char* dir : {"a", "b", "c", "d"}) ::mkdir((t / dir).c_str(), 0755);
  write_file(t / "c/x", "x");
  DaemonOptions o;
  o.args = {"--config", cfg / "cairnd.toml"};
  DaemonProcess d(o);
  ASSERT_TRUE(d.start().is_ok());
  ASSERT_TRUE(d.call("files.track", {{"path", t.path()}}).has_value());
  EXPECT_TRUE(wait_until([&] { return state_of(d, t.path()) == "degraded"; }, 20000));
  auto roots = d.call("files.roots");
  ASSERT_TRUE(roots.has_value());
  EXPECT_NE((*roots)["roots"][0]["last_error"].get<std::string>().find("inotify watch limit"),
            std::string::npos);
  EXPECT_EQ(status_files(d)["roots_degraded"], 1);
  EXPECT_EQ(get(d, t / "c/x")["status"], "ok");  // still scanned
}

}  // namespace
}  // namespace cairn::testing
