// The client side of the soak run (bench/soak.cc): SoakStats, shared by every
// load thread, and SoakClient, one connection that walks a weighted mix of real
// methods across every domain. Each SoakClient is owned and driven by one thread;
// SoakStats is thread-safe.
//
// A client reads and writes only the rows it created itself (its own list,
// tasks, memory session, knowledge items, runs, approvals), so every error it
// can get is known in advance: the few that are part of the mix (a deliberate
// NOT_FOUND, a time session another client already stopped, a focus session
// another client holds) are passed as `expected` and counted apart; anything
// else is an unexpected error and fails the run.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "ipc/client.h"

namespace cairn::bench {

// One finished request: when it ended, how long it took, read or write.
struct Sample {
  int64_t at_ms;
  int32_t us;
  int kind;            // kRead, kWrite or kProbe
  const char* method;  // a string literal
};

enum { kRead, kWrite, kProbe };

class SoakStats {
 public:
  std::atomic<int64_t> reads{0}, writes{0}, expected_errors{0}, unexpected{0};

  void latency(const char* method, int64_t us, int kind) {
    std::lock_guard lock(mu_);
    samples_.push_back({monotonic_ms(), static_cast<int32_t>(std::min<int64_t>(us, INT32_MAX)),
                        kind, method});
  }
  // Keeps the first few messages for the report and a count per "method CODE".
  void error(const std::string& method, const Status& st) {
    ++unexpected;
    std::lock_guard lock(mu_);
    ++by_code_[method + " " + std::string(code_name(st.code()))];
    if (first_.size() < 10) first_.push_back(method + ": " + st.to_string());
  }
  // Latencies (us) of one kind of request that ended in [from_ms, now].
  std::vector<int64_t> window(int64_t from_ms, int kind) {
    std::lock_guard lock(mu_);
    std::vector<int64_t> out;
    for (auto it = samples_.rbegin(); it != samples_.rend() && it->at_ms >= from_ms; ++it) {
      if (it->kind == kind) out.push_back(it->us);
    }
    return out;
  }
  // Per method, requests of one kind that ended in [from_ms, now]: how many, and
  // how many of them took longer than `over_us` (what a p99 limit is made of).
  std::map<std::string, std::pair<int64_t, int64_t>> over(int64_t from_ms, int kind,
                                                          int64_t over_us) {
    std::lock_guard lock(mu_);
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    for (auto it = samples_.rbegin(); it != samples_.rend() && it->at_ms >= from_ms; ++it) {
      if (it->kind != kind) continue;
      auto& [all, slow] = out[it->method];
      ++all;
      slow += it->us > over_us;
    }
    return out;
  }
  // Latencies (us) per method over the whole run, to say which ones are slow.
  std::map<std::string, std::vector<int64_t>> by_method() {
    std::lock_guard lock(mu_);
    std::map<std::string, std::vector<int64_t>> out;
    for (const Sample& s : samples_) out[s.method].push_back(s.us);
    return out;
  }
  std::map<std::string, int64_t> by_code() {
    std::lock_guard lock(mu_);
    return by_code_;
  }
  std::vector<std::string> first() {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  std::mutex mu_;
  std::vector<Sample> samples_;  // in end order (appended under the lock)
  std::map<std::string, int64_t> by_code_;
  std::vector<std::string> first_;
};

class SoakClient {
 public:
  SoakClient(ipc::Client conn, int index, SoakStats& stats)
      : conn_(std::move(conn)), n_(index), rng_(1000 + index), stats_(stats) {}

  // Creates the rows the mix works on: a list of its own and a memory session.
  void setup() {
    if (auto l = write("lists.create", {{"name", "soak-" + std::to_string(n_)}})) {
      list_ = (*l)["id"].get<int64_t>();
    }
    new_session();
  }

  // One operation of the mix. Weights favour reads about 3:2, as an editor or an
  // agent would: it looks things up more often than it changes them.
  void step() {
    switch (pick(26)) {
      case 0: case 1: task_write(); break;
      case 2: task_read(); break;
      case 3: time_and_focus(); break;
      case 4: read("time.active", nullptr); break;
      case 5: read("time.report", {{"from", wall_ms() - 86400000}, {"to", wall_ms()}, {"by", "task"}}); break;
      case 6: case 7: message_write(); break;
      case 8: message_read(); break;
      case 9: knowledge_write(); break;
      case 10: knowledge_read(); break;
      case 11: workflow_write(); break;
      case 12: workflow_read(); break;
      case 13: prefs(); break;
      case 14: case 15: search(); break;
      case 16: read("files.list", {{"limit", 100}}); break;
      case 17: read("files.roots", nullptr); break;
      case 18: changes(); break;
      case 19: read("index.status", nullptr); break;
      case 20: read("tasks.ready", {{"limit", 20}}); break;
      case 21: read("lists.list", nullptr); break;
      // A deliberate miss: the daemon must answer NOT_FOUND, nothing else.
      case 22: read("tasks.get", {{"id", 900000000000 + n_}}, {Code::kNotFound}); break;
      case 23: read("notifications.list", {{"status", "unread"}, {"limit", 20}}); break;
      case 24: read("daemon.status", nullptr); break;
      default: read("focus.list", {{"limit", 20}}); break;
    }
  }

 private:
  using Codes = std::initializer_list<Code>;

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string word() {
    static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                   "golf", "hotel", "india", "juliet", "kilo", "lima",
                                   "parse_config", "retry.backoff", "writer", "socket"};
    return kWords[pick(16)];
  }
  std::string text(int words) {
    std::string s;
    for (int i = 0; i < words; ++i) s += (i ? " " : "") + word();
    return s + " soak" + std::to_string(n_) + "x" + std::to_string(seq_++);
  }

  std::optional<Json> call(const char* method, const Json& args, bool is_write, Codes expected) {
    int64_t t0 = monotonic_us();
    auto r = conn_.call(method, args, 60000);
    stats_.latency(method, monotonic_us() - t0, is_write ? kWrite : kRead);
    ++(is_write ? stats_.writes : stats_.reads);
    if (r) return std::move(*r);
    for (Code c : expected) {
      if (r.status().code() == c) {
        ++stats_.expected_errors;
        return std::nullopt;
      }
    }
    stats_.error(method, r.status());
    return std::nullopt;
  }
  std::optional<Json> read(const char* m, const Json& a, Codes e = {}) { return call(m, a, false, e); }
  std::optional<Json> write(const char* m, const Json& a, Codes e = {}) { return call(m, a, true, e); }

  // Bounded working sets: the oldest row is deleted once a set is full, so the
  // database reaches a steady size and RSS growth means a leak, not more data.
  template <typename T>
  T oldest_out(std::deque<T>& d) {
    T v = d.front();
    d.pop_front();
    return v;
  }

  void task_write() {
    if (tasks_.size() >= 40) {
      write("tasks.delete", {{"id", oldest_out(tasks_)}});
      return;
    }
    if (tasks_.empty() || pick(3) == 0) {
      Json a = {{"title", text(3)}, {"description", text(12)}, {"priority", 1 + pick(5)},
                {"tags", Json::array({word()})}, {"list_id", list_}};
      // A newer task depends on an older one: edges only point back, so no cycle.
      if (tasks_.size() > 2 && pick(4) == 0) a["depends_on"] = tasks_[pick(tasks_.size() / 2)];
      if (auto t = write("tasks.create", a)) tasks_.push_back((*t)["id"].get<int64_t>());
      return;
    }
    int64_t id = tasks_[pick(tasks_.size())];
    static const char* kStatus[] = {"todo", "in_progress", "in_review", "blocked", "done"};
    write("tasks.update", {{"id", id}, {"status", kStatus[pick(5)]}, {"title", text(3)}});
  }

  void task_read() {
    switch (pick(3)) {
      case 0:
        if (!tasks_.empty()) read("tasks.get", {{"id", tasks_[pick(tasks_.size())]}});
        break;
      case 1: read("tasks.list", {{"list_id", list_}, {"status", "open"}, {"limit", 50}}); break;
      default: read("tasks.list", {{"sort", "priority"}, {"text", word()}, {"limit", 20}}); break;
    }
  }

  // One time session runs for everyone and one focus session at a time: another
  // client may have stopped, paused or taken it, so these misses are expected.
  void time_and_focus() {
    if (tasks_.empty()) return;
    int64_t task = tasks_[pick(tasks_.size())];
    switch (pick(6)) {
      case 0: write("time.start", {{"task_id", task}, {"note", text(2)}}, {Code::kNotFound}); break;
      case 1: write("time.pause", nullptr, {Code::kNotFound, Code::kConflict}); break;
      case 2: write("time.resume", nullptr, {Code::kNotFound, Code::kConflict}); break;
      case 3: write("time.stop", nullptr, {Code::kNotFound}); break;
      case 4:
        if (focus_) {
          write("focus.complete", {{"id", *focus_}, {"distractions", pick(3)}},
                {Code::kNotFound, Code::kConflict});
          focus_.reset();
        } else if (auto f = write("focus.start", {{"task_id", task}, {"planned_minutes", 25}},
                                  {Code::kConflict})) {
          focus_ = (*f)["id"];
        }
        break;
      default: read("time.sessions", {{"task_id", task}, {"limit", 20}}); break;
    }
  }

  void new_session() {
    session_ = "soak-" + std::to_string(n_) + "-" + std::to_string(sessions_made_++);
    write("sessions.create", {{"id", session_}, {"workspace_path", "/soak/" + std::to_string(n_)}});
    messages_.clear();
  }

  void message_write() {
    if (messages_.size() >= 200) {  // a conversation ends: drop it, start another
      std::string old = session_;
      new_session();
      write("sessions.delete", {{"id", old}});
      return;
    }
    switch (pick(4)) {
      case 0:
        if (!messages_.empty()) {
          write("messages.upsert", {{"id", messages_.back()}, {"session_id", session_},
                                    {"append", true}, {"content", " " + text(4)}});
          break;
        }
        [[fallthrough]];
      case 1: case 2: {
        Json a = {{"session_id", session_}, {"role", pick(2) ? "user" : "assistant"},
                  {"content", text(20)}, {"tokens_used", pick(500)}};
        if (auto m = write("messages.append", a)) messages_.push_back((*m)["id"]);
        break;
      }
      default:
        if (messages_.size() > 20) write("messages.delete", {{"id", oldest_out(messages_)}});
        break;
    }
  }

  void message_read() {
    if (pick(2) == 0) {
      read("messages.page", {{"session_id", session_}, {"page", 1 + pick(4)}, {"page_size", 50}});
    } else if (!messages_.empty()) {
      read("messages.get", {{"id", messages_[pick(messages_.size())]}});
    } else {
      read("sessions.list", {{"limit", 20}});
    }
  }

  void knowledge_write() {
    if (knowledge_.size() >= 40) {
      write("knowledge.delete", {{"id", oldest_out(knowledge_)}});
    } else if (knowledge_.size() < 2 || pick(3) == 0) {
      Json a = {{"source_type", "soak"}, {"knowledge_type", pick(2) ? "fact" : "decision"},
                {"title", text(3)}, {"content", text(25)}, {"tags", Json::array({word()})},
                {"confidence", 0.5 + pick(50) / 100.0}};
      if (auto k = write("knowledge.create", a)) knowledge_.push_back((*k)["id"]);
    } else {
      const Json& from = knowledge_[pick(knowledge_.size())];
      const Json& to = knowledge_[pick(knowledge_.size())];
      if (from == to) {
        write("knowledge.update", {{"id", from}, {"content", text(25)}});
      } else if (pick(4) == 0) {
        write("knowledge.unlink", {{"from", from}, {"to", to}}, {Code::kNotFound});  // none yet
      } else {
        write("knowledge.link", {{"from", from}, {"to", to}, {"type", "relates_to"},
                                 {"strength", pick(100) / 100.0}});
      }
    }
  }

  void knowledge_read() {
    if (knowledge_.empty() || pick(3) == 0) {
      read("knowledge.list", {{"source_type", "soak"}, {"limit", 20}});
    } else if (pick(2) == 0) {
      read("knowledge.get", {{"id", knowledge_[pick(knowledge_.size())]}});
    } else {
      read("knowledge.related", {{"id", knowledge_[pick(knowledge_.size())]}, {"depth", 2}});
    }
  }

  // Approvals asked and decided, notifications, and agent runs that go
  // queued -> running -> succeeded and get a review.
  void workflow_write() {
    switch (pick(5)) {
      case 0:
        if (auto a = write("approvals.request", {{"action_type", "soak.deploy"},
                                                 {"details", {{"n", seq_}}}})) {
          approvals_.push_back((*a)["id"]);
        }
        break;
      case 1:
        if (!approvals_.empty()) {
          write("approvals.decide", {{"id", oldest_out(approvals_)},
                                     {"decision", pick(2) ? "approve" : "reject"}});
        }
        break;
      case 2:
        if (auto n = write("notifications.create", {{"title", text(3)}, {"message", text(8)}})) {
          write("notifications.mark", {{"id", (*n)["id"]}, {"status", "read"}});
        }
        break;
      case 3:
        if (auto r = write("runs.create", {{"instruction", text(6)}, {"executor", "soak"}})) {
          runs_.push_back((*r)["id"]);
          write("runs.update", {{"id", runs_.back()}, {"status", "running"},
                                {"append_logs", text(10) + "\n"}});
        }
        break;
      default:
        if (!runs_.empty()) {
          Json run = oldest_out(runs_);
          write("runs.update", {{"id", run}, {"status", "succeeded"}, {"summary", text(5)},
                                {"files_changed", Json::array({"src/a.cc"})}});
          Json item = {{"file", "src/a.cc"}, {"line_start", 1 + pick(50)},
                       {"severity", "warning"}, {"title", text(2)}};
          write("reviews.create", {{"run_ids", Json::array({run})}, {"score", pick(101)},
                                   {"summary", text(4)}, {"feedback", Json::array({item})}});
        }
        break;
    }
  }

  void workflow_read() {
    switch (pick(5)) {
      case 0: read("approvals.list", {{"status", "pending"}, {"limit", 20}}); break;
      case 1: read("runs.list", {{"limit", 20}}); break;
      case 2:
        if (!runs_.empty()) { read("runs.get", {{"id", runs_.back()}}); break; }
        [[fallthrough]];
      case 3: read("reviews.list", {{"limit", 20}}); break;
      default: read("reviews.feedback_for_file", {{"path", "src/a.cc"}, {"limit", 50}}); break;
    }
  }

  void prefs() {
    std::string cat = "soak" + std::to_string(n_);
    std::string key = "k" + std::to_string(pick(30));
    switch (pick(4)) {
      case 0: write("prefs.set", {{"category", cat}, {"key", key}, {"value", text(2)}}); break;
      case 1: write("prefs.delete", {{"category", cat}, {"key", key}}, {Code::kNotFound}); break;
      case 2: read("prefs.get", {{"category", cat}, {"key", key}}, {Code::kNotFound}); break;
      default: read("prefs.list", {{"category", cat}}); break;
    }
  }

  void search() {
    static const char* kForms[] = {"%s", "%s delta", "\"%s echo\"", "%s -golf", "writ*", "backoff"};
    char q[64];
    std::snprintf(q, sizeof q, kForms[pick(6)], word().c_str());
    read("search.query", {{"q", q}, {"limit", 20}});
  }

  // The change feed, read as a sync client would: from its last cursor.
  void changes() {
    Json a = {{"cursor", cursor_}, {"limit", 500}};
    if (auto r = read("changes.since", a)) cursor_ = (*r)["cursor"].get<int64_t>();
  }

  ipc::Client conn_;
  int n_;
  std::mt19937 rng_;
  SoakStats& stats_;
  int64_t seq_ = 0;
  int64_t list_ = 1;
  int64_t cursor_ = 0;
  int sessions_made_ = 0;
  std::string session_;
  std::optional<Json> focus_;  // ids kept as the daemon sent them
  std::deque<int64_t> tasks_;
  std::deque<Json> messages_, knowledge_, approvals_, runs_;
};

}  // namespace cairn::bench
