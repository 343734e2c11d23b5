// Where cairn keeps things, by the XDG base directory spec. The daemon and every
// client compute the same defaults here. Pure functions of the environment.
#pragma once

#include <string>

#include "base/status.h"

namespace cairn {

// $CAIRN_SOCKET, else $XDG_RUNTIME_DIR/cairn/cairnd.sock, else
// /tmp/cairn-$UID/cairnd.sock.
std::string default_socket_path();
// $CAIRN_DATA_DIR, else $XDG_DATA_HOME/cairn, else ~/.local/share/cairn.
std::string default_data_dir();
// $XDG_STATE_HOME/cairn, else ~/.local/state/cairn (logs).
std::string default_state_dir();
// $XDG_CONFIG_HOME/cairn/cairnd.toml, else ~/.config/cairn/cairnd.toml.
std::string default_config_file();

// Creates `dir` and missing parents, each new one with `mode`.
Status make_dirs(const std::string& dir, unsigned mode);
std::string parent_dir(const std::string& path);

}  // namespace cairn
