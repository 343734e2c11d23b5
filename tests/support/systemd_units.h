// The systemd user units as built (build/systemd/), copied into a test's
// directory with ExecStart pointing at the cairnd just built, so that
// systemd-analyze judges what would be installed.
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <string>

#include "tests/support/daemon_process.h"
#include "tests/support/probes.h"

namespace cairn::testing {

// Writes `dir`/cairnd.service and `dir`/cairnd.socket (and makes `dir`/run
// for XDG_RUNTIME_DIR); returns the service file's text.
inline std::string write_built_units(const TempDir& dir) {
  ::mkdir((dir / "run").c_str(), 0700);
  std::string service = read_text(std::string(CAIRN_BINARY_DIR) + "/systemd/cairnd.service");
  EXPECT_NE(service.find("ExecStart="), std::string::npos);
  service = std::regex_replace(service, std::regex("ExecStart=\\S+"),
                               "ExecStart=" + DaemonProcess::binary("cairnd"));
  std::ofstream(dir / "cairnd.service") << service;
  std::ofstream(dir / "cairnd.socket")
      << read_text(std::string(CAIRN_BINARY_DIR) + "/systemd/cairnd.socket");
  return service;
}

}  // namespace cairn::testing
