#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. build/release  — gcc, release, the whole suite (fuzz targets replay their corpora);
#   2. build/asan     — clang, ASan+UBSan, -Dfuzzing=true: the whole suite again under the
#                       sanitizers, and every libFuzzer target for FUZZ_SECONDS each.
# The core (lib/ minus lib/net) is always compiled with -fno-exceptions -fno-rtti; a test
# checks the flags in both builds. Exits non-zero when anything fails and ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-$(nproc)}

bash tools/install-deps.sh || { echo "dependency install failed"; exit 1; }

status=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

setup() {  # setup DIR [meson args...]
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

t0=$(date +%s)
echo "=== release build (gcc) ==="
if setup build/release --buildtype=release && ninja -C build/release -j "$JOBS"; then
  meson test -C build/release --num-processes "$JOBS" --print-errorlogs || status=1
else
  echo "release build FAILED"; status=1
fi
t1=$(date +%s)

echo "=== ASan+UBSan + fuzz build (clang) ==="
if CC=clang CXX=clang++ setup build/asan -Dfuzzing=true -Dfuzz_seconds="$FUZZ_SECONDS" \
     -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized \
   && ninja -C build/asan -j "$JOBS"; then
  meson test -C build/asan --num-processes "$JOBS" --print-errorlogs || status=1
else
  echo "asan build FAILED"; status=1
fi
t2=$(date +%s)

echo "=== summary ==="
echo "release: $((t1 - t0)) s, asan+fuzz: $((t2 - t1)) s"
python3 tools/test-summary.py build/release build/asan || status=1
exit $status
