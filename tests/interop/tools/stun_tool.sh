#!/bin/bash
# Interop of the sansrtc-stun tool with itself, on loopback only.
#
#   stun_tool.sh /path/to/sansrtc-stun server    # client against our server
#   stun_tool.sh /path/to/sansrtc-stun timeout   # client against a closed port
#   stun_tool.sh /path/to/sansrtc-stun selftest  # the README's main job
set -euo pipefail
STUN=${1:?usage: stun_tool.sh /path/to/sansrtc-stun server|timeout|selftest}
MODE=${2:?mode}

free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$MODE" in
server)
  DIR=$(mktemp -d /tmp/sansrtc-stun.XXXXXX)
  pid=
  cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$DIR"
  }
  trap cleanup EXIT
  # Port 0: the server reports the port it got. Three answers, then it exits.
  # The log exists before the server starts: the redirection below happens in
  # the child, which may not have run yet when we first read it.
  : >"$DIR/server.log"
  "$STUN" server 127.0.0.1:0 --count 3 </dev/null >"$DIR/server.log" 2>&1 &
  pid=$!
  addr=
  for _ in $(seq 100); do
    addr=$(sed -n 's/^listening on //p' "$DIR/server.log" || true)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$addr" ] || { cat "$DIR/server.log"; echo "FAIL: server did not print 'listening on'"; exit 1; }
  echo "server listening on $addr"
  # Garbage first: the server must drop it and keep answering.
  python3 -c 'import socket,sys; h,p=sys.argv[1].rsplit(":",1); s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"not stun at all", (h, int(p)))' "$addr"
  for i in 1 2 3; do
    local_port=$(free_udp_port)
    out=$("$STUN" client "$addr" --local "127.0.0.1:$local_port" --rto 100 2>&1) || { echo "$out"; echo "FAIL: client exited non-zero"; exit 1; }
    echo "$out"
    grep -qx "mapped 127.0.0.1:$local_port" <<<"$out" || { echo "FAIL: expected mapped 127.0.0.1:$local_port"; exit 1; }
  done
  # --count 3 reached: the server exits 0 on its own.
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  src=0
  wait "$pid" || src=$?
  pid=
  cat "$DIR/server.log"
  [ $src -eq 0 ] || { echo "FAIL: server exited $src"; exit 1; }
  grep -q "answered 3" "$DIR/server.log" || { echo "FAIL: server did not report 3 answers"; exit 1; }
  grep -q "dropped 1" "$DIR/server.log" || { echo "FAIL: server did not count the garbage datagram"; exit 1; }
  echo "PASS: client against sansrtc-stun server"
  ;;
timeout)
  port=$(free_udp_port)   # nobody listens there
  rc=0
  start=$(date +%s%N)
  out=$("$STUN" client "127.0.0.1:$port" --rto 10 2>&1) || rc=$?
  end=$(date +%s%N)
  echo "$out"
  [ $rc -ne 0 ] || { echo "FAIL: client exited 0 against a closed port"; exit 1; }
  # RFC 8489 §6.2.1 with RTO 10 ms: Rc = 7 transmissions, then Rm * RTO:
  # the transaction gives up at 10 * (1+2+4+8+16+32+16) = 790 ms.
  # The printed time is measured, so it may exceed 0.79 s by scheduling delays.
  grep -Eq "no response from 127\.0\.0\.1:$port after 7 transmissions \([0-9.]+ s\)" <<<"$out" \
    || { echo "FAIL: expected the RFC timeout message"; exit 1; }
  ms=$(( (end - start) / 1000000 ))
  echo "gave up after ${ms} ms of wall time"
  [ $ms -ge 790 ] || { echo "FAIL: gave up before the RFC schedule allows"; exit 1; }
  echo "PASS: client times out after the RFC retransmissions"
  ;;
selftest)
  out=$("$STUN" selftest 2>&1)
  echo "$out"
  grep -q '^selftest ok$' <<<"$out" || { echo "FAIL: no 'selftest ok'"; exit 1; }
  grep -Eq '^mapped 127\.0\.0\.1:[0-9]+$' <<<"$out" || { echo "FAIL: no mapped address"; exit 1; }
  echo "PASS: selftest"
  ;;
*)
  echo "unknown mode $MODE"; exit 2 ;;
esac
