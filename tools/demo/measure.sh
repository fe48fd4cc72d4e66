#!/usr/bin/env bash
# Two sansrtc-demo peers over loopback: the setup time (create_offer to the
# first data channel open, WHIP POST and ICE/DTLS/SCTP included) as the
# median of N runs, and one-channel echo throughput for a few window sizes.
# Loopback only (--loopback). Prints one line per figure.
#   tools/demo/measure.sh BUILD/tools/demo/sansrtc-demo [RUNS=20]
set -euo pipefail
DEMO=${1:?usage: measure.sh /path/to/sansrtc-demo [runs]}
RUNS=${2:-20}
DIR=$(mktemp -d /tmp/sansrtc-demo-measure.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
: >"$DIR/server.log"
"$DEMO" --http 127.0.0.1:0 --loopback </dev/null >"$DIR/server.log" 2>&1 &
pid=$!
ADDR=
for _ in $(seq 200); do
  ADDR=$(sed -n 's|^listening on http://\([^/]*\)/.*|\1|p' "$DIR/server.log" || true)
  [ -n "$ADDR" ] && break
  sleep 0.05
done
[ -n "$ADDR" ] || { cat "$DIR/server.log"; echo "the server did not start"; exit 1; }

for _ in $(seq "$RUNS"); do
  "$DEMO" --whip "http://$ADDR/whip" --loopback --count 0 --quiet | sed -n 's/^result: PASS setup_ms=\([0-9.]*\).*/\1/p'
done | sort -n >"$DIR/setup.txt"
n=$(wc -l <"$DIR/setup.txt")
[ "$n" = "$RUNS" ] || echo "warning: only $n of $RUNS runs passed"
awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2;
     printf "setup (create_offer -> first channel open), %d runs: median %.1f ms, min %.1f, max %.1f\n", NR, m, a[1], a[NR]}' \
  "$DIR/setup.txt"

for w in 1048576 4194304; do
  line=$("$DEMO" --whip "http://$ADDR/whip" --loopback --count 256 --bytes 65536 --window "$w" --quiet | grep '^result:')
  echo "throughput, one reliable ordered channel, 256 x 64 KiB echoed, window $w: ${line##*mbps=} MB/s ($line)"
done
