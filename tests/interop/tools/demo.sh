#!/bin/bash
# Interop of the demo peer (tools/demo) with itself and with raw HTTP, on
# loopback only (the demo gathers on loopback with --loopback).
#
#   demo.sh /path/to/sansrtc-demo pair        # server + --whip client: PASS
#   demo.sh /path/to/sansrtc-demo negotiated  # the same with negotiated channels
#   demo.sh /path/to/sansrtc-demo http        # 404/405/415/400/413, CORS preflight, the page,
#                                              # PATCH and /stats during a live session
set -euo pipefail
DEMO=${1:?usage: demo.sh /path/to/sansrtc-demo pair|negotiated|http}
MODE=${2:?mode}

DIR=$(mktemp -d /tmp/sansrtc-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# Starts a server on a free loopback port; sets $ADDR.
start_server() {
  : >"$DIR/server.log"
  "$DEMO" --http 127.0.0.1:0 --loopback "$@" </dev/null >"$DIR/server.log" 2>&1 &
  pids+=($!)
  ADDR=
  for _ in $(seq 200); do
    ADDR=$(sed -n 's|^listening on http://\([^/]*\)/.*|\1|p' "$DIR/server.log" || true)
    [ -n "$ADDR" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$ADDR" ] || { cat "$DIR/server.log"; echo "FAIL: the server did not print 'listening on'"; exit 1; }
  echo "server listening on $ADDR"
}

case "$MODE" in
pair|negotiated)
  start_server
  extra=()
  [ "$MODE" = negotiated ] && extra+=(--negotiated)
  status=0
  "$DEMO" --whip "http://$ADDR/whip" --loopback --timeout 30 --count 32 "${extra[@]}" >"$DIR/client.log" 2>&1 || status=$?
  cat "$DIR/client.log"
  echo "--- server log"; cat "$DIR/server.log"
  [ "$status" = 0 ] || { echo "FAIL: client exited $status"; exit 1; }
  grep -q '^result: PASS' "$DIR/client.log" || { echo "FAIL: no 'result: PASS'"; exit 1; }
  grep -q 'remote close (__close__): ok' "$DIR/client.log" || { echo "FAIL: remote close not seen"; exit 1; }
  # The server removed the session on DELETE.
  python3 - "$ADDR" <<'PY'
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://%s/stats" % sys.argv[1], timeout=5))
assert s["sessionsCreated"] == 1, s
assert s["sessions"] == [], s
PY
  echo "PASS"
  ;;
http)
  # A port range no other test uses: the local candidates must come from it.
  start_server --udp-ports 45100-45199
  # A client in the background with a long bulk phase keeps one session
  # alive while PATCH and /stats are checked.
  "$DEMO" --whip "http://$ADDR/whip" --loopback --timeout 60 --count 100000 --bytes 1000 --quiet \
    >"$DIR/client.log" 2>&1 &
  client=$!
  pids+=($client)
  python3 - "$ADDR" <<'PY'
import json, socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
port = int(port)

def raw(data, read_all=True):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(data)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
        if not read_all and b"\r\n\r\n" in out:
            break
    s.close()
    return out

def req(method, path, body=b"", headers=()):
    h = "".join("%s: %s\r\n" % kv for kv in headers)
    return raw(("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n"
                % (method, path, h, len(body))).encode() + body)

def status(resp):
    return int(resp.split(b" ", 2)[1])

def check(name, cond, resp=b""):
    if not cond:
        print("FAIL:", name, resp[:400])
        sys.exit(1)
    print("ok:", name)

r = req("GET", "/")
check("GET / is the page", status(r) == 200 and b"<title>sansrtc demo</title>" in r and b"text/html" in r, r)
r = req("GET", "/nothing-here")
check("unknown path: 404", status(r) == 404, r)
r = req("GET", "/whip")
check("GET /whip: 405 with Allow", status(r) == 405 and b"Allow: POST, OPTIONS" in r, r)
r = req("PUT", "/")
check("PUT /: 405", status(r) == 405, r)
r = req("POST", "/whip", b"v=0\r\n", [("Content-Type", "text/plain")])
check("POST /whip text/plain: 415", status(r) == 415, r)
r = req("POST", "/whip", b"", [("Content-Type", "application/sdp")])
check("POST /whip empty: 400", status(r) == 400, r)
r = req("POST", "/whip", b"this is not sdp", [("Content-Type", "application/sdp")])
check("POST /whip garbage offer: 400", status(r) == 400, r)
r = req("OPTIONS", "/whip", headers=[("Origin", "http://elsewhere.example"),
                                      ("Access-Control-Request-Method", "POST"),
                                      ("Access-Control-Request-Headers", "content-type")])
check("CORS preflight: 200 with Allow-Origin/Methods/Headers and Accept-Post",
      status(r) == 200 and b"Accept-Post: application/sdp" in r and b"Access-Control-Allow-Origin: *" in r and b"PATCH" in r and b"DELETE" in r
      and b"Access-Control-Allow-Headers: Content-Type" in r, r)
check("CORS: Location is exposed", b"Access-Control-Expose-Headers: Location" in r, r)
r = req("PATCH", "/whip/00000000000000000000000000000000", b"a=end-of-candidates\r\n",
        [("Content-Type", "application/trickle-ice-sdpfrag")])
check("PATCH unknown session: 404", status(r) == 404, r)
r = req("DELETE", "/whip/00000000000000000000000000000000")
check("DELETE unknown session: 404", status(r) == 404, r)
r = raw(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n")
check("malformed request: 400", status(r) == 400, r)
r = raw(b"POST /whip HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 2000000\r\n\r\n")
check("body over 1 MiB: 413", status(r) == 413, r)
r = raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
check("head over 16 KiB: 431", status(r) == 431, r)
# Keep-alive: two requests on one connection.
r = raw(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check("keep-alive: two answers on one connection", r.count(b"HTTP/1.1 ") == 2, r)

# A live session: wait for it in /stats, connected.
sess = None
for _ in range(200):
    body = req("GET", "/stats").split(b"\r\n\r\n", 1)[1]
    st = json.loads(body)
    live = [x for x in st["sessions"] if x["connectionState"] == "connected"]
    if live:
        sess = live[0]
        break
    time.sleep(0.05)
check("/stats shows a connected session", sess is not None)
types = {v.get("type") for v in sess["stats"].values()}
check("getStats has peer-connection, transport, candidate-pair, local/remote-candidate, certificate, data-channel",
      {"peer-connection", "transport", "candidate-pair", "local-candidate", "remote-candidate", "certificate",
       "data-channel"} <= types, repr(types).encode())
ports = [v["port"] for v in sess["stats"].values() if v.get("type") == "local-candidate"]
check("--udp-ports: local candidates in 45100-45199", ports and all(45100 <= p <= 45199 for p in ports),
      repr(ports).encode())
check("getStats entries have id/type/timestamp",
      all(v["id"] == k and "timestamp" in v for k, v in sess["stats"].items()))
check("states", sess["signalingState"] == "stable" and sess["iceConnectionState"] in ("connected", "completed"))
check("channels listed", len(sess["channels"]) >= 4, repr(sess["channels"]).encode())
frag = b"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n"
r = req("PATCH", "/whip/" + sess["id"], frag, [("Content-Type", "application/sdp")])
check("PATCH with the wrong type: 415", status(r) == 415, r)
r = req("PATCH", "/whip/" + sess["id"], frag, [("Content-Type", "application/trickle-ice-sdpfrag")])
check("PATCH a candidate (RFC 8840 sdpfrag): 204", status(r) == 204, r)
r = req("PATCH", "/whip/" + sess["id"], frag, [("Content-Type", "application/trickle-ice-sdpfrag"),
                                               ("If-Match", '"not-the-etag"')])
check("PATCH with a stale If-Match: 412", status(r) == 412, r)
r = req("PATCH", "/whip/" + sess["id"], frag, [("Content-Type", "application/trickle-ice-sdpfrag"), ("If-Match", "*")])
check("PATCH with If-Match: *: 204", status(r) == 204, r)
r = req("PATCH", "/whip/" + sess["id"], b"{json}", [("Content-Type", "application/trickle-ice-sdpfrag")])
check("PATCH with a non-sdpfrag body: 400", status(r) == 400, r)
r = req("DELETE", "/whip/" + sess["id"])
check("DELETE the live session: 200", status(r) == 200, r)
st = json.loads(req("GET", "/stats").split(b"\r\n\r\n", 1)[1])
check("the session is gone", all(x["id"] != sess["id"] for x in st["sessions"]))
PY
  # The client sees its session end: it must not claim success.
  status=0
  wait "$client" || status=$?
  [ "$status" != 0 ] || { cat "$DIR/client.log"; echo "FAIL: the client passed although its session was deleted"; exit 1; }
  echo "client exited $status after DELETE, as it should:"; tail -3 "$DIR/client.log"
  echo "PASS"
  ;;
*)
  echo "unknown mode $MODE"; exit 2
  ;;
esac
