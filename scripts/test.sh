#!/usr/bin/env bash
# Sets up this machine (Debian 12) and runs every check CI runs:
#   1. the CI build (all backends found, warnings as errors, one CUDA arch)
#      and every test except `slow` (and `gpu` when there is no GPU);
#   2. the ASan + UBSan build and its unit tests;
#   3. formatting (clang-format), module boundaries (no CUDA, NCCL or MPI
#      header in core/, store/ or simulator/) and function length (none over
#      120 lines outside tests and benchmarks).
# Options: --slow also runs tests labelled slow; --quick skips the ASan build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

slow=0 quick=0
for a in "$@"; do
  case "$a" in
    --slow) slow=1 ;;
    --quick) quick=1 ;;
    *) echo "test.sh: unknown option $a (use --slow, --quick)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
jobs=$(nproc)

echo "== module boundaries"
scripts/check-boundaries.sh

echo "== formatting"
scripts/format.sh --check

echo "== function length"
scripts/long_functions.py -n 120

exclude="gpu"
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then exclude=""; echo "GPU found: running gpu tests"; fi
((slow)) || exclude="${exclude:+$exclude|}slow"
label_args=()
[[ -n "$exclude" ]] && label_args=(-LE "^($exclude)\$")

echo "== CI build (warnings as errors)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci "${label_args[@]}" -j "$jobs"

if ((! quick)); then
  echo "== ASan + UBSan build, unit tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan -L unit -LE slow --output-on-failure -j "$jobs" --timeout 600
fi
echo "== all checks passed"
