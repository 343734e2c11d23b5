#include "base/private_mode.h"

#include <sys/stat.h>

namespace cairn {

bool tighten_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if ((st.st_mode & 077) == 0) return false;
  return ::chmod(path.c_str(), st.st_mode & 0700) == 0;
}

}  // namespace cairn
