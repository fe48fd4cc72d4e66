#!/bin/bash
# The demo's own browser page (GET /) in headless Chromium, against the demo
# server: the page connects over WHIP, echoes a text and a binary message,
# has the demo close the channel ("__close__"), reads /stats, DELETEs, and
# prints "sansrtc-demo selftest: PASS" on its console (/?selftest).
#
# Network rule: Chromium and the demo run in a network namespace made here
# (only its loopback is up) and deleted on exit; Chromium never runs in the
# host namespace. Exit 77 (skipped) without root, `ip netns` or Chromium.
#   demo_page.sh /path/to/sansrtc-demo
set -euo pipefail
DEMO=${1:?usage: demo_page.sh /path/to/sansrtc-demo}
CHROMIUM=${CHROMIUM:-/usr/lib/chromium/chromium}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for ip netns"; exit 77; }
[ -x "$CHROMIUM" ] || { echo "SKIP: no Chromium at $CHROMIUM (apt-get install chromium)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip (iproute2)"; exit 77; }

NS=sansrtc-demo-page-$$
DIR=$(mktemp -d /tmp/sansrtc-demo-page.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  # Chromium's helper processes can outlive its main process and still write
  # into the profile: end whatever is left in the namespace, then delete the
  # directory (retrying while a dying process lets go of it). The cleanup
  # never changes the test's verdict.
  for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf "$DIR" 2>/dev/null && break
    sleep 0.2
  done
  return 0
}
trap cleanup EXIT
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip netns exec "$NS" ip link set lo up

: >"$DIR/server.log"
ip netns exec "$NS" "$DEMO" --http 127.0.0.1:8080 --loopback </dev/null >"$DIR/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  grep -q '^listening on' "$DIR/server.log" && break
  sleep 0.05
done
grep -q '^listening on' "$DIR/server.log" || { cat "$DIR/server.log"; echo "FAIL: the demo did not start"; exit 1; }

ip netns exec "$NS" "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
  --mute-audio --disable-dev-shm-usage --disable-features=WebRtcHideLocalIpsWithMdns \
  --allow-loopback-in-peer-connection --enable-logging=stderr --v=0 --user-data-dir="$DIR/profile" \
  'http://127.0.0.1:8080/?selftest' </dev/null >"$DIR/chromium.log" 2>&1 &
pids+=($!)
result=
for _ in $(seq 600); do
  result=$(grep -o 'sansrtc-demo selftest: [A-Z]*.*' "$DIR/chromium.log" | head -1 || true)
  [ -n "$result" ] && break
  sleep 0.05
done
echo "--- demo log"; cat "$DIR/server.log"
echo "--- page: ${result:-no result within 30 s}"
case "$result" in
  "sansrtc-demo selftest: PASS"*) echo PASS ;;
  *) echo "--- chromium log (last 40 lines)"; tail -40 "$DIR/chromium.log"; echo FAIL; exit 1 ;;
esac
