#!/bin/sh
# Fails when a function-local static in the daemon's code has a destructor.
# Such a static is built on first use, so exit() destroys it before anything
# registered earlier, while the loop, reader and writer threads of a daemon
# embedded in another program (the dispatch fuzzer) may still use it. The rule,
# as in the Google C++ style guide: a static is trivially destructible, or it is
# never destroyed:   static const std::string& sql = *new std::string(...);
# Usage: static_destructors.sh SOURCE_DIR
cd "$1" || exit 2
found=$(grep -rnE '^[[:space:]]+static (const )?(std::[A-Za-z_:]+(<.*>)?|Json) [A-Za-z_]+( =|;|\{|$)' \
  --include='*.cc' --include='*.h' base ipc store watchers indexer daemon |
  grep -v 'std::atomic')
if [ -n "$found" ]; then
  echo "function-local statics with a destructor (make them *new, never destroyed):"
  echo "$found"
  exit 1
fi
echo "no function-local static with a destructor"
