#include "base/paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cairn {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

std::string home() {
  std::string h = env("HOME");
  if (!h.empty()) return h;
  if (passwd* pw = getpwuid(getuid())) return pw->pw_dir;
  return "/tmp";
}

}  // namespace

std::string default_socket_path() {
  if (auto s = env("CAIRN_SOCKET"); !s.empty()) return s;
  if (auto r = env("XDG_RUNTIME_DIR"); !r.empty()) return r + "/cairn/cairnd.sock";
  return "/tmp/cairn-" + std::to_string(getuid()) + "/cairnd.sock";
}

std::string default_data_dir() {
  if (auto s = env("CAIRN_DATA_DIR"); !s.empty()) return s;
  if (auto d = env("XDG_DATA_HOME"); !d.empty()) return d + "/cairn";
  return home() + "/.local/share/cairn";
}

std::string default_state_dir() {
  if (auto d = env("XDG_STATE_HOME"); !d.empty()) return d + "/cairn";
  return home() + "/.local/state/cairn";
}

std::string default_config_file() {
  if (auto d = env("XDG_CONFIG_HOME"); !d.empty()) return d + "/cairn/cairnd.toml";
  return home() + "/.config/cairn/cairnd.toml";
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status make_dirs(const std::string& dir, unsigned mode) {
  if (dir.empty() || dir == "/" || dir == ".") return Status::ok();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status(Code::kIoError, dir + " exists and is not a directory");
    return Status::ok();
  }
  CAIRN_RETURN_IF_ERROR(make_dirs(parent_dir(dir), mode));
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return Status(Code::kIoError, "cannot create " + dir + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace cairn
