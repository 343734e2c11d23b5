#include "clients/cli/cli.h"

#include <unistd.h>

#include <iostream>

#include "base/byte_text.h"
#include "clients/cli/spawn.h"
#include "clients/cli/terminal_text.h"

namespace cairn::cli {

Result<ipc::Client*> Cli::client() {
  if (client_) return &*client_;
  auto c = ipc::Client::connect(socket, 2000);
  if (!c && !no_spawn) {
    CAIRN_RETURN_IF_ERROR(spawn_daemon(socket, 5000));
    c = ipc::Client::connect(socket, 2000);
  }
  if (!c) return c.status();
  client_.emplace(std::move(*c));
  return &*client_;
}

std::optional<Result<Json>> Cli::try_call(const std::string& method, const Json& args) {
  auto c = client();
  if (!c) {
    std::cerr << "cairn: no daemon: " << terminal_safe(c.status().message()) << "\n";
    exit_code = kExitNoDaemon;
    return std::nullopt;
  }
  return (*c)->call(method, args, timeout_ms);
}

void Cli::fail(const Status& st) {
  // A message may quote stored text (a list's name, a title).
  std::cerr << "cairn: " << terminal_safe(st.to_string()) << "\n";
  exit_code = kExitError;
}

std::optional<Json> Cli::call(const std::string& method, const Json& args) {
  auto r = try_call(method, args);
  if (!r) return std::nullopt;
  if (!*r) {
    fail(r->status());
    return std::nullopt;
  }
  return **r;
}

void Cli::print(const Json& value, const std::function<void(const Json&)>& human) {
  if (json) {
    // A path that is not UTF-8 comes as bin: printed as text, bad bytes as U+FFFD.
    std::cout << bins_as_str(value).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    human(value);
  }
}

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }

std::string raw_text(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_binary()) return bin_as_str(v).get<std::string>();  // a path's bytes
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string cell(const Json& v) { return terminal_safe(raw_text(v)); }

std::string block(const Json& v) { return terminal_safe_block(raw_text(v)); }

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  bool tty = stdout_is_tty();
  auto line = [&](const std::vector<std::string>& r, bool head) {
    std::string out;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string c = i < r.size() ? r[i] : "";
      if (i + 1 < width.size()) c.resize(width[i], ' ');
      out += c;
      if (i + 1 < width.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (head && tty) out = "\033[1m" + out + "\033[0m";
    std::cout << out << "\n";
  };
  line(header, true);
  for (const auto& r : rows) line(r, false);
}

Result<Json> parse_json_arg(const std::string& text, const std::string& what) {
  Json v = Json::parse(text, nullptr, false);
  if (v.is_discarded()) {
    return invalid_params(what + " is not valid JSON: " + text +
                          " (quote strings as JSON, e.g. '\"dark\"')");
  }
  return v;
}

std::string human_bytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace cairn::cli
