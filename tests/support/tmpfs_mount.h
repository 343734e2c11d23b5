// TmpfsMount: a tmpfs mounted on an existing directory for the length of a
// test, unmounted (lazily, so a busy mount never outlives the test) when it
// goes out of scope, even when the test failed halfway. Needs root or
// CAP_SYS_ADMIN: mount() returns false otherwise and errno says why. One test
// thread.
#pragma once

#include <sys/mount.h>

#include <string>

namespace cairn::testing {

struct TmpfsMount {
  std::string path;
  std::string options = "size=8m,mode=0755";
  bool mounted = false;

  bool mount() {
    mounted = ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
    return mounted;
  }
  // Changes the mount's options in place (e.g. a larger size=), keeping its files.
  bool remount(const std::string& new_options) {
    if (!mounted) return false;
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_REMOUNT, new_options.c_str()) != 0) return false;
    options = new_options;
    return true;
  }
  bool unmount() {
    if (mounted && ::umount2(path.c_str(), 0) == 0) mounted = false;
    return !mounted;
  }
  ~TmpfsMount() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
  }
};

}  // namespace cairn::testing
