// memory_bench: messages at scale through cairnd, against the sqlite3 shell as
// the floor. Appends N messages (default 1,000,000) across S sessions (default
// 1,000) with messages.bulk, interleaved so each session's rows are spread over
// the whole table as in real use, then times messages.page deep in random
// sessions (the last page). In the same run the same rows go into a fresh
// database with the same schema through one sqlite3 process (same batch size,
// one transaction per batch, synchronous=FULL), and the same page queries go
// through that process over a pipe. Prints both and the ratios.
//
//   memory_bench [--messages N] [--sessions S] [--batch B] [--queries Q]
//                [--page-size P] [--appends A]
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"

using cairn::Json;
using cairn::testing::DaemonProcess;

namespace {

struct Options {
  int64_t messages = 1000000;
  int64_t sessions = 1000;
  int64_t batch = 1000;
  int64_t queries = 2000;
  int64_t page_size = 50;
  int64_t appends = 2000;  // single messages.append calls, for the per-call rate
};

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

std::string session_id(int64_t s) { return "s" + std::to_string(s); }

// Message i belongs to session i % S: each session's rows are spread evenly.
std::string content_of(int64_t i) {
  return "message " + std::to_string(i) +
         ": the quick brown fox jumps over the lazy dog while the build runs again";
}
const char* role_of(int64_t i) { return i % 2 ? "assistant" : "user"; }

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One sqlite3 shell with its stdin and stdout on pipes.
class Shell {
 public:
  explicit Shell(const std::string& db) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execlp("sqlite3", "sqlite3", "-batch", "-bail", db.c_str(), nullptr);
      _exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~Shell() {
    ::close(to_);
    ::close(from_);
    int st;
    ::waitpid(pid_, &st, 0);
  }
  void send(const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(to_, text.data() + off, text.size() - off);
      if (n <= 0) {
        std::perror("write to sqlite3");
        std::exit(1);
      }
      off += static_cast<size_t>(n);
    }
  }
  // Sends `sql` followed by a marker query and reads until the marker comes
  // back: one round trip, as a client of the shell would see it.
  std::string round_trip(const std::string& sql) {
    send(sql + "\nSELECT '#done#';\n");
    std::string out;
    char buf[65536];
    for (;;) {
      size_t end = out.find("#done#\n");
      if (end != std::string::npos) return out.substr(0, end);
      ssize_t n = ::read(from_, buf, sizeof buf);
      if (n <= 0) {
        std::fprintf(stderr, "sqlite3 ended early; output so far: %s\n", out.c_str());
        std::exit(1);
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](int64_t& v) {
      if (i + 1 >= argc) return false;
      v = std::atoll(argv[++i]);
      return v > 0;
    };
    bool ok = (a == "--messages" && next(o.messages)) || (a == "--sessions" && next(o.sessions)) ||
              (a == "--batch" && next(o.batch)) || (a == "--queries" && next(o.queries)) ||
              (a == "--page-size" && next(o.page_size)) || (a == "--appends" && next(o.appends));
    if (!ok) return false;
  }
  return o.batch <= 4096 && o.page_size <= 500 && o.messages >= o.sessions;
}

struct Figures {
  double insert_ms = 0;
  std::vector<double> page_ms;
};

// The page the benchmark reads: the last full page of a session.
int64_t deep_page(const Options& o, int64_t s) {
  int64_t count = o.messages / o.sessions + (s < o.messages % o.sessions ? 1 : 0);
  return std::max<int64_t>(1, count / o.page_size);
}

Figures run_daemon(const Options& o, const std::vector<int64_t>& picks, double& append_ms) {
  Figures f;
  DaemonProcess d;
  if (auto st = d.start(30000); !st.is_ok()) {
    std::fprintf(stderr, "cairnd did not start: %s\n%s", st.to_string().c_str(), d.log().c_str());
    std::exit(1);
  }
  auto client = d.client();
  for (int64_t s = 0; s < o.sessions; ++s) {
    auto r = client.call("sessions.create", {{"id", session_id(s)}, {"workspace_path", "/bench"}});
    if (!r) {
      std::fprintf(stderr, "sessions.create: %s\n", r.status().to_string().c_str());
      std::exit(1);
    }
  }
  double t0 = now_ms();
  // Two batches in flight: the next one is on the wire while one commits.
  std::vector<uint32_t> in_flight;
  auto drain = [&](size_t keep) {
    while (in_flight.size() > keep) {
      auto r = client.wait(in_flight.front(), 600000);
      if (!r) {
        std::fprintf(stderr, "messages.bulk: %s\n", r.status().to_string().c_str());
        std::exit(1);
      }
      in_flight.erase(in_flight.begin());
    }
  };
  for (int64_t i = 0; i < o.messages;) {
    Json rows = Json::array();
    for (int64_t k = 0; k < o.batch && i < o.messages; ++k, ++i) {
      rows.push_back({{"session_id", session_id(i % o.sessions)},
                      {"role", role_of(i)},
                      {"content", content_of(i)}});
    }
    auto id = client.send("messages.bulk", {{"messages", rows}});
    if (!id) {
      std::fprintf(stderr, "send: %s\n", id.status().to_string().c_str());
      std::exit(1);
    }
    in_flight.push_back(*id);
    drain(1);
    if ((i / o.batch) % 100 == 0) {
      std::fprintf(stderr, "\r  cairnd: %lld / %lld", static_cast<long long>(i),
                   static_cast<long long>(o.messages));
    }
  }
  drain(0);
  f.insert_ms = now_ms() - t0;
  std::fprintf(stderr, "\r");
  for (int64_t s : picks) {
    double q0 = now_ms();
    auto r = client.call("messages.page", {{"session_id", session_id(s)},
                                           {"page", deep_page(o, s)},
                                           {"page_size", o.page_size}});
    f.page_ms.push_back(now_ms() - q0);
    if (!r || (*r)["items"].size() != static_cast<size_t>(o.page_size)) {
      std::fprintf(stderr, "messages.page gave %s\n",
                   r ? (*r)["items"].dump().substr(0, 200).c_str()
                     : r.status().to_string().c_str());
      std::exit(1);
    }
  }
  // Single appends, one commit each (what a chat client does per message).
  double a0 = now_ms();
  for (int64_t i = 0; i < o.appends; ++i) {
    auto r = client.call("messages.append", {{"session_id", session_id(i % o.sessions)},
                                             {"role", role_of(i)},
                                             {"content", content_of(i)}});
    if (!r) {
      std::fprintf(stderr, "messages.append: %s\n", r.status().to_string().c_str());
      std::exit(1);
    }
  }
  append_ms = now_ms() - a0;
  return f;
}

Figures run_sqlite(const Options& o, const std::vector<int64_t>& picks) {
  Figures f;
  cairn::testing::TempDir dir;
  std::string db = dir / "floor.db";
  Shell sh(db);
  std::string schema = read_file(std::string(CAIRN_SOURCE_DIR) + "/schema/0005_memory.up.sql");
  sh.round_trip("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\nPRAGMA foreign_keys=ON;\n"
                "PRAGMA secure_delete=OFF;\n" + schema);
  std::string sessions = "BEGIN;\n";
  for (int64_t s = 0; s < o.sessions; ++s) {
    sessions += "INSERT INTO sessions(id, workspace_path, started_at, updated_at) VALUES(" +
                sql_quote(session_id(s)) + ", '/bench', 0, 0);\n";
  }
  sh.round_trip(sessions + "COMMIT;");
  double t0 = now_ms();
  for (int64_t i = 0; i < o.messages;) {
    // The same work per row as the daemon's minimum: the row and the count.
    std::string sql = "BEGIN;\n";
    for (int64_t k = 0; k < o.batch && i < o.messages; ++k, ++i) {
      std::string sid = sql_quote(session_id(i % o.sessions));
      sql += "INSERT INTO messages(id, session_id, role, content, created_at, updated_at) "
             "VALUES(lower(hex(randomblob(16))), " + sid + ", '" + role_of(i) + "', " +
             sql_quote(content_of(i)) + ", " + std::to_string(i / o.batch) + ", 0);\n"
             "UPDATE sessions SET message_count = message_count + 1 WHERE id = " + sid + ";\n";
    }
    sh.round_trip(sql + "COMMIT;");
  }
  f.insert_ms = now_ms() - t0;
  for (int64_t s : picks) {
    std::string sid = sql_quote(session_id(s));
    int64_t offset = (deep_page(o, s) - 1) * o.page_size;
    std::string sql =
        "SELECT message_count FROM sessions WHERE id = " + sid + ";\n"
        "SELECT id, session_id, role, content, tool_calls, tool_call_id, thinking, attachments, "
        "assistant_id, source, error, parent_id, tokens_used, response_time_ms, created_at, "
        "updated_at FROM messages WHERE seq IN (SELECT seq FROM messages WHERE session_id = " +
        sid + " ORDER BY created_at, seq LIMIT " + std::to_string(o.page_size) + " OFFSET " +
        std::to_string(offset) + ") ORDER BY created_at, seq;";
    double q0 = now_ms();
    std::string out = sh.round_trip(sql);
    f.page_ms.push_back(now_ms() - q0);
    if (std::count(out.begin(), out.end(), '\n') != o.page_size + 1) {
      std::fprintf(stderr, "sqlite3 page gave:\n%s\n", out.substr(0, 500).c_str());
      std::exit(1);
    }
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: memory_bench [--messages N] [--sessions S] [--batch B<=4096] "
                 "[--queries Q] [--page-size P<=500] [--appends A]\n");
    return 2;
  }
  std::mt19937_64 rng(42);
  std::vector<int64_t> picks;
  for (int64_t q = 0; q < o.queries; ++q) {
    picks.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(o.sessions)));
  }
  std::printf("memory_bench: %lld messages in %lld sessions, batches of %lld; %lld page "
              "queries (page size %lld, last page of a random session)\n",
              static_cast<long long>(o.messages), static_cast<long long>(o.sessions),
              static_cast<long long>(o.batch), static_cast<long long>(o.queries),
              static_cast<long long>(o.page_size));
  std::fflush(stdout);
  double append_ms = 0;
  Figures daemon = run_daemon(o, picks, append_ms);
  Figures floor = run_sqlite(o, picks);

  auto rate = [&](double ms) { return static_cast<double>(o.messages) / (ms / 1000.0); };
  double dp50 = percentile(daemon.page_ms, 0.50), dp99 = percentile(daemon.page_ms, 0.99);
  double fp50 = percentile(floor.page_ms, 0.50), fp99 = percentile(floor.page_ms, 0.99);
  std::printf("%-28s %14s %14s %8s\n", "", "cairnd", "sqlite3 CLI", "ratio");
  std::printf("%-28s %12.1f s %12.1f s %7.2fx\n", "insert all (bulk)", daemon.insert_ms / 1000,
              floor.insert_ms / 1000, daemon.insert_ms / floor.insert_ms);
  std::printf("%-28s %12.0f/s %12.0f/s\n", "insert rate", rate(daemon.insert_ms),
              rate(floor.insert_ms));
  std::printf("%-28s %11.3f ms %11.3f ms %7.2fx\n", "messages.page p50", dp50, fp50, dp50 / fp50);
  std::printf("%-28s %11.3f ms %11.3f ms %7.2fx\n", "messages.page p99", dp99, fp99, dp99 / fp99);
  std::printf("%-28s %11.3f ms\n", "messages.append (1 commit)",
              o.appends ? append_ms / static_cast<double>(o.appends) : 0.0);
  std::printf("goal: page p99 under 2 ms: %s\n", dp99 < 2.0 ? "met" : "NOT met");
  return 0;
}
