#include "watchers/pseudo_fs.h"

#include <sys/statfs.h>

namespace cairn::watchers {

std::optional<std::string> pseudo_fs_name(long f_type) {
  // From linux/magic.h; spelled out so an older header still builds.
  static const struct {
    unsigned long magic;
    const char* name;
  } kPseudo[] = {
      {0x9fa0, "proc"},           {0x62656572, "sysfs"},       {0x27e0eb, "cgroup"},
      {0x63677270, "cgroup2"},    {0x64626720, "debugfs"},     {0x74726163, "tracefs"},
      {0x73636673, "securityfs"}, {0x6165676c, "pstore"},      {0xcafe4a11, "bpf"},
      {0x62656570, "configfs"},   {0x65735543, "fusectl"},     {0xf97cff8c, "selinuxfs"},
      {0x43415d53, "smackfs"},    {0xde5e81e4, "efivarfs"},    {0x1cd1, "devpts"},
      {0x19800202, "mqueue"},     {0x42494e4d, "binfmt_misc"}, {0x6e736673, "nsfs"},
      {0x0187, "autofs"},         {0x67596969, "rpc_pipefs"},  {0x50495045, "pipefs"},
      {0x534f434b, "sockfs"},     {0x09041934, "anon_inode"},
  };
  const auto t = static_cast<unsigned long>(f_type) & 0xffffffffUL;
  for (const auto& p : kPseudo) {
    if (p.magic == t) return std::string(p.name);
  }
  return std::nullopt;
}

std::optional<std::string> pseudo_filesystem(int fd) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) != 0) return std::nullopt;
  return pseudo_fs_name(static_cast<long>(sf.f_type));
}

std::optional<std::string> pseudo_filesystem_at(const std::string& path) {
  struct statfs sf {};
  if (::statfs(path.c_str(), &sf) != 0) return std::nullopt;
  return pseudo_fs_name(static_cast<long>(sf.f_type));
}

}  // namespace cairn::watchers
