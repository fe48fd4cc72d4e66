#!/bin/bash
# Interop: `sansrtc-stun client` against coturn on loopback.
#
#   coturn.sh /path/to/sansrtc-stun
#
# Starts coturn (flags only, no /etc config, state in a temp dir) listening on
# 127.0.0.1 at a free port, sends it a Binding request with our client bound
# to a known local port, and checks that coturn reflects exactly that address.
# coturn is killed at the end whatever happens. Exits 77 (meson: SKIP) when
# turnserver is not installed. Written from the recipe of the project's
# interop rig; loopback only.
set -euo pipefail
STUN=${1:?usage: coturn.sh /path/to/sansrtc-stun}

command -v turnserver >/dev/null || { echo "turnserver not installed (apt-get install -y coturn): SKIP"; exit 77; }

free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

DIR=$(mktemp -d /tmp/sansrtc-coturn.XXXXXX)
PORT=$(free_udp_port)
LOCAL_PORT=$(free_udp_port)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

# Relay ports are never used by a Binding request; keep them in a range of
# their own so that a TURN test running in parallel is not disturbed.
RELAY_LOW=$(( 50000 + (PORT % 100) * 100 ))
args=(
  -n
  --listening-ip=127.0.0.1 --relay-ip=127.0.0.1
  --listening-port="$PORT"
  --min-port="$RELAY_LOW" --max-port=$(( RELAY_LOW + 99 ))
  --lt-cred-mech --user=sansrtc:sansrtcpass --realm=sansrtc.test
  --fingerprint
  --no-tls --no-dtls --no-cli
  --allow-loopback-peers --no-multicast-peers
  --userdb="$DIR/turndb" --pidfile="$DIR/turnserver.pid"
  --log-file="$DIR/turn.log" --simple-log --no-stdout-log
)
# Background with its output redirected: a server that inherits our stdout
# would keep meson waiting.
turnserver "${args[@]}" </dev/null >"$DIR/stdout.log" 2>&1 &
pid=$!

listening=no
for _ in $(seq 100); do
  if ss -Hlnu "src 127.0.0.1:$PORT" 2>/dev/null | grep -q .; then listening=yes; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ $listening != yes ]; then
  echo "coturn did not start listening on 127.0.0.1:$PORT"; cat "$DIR/stdout.log" "$DIR"/*.log 2>/dev/null | tail -20
  exit 1
fi
echo "coturn $(turnserver --version 2>/dev/null | head -1) listening on 127.0.0.1:$PORT (pid $pid)"

rc=0
out=$("$STUN" client "127.0.0.1:$PORT" --local "127.0.0.1:$LOCAL_PORT" --rto 200 2>&1) || rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
  echo "FAIL: sansrtc-stun client exited $rc"; tail -20 "$DIR"/turn*.log 2>/dev/null || true; exit 1
fi
if ! grep -qx "mapped 127.0.0.1:$LOCAL_PORT" <<<"$out"; then
  echo "FAIL: expected 'mapped 127.0.0.1:$LOCAL_PORT'"; exit 1
fi

# Twice more with an OS-chosen local port: the mapped address is 127.0.0.1.
for _ in 1 2; do
  out=$("$STUN" client "127.0.0.1:$PORT" --rto 200 2>&1) || { echo "$out"; echo "FAIL: client exited non-zero"; exit 1; }
  echo "$out"
  grep -Eq '^mapped 127\.0\.0\.1:[0-9]+$' <<<"$out" || { echo "FAIL: no 'mapped 127.0.0.1:PORT' line"; exit 1; }
done
echo "PASS: sansrtc-stun client against coturn"
