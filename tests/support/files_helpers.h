// Helpers for tests of file tracking (files.*) against the real daemon: poll
// for a condition, read a file's or a root's row, track a root and wait for
// its first scan. Shared by tests/integration/files_test.cc and the
// reliability rows on files. One test thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/probes.h"
#include "tests/support/text_files.h"

namespace cairn::testing {

inline std::string sha256sum(const std::string& path) {
  auto r = run_command({"sha256sum", path});
  return r.output.substr(0, 64);
}

inline Json get(DaemonProcess& d, const std::string& path) {
  auto r = d.call("files.get", {{"path", path}});
  return r ? *r : Json();
}

// The row of `root` in files.roots, or null.
inline Json root_json(DaemonProcess& d, const std::string& root) {
  auto r = d.call("files.roots");
  if (!r) return Json();
  for (const auto& x : (*r)["roots"]) {
    if (x["path"] == root) return x;
  }
  return Json();
}

inline std::string state_of(DaemonProcess& d, const std::string& root) {
  Json row = root_json(d, root);
  return row.is_object() ? row.value("state", "") : "";
}

// Tracks `root` and waits until its first scan is recorded.
inline Json track(DaemonProcess& d, const std::string& root, Json extra = Json::object()) {
  extra["path"] = root;
  auto r = d.call("files.track", extra);
  EXPECT_TRUE(r.has_value()) << r.status().message();
  EXPECT_TRUE(wait_until([&] { return state_of(d, root) == "watching"; }, 20000))
      << state_of(d, root);
  return r ? *r : Json();
}

// A path as a reply carries it: a str, or a bin for a path that is not valid
// UTF-8 (ipc/README.md); its bytes either way, "" for anything else.
inline std::string path_bytes(const Json& v) {
  if (v.is_binary()) return std::string(v.get_binary().begin(), v.get_binary().end());
  return v.is_string() ? v.get<std::string>() : std::string();
}

inline std::set<std::string> listed(DaemonProcess& d, const std::string& root) {
  std::set<std::string> out;
  auto r = d.call("files.list", {{"root", root}, {"limit", 10000}});
  if (!r) return out;
  for (const auto& f : (*r)["files"]) out.insert(path_bytes(f["path"]).substr(root.size() + 1));
  return out;
}

// Every live row under `root` ("": every root) by path, following files.list's
// pages (`after` = the previous page's `next`, passed back as it came); empty
// on an error.
inline std::map<std::string, Json> all_rows(DaemonProcess& d, const std::string& root,
                                            Json args = Json::object()) {
  std::map<std::string, Json> out;
  if (!root.empty()) args["root"] = root;
  args["limit"] = 10000;
  for (int page = 0; page < 1000; ++page) {
    auto r = d.call("files.list", args);
    if (!r) return {};
    for (const auto& f : (*r)["files"]) out[path_bytes(f["path"])] = f;
    if ((*r)["next"].is_null()) break;
    args["after"] = (*r)["next"];
  }
  return out;
}

// Reads events on topic "files" until one matches, for up to `ms`.
inline std::optional<Json> next_event(ipc::Client& c, const std::function<bool(const Json&)>& match,
                               int ms = 5000, std::vector<Json>* seen = nullptr) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    auto n = c.next_notification(100);
    if (!n) continue;
    for (const auto& e : n->params) {
      if (seen) seen->push_back(e);
      if (match(e)) return e;
    }
  }
  return std::nullopt;
}

inline Json status_files(DaemonProcess& d) {
  auto s = d.call("daemon.status");
  return s ? (*s)["files"] : Json();
}

// Every live file row under `root` whose stat columns or hash disagree with
// the file as it is now (lstat(2), sha256sum); empty when they all agree.
inline std::vector<std::string> rows_unlike_the_files(DaemonProcess& d, const std::string& root) {
  std::vector<std::string> bad;
  auto r = d.call("files.list", {{"root", root}, {"limit", 10000}});
  if (!r) return {"files.list: " + r.status().to_string()};
  for (const auto& f : (*r)["files"]) {
    std::string path = path_bytes(f["path"]);
    Json row = get(d, path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      bad.push_back(path + ": listed but gone");
      continue;
    }
    int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (row["inode"] != static_cast<int64_t>(st.st_ino) || row["size"] != st.st_size ||
        row["mtime_ns"] != mtime) {
      bad.push_back(path + ": row " + row.dump() + " vs stat ino=" + std::to_string(st.st_ino) +
                    " size=" + std::to_string(st.st_size) + " mtime_ns=" + std::to_string(mtime));
      continue;
    }
    if (!row["sha256"].is_null() && row["sha256"] != sha256sum(path)) {
      bad.push_back(path + ": hash " + row["sha256"].dump() + " is not the file's");
    }
  }
  return bad;
}

}  // namespace cairn::testing
