#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite in stages:
#   normal  the default build and every test (build/)
#   asan    clang ASan+UBSan build (build-asan/) with the fuzz targets: unit,
#           protocol, storage, lifecycle and fuzz-replay tests
#   tsan    GCC TSan build (build-tsan/): the few concurrency tests
#   fuzz    a bounded libFuzzer run of each target on the build-asan/ binaries
# CAIRN_CI_STAGES picks stages (default: "normal", which keeps CI well under 15
# minutes on 2 cores; the sanitizer and fuzz stages each add a full build), e.g.
#   CAIRN_CI_STAGES="normal asan tsan fuzz" scripts/test.sh
# CAIRN_FUZZ_SECONDS bounds each fuzz target (default 120).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
STAGES=${CAIRN_CI_STAGES:-normal}
FUZZ_SECONDS=${CAIRN_FUZZ_SECONDS:-120}
JOBS=${JOBS:-$(nproc)}
export JOBS
has_stage() { [[ " $STAGES " == *" $1 "* ]]; }
elapsed() { echo "== $1: $(( $(date +%s) - $2 )) s"; }
total=$(date +%s)

if has_stage normal; then
  start=$(date +%s)
  scripts/build.sh
  elapsed "normal build" "$start"
  start=$(date +%s)
  ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 300
  elapsed "normal tests" "$start"
fi

if has_stage asan || has_stage fuzz; then
  start=$(date +%s)
  CC=clang CXX=clang++ BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo scripts/build.sh \
    -DCAIRN_ASAN=ON -DCAIRN_UBSAN=ON -DCAIRN_FUZZ=ON -DCAIRN_BENCH=OFF
  elapsed "asan build" "$start"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if has_stage asan; then
  start=$(date +%s)
  ctest --test-dir build-asan --output-on-failure -j"$JOBS" --timeout 600 \
    -R '^(Codec|ProtocolAbuse|Storage|Lifecycle|Fuzz|Db|Query|Chunker|TimeMath|IgnoreList|Hasher|RootRules|Retention|Snippet)\.'
  elapsed "asan tests" "$start"
fi

if has_stage tsan; then
  start=$(date +%s)
  BUILD_DIR=build-tsan scripts/build.sh -DCAIRN_TSAN=ON -DCAIRN_BENCH=OFF
  elapsed "tsan build" "$start"
  start=$(date +%s)
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
    ctest --test-dir build-tsan --output-on-failure -j1 --timeout 600 \
    -R '^(Storage\.(ReadsAfterAWriteSeeItOnEveryReader|EveryAcknowledgedWriteSurvivesKill9While20ClientsWrite|SubscribersGetEventsAndChangesSinceReplaysExactlyWhatWasMissed)|Approvals\.ManyWaitersOnOneApprovalAllHearTheDecision|Lifecycle\.RestartsAfterKill9WithTheStaleSocketLeftBehind)$'
  elapsed "tsan tests" "$start"
fi

if has_stage fuzz; then
  for target in frame dispatch; do
    start=$(date +%s)
    # New inputs go to a scratch dir; the committed corpus is only read.
    work=$(mktemp -d)
    mkdir -p "$work/new" "$work/artifacts"
    build-asan/fuzz/${target}_fuzz -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
      -malloc_limit_mb=512 -timeout=30 -dict=fuzz/cairn.dict -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/new" "fuzz/corpus/$target" 2>&1 |
      grep -E '^#[0-9]+ +(INITED|DONE)|^stat::|ERROR|SUMMARY|Test unit written' || true
    if ls "$work/artifacts/"* >/dev/null 2>&1; then
      echo "fuzz $target found a failing input: copy it to fuzz/regressions/ with its fix"
      ls -l "$work/artifacts/"
      exit 1
    fi
    rm -rf "$work"
    elapsed "fuzz $target" "$start"
  done
fi
elapsed total "$total"
