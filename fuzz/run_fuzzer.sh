#!/bin/sh
# run_fuzzer.sh BINARY SEED_CORPUS WORK_DIR SECONDS
# Runs one libFuzzer target for a bounded time. New inputs go to WORK_DIR, so
# the committed seed corpus is only read. Any crash, leak, timeout or
# sanitizer report makes libFuzzer exit non-zero, which fails the test.
set -eu
bin=$1 seeds=$2 work=$3 secs=$4
mkdir -p "$work"
exec "$bin" "$work" "$seeds" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/"
