// cairn track | untrack | roots | files | rescan | watch
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "base/byte_text.h"
#include "clients/cli/cli.h"
#include "clients/cli/terminal_text.h"

namespace cairn::cli {

namespace {

// Absolute and lexically normal; symlinks are not resolved (the root is the
// path the user named).
std::string absolute_normal(const std::string& p) {
  std::error_code ec;
  auto a = std::filesystem::absolute(p, ec);
  std::string out = (ec ? std::filesystem::path(p) : a).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::optional<Json> find_root(Cli& cli, const std::string& path) {
  auto r = cli.call("files.roots");
  if (!r) return std::nullopt;
  for (const auto& root : (*r)["roots"]) {
    if (root["path"] == path) return root;
  }
  return Json();
}

void print_root_line(const Json& r) {
  std::cout << cell(r["path"]) << ": " << cell(r["state"]) << ", " << cell(r["files"]) << " files, "
            << human_bytes(r["bytes"].get<int64_t>()) << ", " << cell(r["watches"]) << " watches";
  if (!r["last_error"].is_null()) std::cout << "\n  last error: " << cell(r["last_error"]);
  std::cout << "\n";
}

// Polls files.roots until the root's scan is done, showing progress on a TTY.
std::optional<Json> wait_for_scan(Cli& cli, const std::string& path) {
  bool tty = ::isatty(2) != 0 && !cli.json;
  auto started = std::chrono::steady_clock::now();
  for (;;) {
    auto root = find_root(cli, path);
    if (!root) return std::nullopt;
    if (root->is_null()) return Json();
    if ((*root)["state"] != "scanning") {
      if (tty) std::cerr << "\r\033[K";
      return root;
    }
    if (tty) {
      const Json& p = (*root)["progress"];
      int64_t to_hash = p["to_hash"].get<int64_t>(), hashed = p["hashed"].get<int64_t>();
      int64_t bt = p["bytes_to_hash"].get<int64_t>(), bh = p["bytes_hashed"].get<int64_t>();
      int pct = bt > 0 ? static_cast<int>(100 * bh / bt) : 0;
      int bar = pct / 5;
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr,
                   "\r\033[Kscanning [%-20s] %3d%%  %lld seen, %lld/%lld hashed, %s  %.0fs%s",
                   std::string(static_cast<size_t>(bar), '#').c_str(), pct,
                   static_cast<long long>(p["seen"].get<int64_t>()), static_cast<long long>(hashed),
                   static_cast<long long>(to_hash), human_bytes(bh).c_str(), secs,
                   p["walked"].get<bool>() ? "" : " (walking)");
      std::fflush(stderr);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
}

// After the scan, the index worker chunks what was hashed: on a TTY, shows
// "indexing N of M documents" until it caught up (Ctrl-C leaves it running in
// the daemon); elsewhere says once how much is left.
void wait_for_index(Cli& cli) {
  bool tty = ::isatty(2) != 0 && !cli.json;
  // The waiting count may be up to a second older than the live indexed count
  // (index_status.h): the total is taken once, so the figure only grows.
  int64_t total = -1;
  for (;;) {
    auto st = cli.call("index.status");
    if (!st) return;
    int64_t dirty = 0, done = 0;
    for (const auto& k : (*st)["kinds"]) {
      if (k["kind"] != "file") continue;
      dirty = k.value("dirty", int64_t{0});
      done = k.value("indexed", int64_t{0});
    }
    if (dirty <= 0) {
      if (tty) std::cerr << "\r\033[K";
      return;
    }
    if (total < 0) total = done + dirty;
    total = std::max(total, done);
    if (!tty) {
      if (!cli.json) {
        std::cerr << "indexing: " << done << " of " << total
                  << " documents indexed; search is complete once `cairn index status` shows "
                     "no dirty files\n";
      }
      return;
    }
    std::fprintf(stderr, "\r\033[Kindexing %lld of %lld documents", static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(stderr);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

namespace {

// One `cairn watch`: subscribes to topic files, prints events, and after the
// connection drops (a daemon restart) reconnects and replays what it missed
// from changes.since with the last cursor seen, so no event is lost or shown
// twice (watchman-wait's model).
class FileWatch {
 public:
  FileWatch(Cli& cli, std::string only, int64_t since)
      : cli_(cli), only_(std::move(only)), cursor_(since) {}

  void run() {
    auto first = cli_.client();
    if (!first) {
      std::cerr << "cairn: " << first.status().message() << "\n";
      cli_.exit_code = kExitNoDaemon;
      return;
    }
    client_ = *first;
    warn_if_untracked();
    if (!start()) {
      cli_.fail(last_error_);
      return;
    }
    // On stderr, also with --json: a script reads events from stdout.
    std::cerr << "watching " << (only_.empty() ? "every root" : terminal_safe(only_))
              << " from cursor " << cursor_ << " (cairn watch --since " << cursor_
              << " resumes here)" << std::endl;
    for (;;) {
      auto n = client_->next_notification(1000);
      if (n) {
        if (n->method == "event" && n->params.is_array()) {
          for (const auto& e : n->params) print(e);
        }
        continue;
      }
      // A quiet second is not an error; a closed connection is.
      const std::string& m = n.status().message();
      if (m == "no notification arrived" || m == "timed out waiting for the daemon") continue;
      if (!reconnect(m)) return;
    }
  }

 private:
  void warn_if_untracked() {
    if (only_.empty()) return;
    auto r = client_->call("files.roots", nullptr, cli_.timeout_ms);
    if (!r) return;
    for (const auto& root : (*r)["roots"]) {
      std::string p = raw_text(root["path"]);
      auto below = [](const std::string& a, const std::string& b) {  // a at or below b
        return a == b || (a.size() > b.size() && a.compare(0, b.size(), b) == 0 &&
                          (b.back() == '/' || a[b.size()] == '/'));
      };
      if (below(only_, p) || below(p, only_)) return;
    }
    std::cerr << "cairn: warning: " << terminal_safe(only_)
              << " is not tracked, so no events will come; track it with `cairn track "
              << terminal_safe(only_) << "`\n";
  }

  // Subscribes, then replays the changes after the cursor (or learns the
  // latest cursor when there is none yet).
  bool start() {
    auto sub = client_->call("events.subscribe", {{"topics", {"files"}}}, cli_.timeout_ms);
    if (!sub) return fail(sub.status());
    for (;;) {
      Json args{{"cursor", cursor_ < 0 ? INT64_MAX : cursor_}, {"topics", {"files"}}};
      if (!db_id_.empty()) args["db_id"] = db_id_;
      auto r = client_->call("changes.since", args, cli_.timeout_ms);
      if (!r) return fail(r.status());
      db_id_ = raw_text((*r)["db_id"]);
      if ((*r)["fresh_instance"] == true) {
        if (cursor_ >= 0) {
          std::cerr << "cairn: the changes after cursor " << cursor_
                    << " are gone (database replaced, or the log trimmed); continuing from "
                    << (*r)["cursor"].get<int64_t>() << "\n";
        }
        cursor_ = (*r)["cursor"].get<int64_t>();
        return true;
      }
      for (const auto& c : (*r)["changes"]) print(c);
      cursor_ = std::max(cursor_, (*r)["cursor"].get<int64_t>());
      if ((*r)["has_more"] != true) return true;
    }
  }

  bool reconnect(const std::string& why) {
    std::cerr << "cairn: " << terminal_safe(why) << "; reconnecting\n";
    own_.reset();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      auto c = ipc::Client::connect(cli_.socket, 2000);
      if (!c) continue;
      own_.emplace(std::move(*c));
      client_ = &*own_;
      if (start()) {
        std::cerr << "cairn: reconnected; resumed after cursor " << cursor_ << "\n";
        return true;
      }
      if (!retryable_) {
        cli_.fail(last_error_);
        return false;
      }
    }
  }

  // Connection-level errors (a daemon still starting or stopping drops the
  // call) are retried by reconnect(); others end the watch.
  bool fail(const Status& st) {
    last_error_ = st;
    retryable_ = st.code() == Code::kIoError || st.code() == Code::kBusy;
    return false;
  }

  void print(const Json& e) {
    if (e.contains("cursor") && e["cursor"].is_number_integer()) {
      int64_t c = e["cursor"].get<int64_t>();
      if (c <= cursor_) return;  // seen in the replay already
      cursor_ = c;
    }
    std::string p = raw_text(e.value("path", Json()));  // str, or bin when not UTF-8
    if (!only_.empty() && p != only_ && p.compare(0, only_.size() + 1, only_ + "/") != 0) return;
    if (cli_.json) {
      std::cout << bins_as_str(e).dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
      return;
    }
    std::string kind = e.value("kind", "");
    std::cout << terminal_safe(kind) << std::string(kind.size() < 9 ? 9 - kind.size() : 1, ' ')
              << terminal_safe(p);
    if (e.contains("from")) std::cout << " (from " << cell(e["from"]) << ")";
    if (e.contains("sha256") && e["sha256"].is_string()) {
      std::cout << "  " << e["sha256"].get<std::string>().substr(0, 12);
    }
    if (e.contains("error")) std::cout << "  error: " << cell(e["error"]);
    std::cout << std::endl;
  }

  Cli& cli_;
  std::string only_;
  int64_t cursor_;
  std::string db_id_;
  ipc::Client* client_ = nullptr;
  std::optional<ipc::Client> own_;
  bool retryable_ = false;
  Status last_error_;
};

void watch_files(Cli& cli, const std::string& prefix, int64_t since) {
  FileWatch(cli, prefix.empty() ? "" : absolute_normal(prefix), since).run();
}

}  // namespace

void add_files_commands(CLI::App& app, Cli& cli) {
  static std::string path, prefix, root, type, status;
  static std::vector<std::string> include, exclude;
  static bool no_gitignore = false, no_wait = false, all = false;
  static int64_t limit = 0;

  auto* track =
      app.add_subcommand("track", "track a directory or file: hash it and watch it for changes");
  track->add_option("path", path, "directory or file")->required();
  track->add_option("--exclude", exclude, "gitignore-style glob to leave out (repeatable)");
  track->add_option("--include", include, "track only files matching a glob (repeatable)");
  track->add_flag("--no-gitignore", no_gitignore, "do not honour .gitignore files");
  track->add_flag("--no-wait", no_wait, "return once the scan has started");
  track->callback([&cli] {
    Json args{{"path", absolute_normal(path)}, {"gitignore", !no_gitignore}};
    if (!include.empty()) args["include"] = include;
    if (!exclude.empty()) args["exclude"] = exclude;
    auto r = cli.call("files.track", args);
    if (!r) return;
    std::optional<Json> final = *r;
    if (!no_wait) final = wait_for_scan(cli, raw_text((*r)["path"]));
    if (!final) return;
    if (!no_wait) wait_for_index(cli);
    cli.print(*final, [](const Json& v) {
      std::cout << "tracking ";
      print_root_line(v);
    });
  });

  auto* untrack = app.add_subcommand("untrack", "stop tracking a root; its files become deleted");
  untrack->add_option("path", path, "the root's path")->required();
  untrack->callback([&cli] {
    if (auto r = cli.call("files.untrack", {{"path", absolute_normal(path)}})) {
      cli.print(*r, [](const Json& v) { std::cout << "untracked " << cell(v["path"]) << "\n"; });
    }
  });

  app.add_subcommand("roots", "list tracked roots with state, counts and last scan")
      ->callback([&cli] {
        auto r = cli.call("files.roots");
        if (!r) return;
        cli.print(*r, [](const Json& v) {
          std::vector<std::vector<std::string>> rows;
          for (const auto& x : v["roots"]) {
            rows.push_back({cell(x["path"]), cell(x["state"]), cell(x["files"]),
                            human_bytes(x["bytes"].get<int64_t>()), cell(x["watches"]),
                            cell(x["last_scan_at"]),
                            x["last_scan_ms"].is_null() ? "" : cell(x["last_scan_ms"]) + " ms",
                            cell(x["last_error"])});
          }
          print_table(
              {"PATH", "STATE", "FILES", "BYTES", "WATCHES", "LAST SCAN", "TOOK", "LAST ERROR"},
              rows);
        });
      });

  auto* files = app.add_subcommand("files", "list tracked files with size, hash and status");
  files->add_option("prefix", prefix, "only paths starting with this (made absolute)");
  files->add_option("--root", root, "only files of this root");
  files->add_option("--type", type, "file, symlink or other");
  files->add_option("--status", status, "ok, error, deleted or any (default: not deleted)");
  files->add_option("--limit", limit, "at most this many (default: all)");
  files->add_flag("--full-hash", all, "print whole SHA-256 values");
  files->callback([&cli] {
    Json out = Json::array();
    Json after;
    for (;;) {
      Json args{{"limit", 5000}};
      if (!prefix.empty()) {
        std::string p = absolute_normal(prefix);
        if (prefix.back() == '/' && p != "/") p += "/";
        args["prefix"] = p;
      }
      if (!root.empty()) args["root"] = absolute_normal(root);
      if (!type.empty()) args["type"] = type;
      if (!status.empty()) args["status"] = status;
      if (!after.is_null()) args["after"] = after;
      auto r = cli.call("files.list", args);
      if (!r) return;
      for (auto& f : (*r)["files"]) {
        out.push_back(f);
        if (limit > 0 && static_cast<int64_t>(out.size()) >= limit) break;
      }
      after = (*r)["next"];
      if (after.is_null() || (limit > 0 && static_cast<int64_t>(out.size()) >= limit)) break;
    }
    cli.print(Json{{"files", out}}, [](const Json& v) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& f : v["files"]) {
        std::string h = cell(f["sha256"]);
        if (!all && h.size() > 12) h = h.substr(0, 12);
        std::string st = cell(f["status"]);
        if (f.contains("error")) st += ": " + cell(f["error"]);
        rows.push_back({cell(f["path"]), cell(f["type"]), cell(f["size"]), h, st});
      }
      print_table({"PATH", "TYPE", "SIZE", "SHA256", "STATUS"}, rows);
    });
  });

  auto* rescan = app.add_subcommand("rescan", "walk a root (or a directory in it) again now");
  rescan->add_option("path", path, "a root or a path inside one")->required();
  rescan->add_flag("--no-wait", no_wait, "return once the scan has started");
  rescan->callback([&cli] {
    auto r = cli.call("files.rescan", {{"path", absolute_normal(path)}});
    if (!r) return;
    std::optional<Json> final = *r;
    if (!no_wait) final = wait_for_scan(cli, raw_text((*r)["path"]));
    if (!final) return;
    if (!no_wait) wait_for_index(cli);
    cli.print(*final, [](const Json& v) {
      std::cout << "rescanned ";
      print_root_line(v);
    });
  });

  auto* watch = app.add_subcommand(
      "watch",
      "print file events (created, modified, deleted, renamed) as they happen; survives a "
      "daemon restart, resuming from the last event seen");
  watch->add_option("path", prefix, "only events at or below this path");
  static int64_t since = -1;
  watch->add_option("--since", since,
                    "first replay the events after this cursor (each --json event has its "
                    "cursor), as after an interruption");
  watch->callback([&cli] { watch_files(cli, prefix, since); });
}

}  // namespace cairn::cli
