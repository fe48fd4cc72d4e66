#!/usr/bin/env python3
"""Data-channel interop between sansrtc and headless Chromium.

PEER_EXE is sansrtc-demo (chromium-offers, demo-offers) or
interop_sansrtc_offerer built from sansrtc_offerer.cc (sansrtc-offers).

Directions (--direction, default both):
  chromium-offers  Chromium loads offerer.html and POSTs its offer to the
                   demo's WHIP endpoint (`sansrtc-demo --http`); the page
                   checks echoes, closes, states and getStats; this script
                   checks the demo's GET /stats.
  demo-offers      `sansrtc-demo --whip URL` POSTs its offer to this script's
                   WHIP endpoint, which hands it to answerer.html (the page
                   polls /offer and posts /answer); the page echoes, the demo
                   checks and exits 0 iff everything passed.
  sansrtc-offers   tests/interop/pc/sansrtc_offerer.cc (PEER_EXE instead of
                   the demo) offers to answerer.html with signalling over its
                   stdin/stdout; it checks echoes, 16 channels at once,
                   closes from both sides and its get_stats, which the
                   demo's WHIP client does not.
  selftest         no sansrtc code: offerer.html against answerer.html in a
                   second Chromium, through this script's WHIP relay (checks
                   the harness itself).

Network rule: everything runs in two network namespaces made here and
deleted on every exit path (A: Chromium and this script's HTTP server, B:
the sansrtc peer), joined by a veth pair and routed only to each other;
nothing can reach the outside world.

Exit status: 0 pass, 1 fail, 77 skip (not root, no Chromium, no peer
executable, no namespaces), as meson expects.
Usage: chromium_interop.py PEER_EXE [--direction D] [--trickle] [--negotiated]
                            [--hold S] [--close-by pc] [--timeout S] [--keep] [--quiet]
                            [--demo-arg=--log --demo-arg=debug]
       chromium_interop.py --selftest [--trickle]
       chromium_interop.py --skip "reason"
Logs (peer and Chromium output, page results, sansrtc's stats) stay in
/tmp/sansrtc-chromium-* when a run fails or with --keep.
"""

import argparse
import contextlib
import ctypes
import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from stats_checks import check_demo_sessions, check_demo_stats  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get('CHROMIUM', '/usr/lib/chromium/chromium')
SKIP = 77

ADDR_A = '10.78.0.1'   # Chromium and this script's HTTP server
ADDR_B = '10.78.0.2'   # the demo peer (or the second Chromium in selftest)
DEMO_PORT = 8080


_say_lock = threading.Lock()


def say(*parts):
    with _say_lock:
        sys.stdout.write(' '.join(str(p) for p in parts) + '\n')
        sys.stdout.flush()


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# ---- network namespaces ------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def in_netns(name):
    """Runs the block with THIS THREAD in namespace `name`: sockets made in it
    (a listener, a client connection) stay in that namespace afterwards."""
    orig = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    target = os.open(f'/run/netns/{name}', os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f'setns({name}): {os.strerror(err)}')
        try:
            yield
        finally:
            if _libc.setns(orig, _CLONE_NEWNET) != 0:
                # A thread stuck in the wrong namespace would make every later
                # socket wrong: stop here.
                os._exit(3)
    finally:
        os.close(target)
        os.close(orig)


class Namespaces:
    """Two fresh namespaces, A and B, named after our pid, joined by veth:
    A: lo + veth ADDR_A/24, B: lo + veth ADDR_B/24, default route of each via
    the other (Chromium gathers only with a route), IPv6 off on the veth."""

    def __init__(self):
        pid = os.getpid()
        self.a = f'sansrtc-pc-a-{pid}'
        self.b = f'sansrtc-pc-b-{pid}'
        self.veth_a = f'spca{pid}'[:15]
        self.veth_b = f'spcb{pid}'[:15]
        self.made = []

    def up(self):
        for ns in (self.a, self.b):
            run('ip', 'netns', 'add', ns)
            self.made.append(ns)
            run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
        run('ip', 'link', 'add', self.veth_a, 'netns', self.a, 'type', 'veth',
            'peer', 'name', self.veth_b, 'netns', self.b)
        for ns, dev, addr, peer in ((self.a, self.veth_a, ADDR_A, ADDR_B), (self.b, self.veth_b, ADDR_B, ADDR_A)):
            # (absent when the kernel has no IPv6: nothing to turn off then)
            run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', f'net.ipv6.conf.{dev}.disable_ipv6=1', check=False)
            run('ip', '-n', ns, 'addr', 'add', f'{addr}/24', 'dev', dev)
            run('ip', '-n', ns, 'link', 'set', dev, 'up')
            run('ip', '-n', ns, 'route', 'add', 'default', 'via', peer)

    def down(self):
        for ns in self.made:
            # Whatever still runs inside (Chromium helpers that left our
            # process group) dies with the namespace.
            pids = run('ip', 'netns', 'pids', ns, check=False).stdout.split()
            for p in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(p), signal.SIGKILL)
            run('ip', 'netns', 'del', ns, check=False)
        self.made = []


def udp_counters(ns):
    """The namespace's kernel UDP counters (/proc/net/snmp is per network
    namespace): where datagrams were dropped, if they were."""
    out = run('ip', 'netns', 'exec', ns, 'cat', '/proc/net/snmp', check=False).stdout.splitlines()
    rows = [l.split()[1:] for l in out if l.startswith('Udp:')]
    if len(rows) < 2:
        return {}
    return {k: int(v) for k, v in zip(rows[0], rows[1]) if v.lstrip('-').isdigit()}


# ---- processes ----------------------------------------------------------------

class Proc:
    """A child in a namespace, in its own process group, output to a file."""

    def __init__(self, name, ns, argv, logdir, on_line=None):
        """With `on_line`, stdin is a pipe (self.p.stdin) and each output
        line goes to on_line(str) as well as to the log file."""
        self.name = name
        self.log_path = os.path.join(logdir, f'{name}.log')
        self.log = open(self.log_path, 'wb')
        self.argv = argv
        self.p = subprocess.Popen(['ip', 'netns', 'exec', ns] + argv,
                                  stdout=subprocess.PIPE if on_line else self.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.PIPE if on_line else subprocess.DEVNULL, start_new_session=True)
        self.t0 = time.monotonic()
        self.reader = None
        if on_line:
            def pump():
                for raw in self.p.stdout:
                    self.log.write(raw)
                    self.log.flush()
                    on_line(raw.decode('utf-8', 'replace').rstrip('\n'))
            self.reader = threading.Thread(target=pump, daemon=True)
            self.reader.start()

    def poll(self):
        return self.p.poll()

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.p.pid, signal.SIGTERM)
            if self.wait(3) is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.p.pid, signal.SIGKILL)
                self.wait(3)
        if self.reader:
            self.reader.join(3)
        self.log.close()

    def tail(self, lines=60):
        try:
            with open(self.log_path, 'rb') as f:
                data = f.read().decode('utf-8', 'replace').splitlines()
        except OSError:
            return ''
        # Chromium without a session bus: noise.
        data = [l for l in data if not any(n in l for n in ('dbus', 'D-Bus', 'Floss', 'vaapi', 'OAuth client', 'sandbox_linux'))]
        return '\n'.join(data[-lines:])


def chromium(ns, url, logdir, name):
    profile = tempfile.mkdtemp(prefix='profile-', dir=logdir)
    return Proc(name, ns, [
        CHROMIUM, '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-default-apps', '--mute-audio', '--disable-dev-shm-usage',
        # real host addresses in candidates instead of <uuid>.local names
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--enable-logging=stderr', '--v=0',
        f'--user-data-dir={profile}', url], logdir)


# ---- the harness HTTP server (in namespace A) ------------------------------------

class State:
    def __init__(self, logdir):
        self.logdir = logdir
        self.cv = threading.Condition()
        self.results = {}      # page -> result dict
        self.cmds = {}         # page -> command string
        self.closed = None
        self.offer = None
        self.answer = None
        self.whip_posts = 0
        self.offer_polls = 0
        self.whip_deletes = 0
        self.whip_patches = 0
        self.trickle = []      # {'candidate', 'mid'} in arrival order
        self.logs = []

    def wait_for(self, pred, timeout):
        with self.cv:
            return self.cv.wait_for(pred, timeout)


STATIC = {'/offerer.html': 'text/html', '/answerer.html': 'text/html', '/common.js': 'text/javascript'}


def make_handler(state, quiet_logs):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, fmt, *args):
            pass

        def reply(self, code, body=b'', ctype='text/plain', extra=None):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header('Access-Control-Allow-Origin', '*')
            self.send_header('Access-Control-Expose-Headers', 'Location')
            self.send_header('Cache-Control', 'no-store')
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            if body or code not in (204, 304):
                self.send_header('Content-Type', ctype)
                self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def body(self):
            n = int(self.headers.get('Content-Length') or 0)
            return self.rfile.read(n) if n else b''

        def split(self):
            u = urllib.parse.urlsplit(self.path)
            return u.path, dict(urllib.parse.parse_qsl(u.query))

        def do_OPTIONS(self):
            self.reply(204, extra={'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE, OPTIONS',
                                   'Access-Control-Allow-Headers': 'Content-Type, If-Match'})

        def do_GET(self):
            path, q = self.split()
            if path in STATIC:
                with open(os.path.join(HERE, path[1:]), 'rb') as f:
                    return self.reply(200, f.read(), STATIC[path])
            if path == '/cmd':
                with state.cv:
                    return self.reply(200, state.cmds.get(q.get('page'), ''))
            if path == '/offer':
                with state.cv:
                    state.offer_polls += 1
                    state.cv.notify_all()
                    if state.offer is None:
                        return self.reply(204)
                    return self.reply(200, state.offer, 'application/sdp')
            if path == '/trickle':
                start = int(q.get('from', '0'))
                with state.cv:
                    return self.reply(200, json.dumps({'candidates': state.trickle[start:]}), 'application/json')
            return self.reply(404, 'not found')

        def do_POST(self):
            path, q = self.split()
            data = self.body()
            if path == '/log':
                line = f"[{q.get('page', '?')}] {data.decode('utf-8', 'replace')}"
                with state.cv:
                    state.logs.append(line)
                if not quiet_logs:
                    say('  ' + line)
                return self.reply(204)
            if path == '/result':
                page = q.get('page', '?')
                with open(os.path.join(state.logdir, f'result-{page}.json'), 'wb') as f:
                    f.write(data)
                with state.cv:
                    state.results[page] = json.loads(data)
                    state.cv.notify_all()
                return self.reply(204)
            if path == '/closed':
                with state.cv:
                    state.closed = json.loads(data or b'{}')
                    state.cv.notify_all()
                return self.reply(204)
            if path == '/answer':
                with state.cv:
                    state.answer = data.decode()
                    state.cv.notify_all()
                return self.reply(204)
            if path == '/whip':
                # WHIP (RFC 9725 §4.2): hold the POST until the page answers.
                with state.cv:
                    if state.offer is not None:
                        return self.reply(409, 'one session at a time')
                    state.whip_posts += 1
                    state.offer = data.decode()
                    state.cv.notify_all()
                    ok = state.cv.wait_for(lambda: state.answer is not None, 30)
                    answer = state.answer
                if not ok or not answer:
                    return self.reply(503, 'the answerer page did not answer')
                return self.reply(201, answer, 'application/sdp', {'Location': '/whip/session/1', 'ETag': '"1"'})
            return self.reply(404, 'not found')

        def do_PATCH(self):
            path, _ = self.split()
            data = self.body().decode('utf-8', 'replace')
            if not path.startswith('/whip/session/'):
                return self.reply(404, 'not found')
            mid = None
            cands = []
            for line in data.splitlines():
                line = line.strip()
                if line.startswith('a=mid:'):
                    mid = line[6:]
                elif line.startswith('a=candidate:'):
                    cands.append({'candidate': line[2:], 'mid': mid})
                elif line == 'a=end-of-candidates':
                    cands.append({'candidate': '', 'mid': mid})
            with state.cv:
                state.whip_patches += 1
                state.trickle.extend(cands)
            return self.reply(204)

        def do_DELETE(self):
            path, _ = self.split()
            if not path.startswith('/whip/session/'):
                return self.reply(404, 'not found')
            with state.cv:
                state.whip_deletes += 1
                state.cv.notify_all()
            return self.reply(200)

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser killed mid-request resets its connections: not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def start_server(ns, state, quiet_logs):
    with in_netns(ns):
        srv = Server(('0.0.0.0', 0), make_handler(state, quiet_logs))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def http_get(ns, host, port, path, timeout=5):
    """GET from inside namespace `ns` (the connection's socket is made there)."""
    with in_netns(ns):
        c = http.client.HTTPConnection(host, port, timeout=timeout)
        c.connect()
    try:
        c.request('GET', path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_listening(ns, host, port, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            with in_netns(ns):
                c = http.client.HTTPConnection(host, port, timeout=1)
                c.connect()
            c.close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# ---- the runs -------------------------------------------------------------------

# The channels offerer.html opens before its offer (the multi-N ones come later).
OFFERER_LABELS = ['reliable', 'unordered', 'rtx0', 'rtx0-unordered', 'life500', 'life500-unordered']

class Run:
    def __init__(self, args, ns, logdir):
        self.args = args
        self.ns = ns
        self.logdir = logdir
        self.procs = []
        self.failures = []
        self.state = State(logdir)
        self.server = start_server(ns.a, self.state, args.quiet)
        self.port = self.server.server_address[1]
        self.base = f'http://{ADDR_A}:{self.port}'
        self.udp0 = {ns.a: udp_counters(ns.a), ns.b: udp_counters(ns.b)}

    def udp_report(self):
        """Kernel UDP drops during this run, per namespace (A: Chromium, B:
        sansrtc; selftest: both Chromium)."""
        for ns, side in ((self.ns.a, 'A (Chromium)'), (self.ns.b, 'B (sansrtc)')):
            now, before = udp_counters(ns), self.udp0.get(ns, {})
            d = {k: now[k] - before.get(k, 0) for k in ('InDatagrams', 'OutDatagrams', 'InErrors', 'RcvbufErrors',
                                                        'SndbufErrors') if k in now}
            say(f'  kernel UDP in namespace {side}: {json.dumps(d)}')

    def start(self, name, ns, argv):
        p = Proc(name, ns, argv, self.logdir)
        self.procs.append(p)
        say(f'  started {name}: {" ".join(argv)}')
        return p

    def fail(self, what):
        say(f'  FAIL: {what}')
        self.failures.append(what)

    def close(self):
        for p in self.procs:
            p.stop()
        self.server.shutdown()
        self.server.server_close()

    def dump(self):
        for p in self.procs:
            say(f'---- last lines of {p.name} ({p.log_path}) ----')
            say(p.tail(80 if p.name.startswith('demo') else 30))
        if self.args.quiet:
            say('---- page progress ----')
            for line in self.state.logs:
                say('  ' + line)

    def page_result(self, page, timeout, watch=()):
        """The page's result, or None after `timeout` s — or 3 s after one
        of the `watch` processes (demo server, Chromium) died."""
        end = time.monotonic() + timeout
        died = None
        while time.monotonic() < end:
            if self.state.wait_for(lambda: page in self.state.results, 0.5):
                return self.state.results[page]
            gone = [p for p in watch if p.poll() is not None]
            if gone:
                died = died or time.monotonic()
                if time.monotonic() - died > 3:
                    for p in gone:
                        self.fail(f'{p.name} exited with status {p.poll()} while the page was running')
                    return None
        return None

    def report_page(self, res, page):
        if res is None:
            self.fail(f'{page} page reported no result in time')
            return
        for f in res.get('failures', []):
            self.fail(f'{page} page: {f}')
        say(f"  {page} page timings (ms from page start): {json.dumps(res.get('timings', {}))}")

    # Chromium offers to the demo's WHIP server.
    def chromium_offers(self):
        demo_argv = [self.args.demo, '--http', f'{ADDR_B}:{DEMO_PORT}'] + self.args.demo_arg
        demo = self.start('demo-server', self.ns.b, demo_argv)
        if not wait_listening(self.ns.a, ADDR_B, DEMO_PORT, demo, 10):
            self.fail(f'demo not listening on {ADDR_B}:{DEMO_PORT} (exit status {demo.poll()})')
            return
        t0 = time.monotonic()
        url = f'{self.base}/offerer.html?whip=' + urllib.parse.quote(f'http://{ADDR_B}:{DEMO_PORT}/whip', safe='')
        if self.args.trickle:
            url += '&trickle=1'
        if self.args.hold:
            url += f'&hold={self.args.hold}'
        browser = chromium(self.ns.a, url, self.logdir, 'chromium-offerer')
        self.procs.append(browser)
        res = self.page_result('offerer', self.args.timeout + self.args.hold, watch=(demo, browser))
        elapsed = time.monotonic() - t0
        self.report_page(res, 'offerer')
        if res:
            self.summarize_offerer(res)
        # The demo's own view, while the connection is still up.
        try:
            status, body = http_get(self.ns.a, ADDR_B, DEMO_PORT, '/stats')
            doc = json.loads(body)
            if status != 200:
                self.fail(f'demo GET /stats answered {status}')
            ok = bool(res and res.get('ok'))
            labels = OFFERER_LABELS + [f'multi-{i}' for i in range(16)] if ok else []
            problems, counts = check_demo_stats(doc, labels)
            say(f'  demo /stats W3C entries by type: {counts}')
            for p in problems:
                self.fail(f'demo /stats: {p}')
            problems, info = check_demo_sessions(doc, labels, ['close-local', 'close-remote'] if ok else [])
            say(f'  demo /stats session: {json.dumps(info)}')
            self.attribute_losses(res, doc)
            for p in problems:
                self.fail(f'demo /stats: {p}')
            with open(os.path.join(self.logdir, 'demo-stats.json'), 'wb') as f:
                f.write(body)
        except (OSError, ValueError, http.client.HTTPException) as e:
            self.fail(f'demo GET /stats: {e}')
        # Then the page sends WHIP DELETE and closes (or only closes).
        if res and self.args.close_by == 'pc':
            self.pc_close_only()
        elif res:
            with self.state.cv:
                self.state.cmds['offerer'] = 'close'
            if not self.state.wait_for(lambda: self.state.closed is not None, 10):
                self.fail('offerer page did not close')
            else:
                st = self.state.closed.get('delete_status')
                say(f'  WHIP DELETE answered {st}')
                if not (isinstance(st, int) and 200 <= st < 300):
                    self.fail(f'WHIP DELETE of the session answered {st}')
                # DELETE ends the session on the demo.
                left = None
                for _ in range(30):
                    with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
                        left = json.loads(http_get(self.ns.a, ADDR_B, DEMO_PORT, '/stats')[1]).get('sessions')
                        if left == []:
                            break
                    time.sleep(0.1)
                if left != []:
                    self.fail(f'demo still lists sessions after DELETE: {left}')
        if demo.poll() is not None:
            self.fail(f'demo server exited with status {demo.poll()} during the run')
        say(f'  chromium-offers: {elapsed:.2f} s from Chromium launch to the page result')

    def pc_close_only(self):
        """Chromium's pc.close() without a DELETE: the demo must drop the
        session by itself (SCTP ABORT and DTLS close_notify arrive at once;
        at the latest ICE consent expires after 30 s, RFC 7675 §5.1)."""
        with self.state.cv:
            self.state.cmds['offerer'] = 'pcclose'
        if not self.state.wait_for(lambda: self.state.closed is not None, 10):
            self.fail('offerer page did not close')
            return
        t0 = time.monotonic()
        seen = []
        while time.monotonic() - t0 < 45:
            with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
                sessions = json.loads(http_get(self.ns.a, ADDR_B, DEMO_PORT, '/stats')[1]).get('sessions')
                if sessions == []:
                    say(f'  after pc.close() alone the demo dropped the session in {time.monotonic() - t0:.1f} s '
                        f'(states seen: {seen})')
                    return
                st = (sessions[0].get('connectionState'), sessions[0].get('iceConnectionState'))
                if not seen or seen[-1][1:] != st:
                    seen.append((round(time.monotonic() - t0, 1),) + st)
            time.sleep(0.2)
        self.fail(f'the demo kept the session 45 s after Chromium closed (states seen: {seen})')

    def attribute_losses(self, res, doc):
        """Which leg lost a partially reliable message: what the page sent,
        what the demo received and echoed (its channel counters), what came
        back."""
        if not res or not isinstance(doc, dict) or not doc.get('sessions'):
            return
        chans = {c.get('label'): c for c in doc['sessions'][0].get('channels', [])}
        page = res.get('channels', {})
        for key, label in zip(['reliable', 'unordered', 'rtx0', 'rtx0_unordered', 'life500', 'life500_unordered'],
                              OFFERER_LABELS):
            c, p = chans.get(label, {}), page.get(key, {})
            # The page's count includes the later round on "reliable".
            say(f"  {label:18} Chromium sent {p.get('sent')}, demo received {c.get('messagesReceived')}, "
                f"demo sent {c.get('messagesSent')}, Chromium got back {p.get('echoed')}")

    def summarize_offerer(self, res):
        for k, c in res.get('channels', {}).items():
            say(f"  channel {k}: {c.get('echoed')}/{c.get('sent')} echoes, {c.get('bytes')} B, {c.get('ms')} ms" +
                (f" (slow echoes: {' '.join(c['slow'])})" if c.get('slow') else ''))
        if 'multi' in res:
            m = res['multi']
            say(f"  16 channels at once: {m['echoed']}/{m['sent']} echoes, {m['bytes']} B")
        say(f"  close from Chromium: {res.get('close_local_ms')} ms, close from peer: {res.get('close_remote_ms')} ms")
        if res.get('hold'):
            h = res['hold']
            b, a = h.get('before') or {}, h.get('after') or {}
            say(f"  held {h['seconds']} s ({h['rounds']} echo rounds): Chromium consent requests "
                f"{b.get('consentRequestsSent')} -> {a.get('consentRequestsSent')}, responses "
                f"{b.get('responsesReceived')} -> {a.get('responsesReceived')}, checks from the peer "
                f"{b.get('requestsReceived')} -> {a.get('requestsReceived')}")
        if res.get('patches'):
            say(f"  WHIP PATCH statuses: {res['patches']}")
        if res.get('partial_losses'):
            say(f"  partially reliable messages lost (tolerated): {json.dumps(res['partial_losses'])}")
        say(f"  final states: {json.dumps(res.get('states'))}")
        st = res.get('stats') or {}
        for p in st.get('pair', []):
            if p.get('nominated'):
                say(f"  Chromium selected pair: {json.dumps(p)}")

    # The demo offers to Chromium through our WHIP endpoint.
    def demo_offers(self):
        url = f'{self.base}/answerer.html?open=16'
        if self.args.negotiated:
            # The demo client's --negotiated channels: id 100 ordered, 102 unordered.
            url += '&negotiated=100,102u'
        t0 = time.monotonic()
        self.procs.append(chromium(self.ns.a, url, self.logdir, 'chromium-answerer'))
        # The demo starts once the page polls for the offer, so that its
        # setup time does not include Chromium's start.
        if not self.state.wait_for(lambda: self.state.offer_polls > 0, 30):
            self.fail('the answerer page never polled for an offer')
            return
        say(f'  answerer page polling after {time.monotonic() - t0:.2f} s')
        t0 = time.monotonic()
        demo_argv = [self.args.demo, '--whip', f'{self.base}/whip'] + \
            (['--negotiated'] if self.args.negotiated else []) + self.args.demo_arg
        demo = self.start('demo-client', self.ns.b, demo_argv)
        status = demo.wait(self.args.timeout)
        elapsed = time.monotonic() - t0
        if status is None:
            self.fail(f'demo client still running after {self.args.timeout} s')
        elif status != 0:
            self.fail(f'demo client exited with status {status}')
        with self.state.cv:
            self.state.cmds['answerer'] = 'report'
        res = self.page_result('answerer', 15)
        self.report_page(res, 'answerer')
        if res:
            self.summarize_answerer(res)
            self.check_answerer(res)
        out = demo.tail(60)
        say(f'  demo client output:\n' + '\n'.join('    ' + l for l in out.splitlines()))
        # The demo's view of the states (it prints each change).
        lines = [l.strip() for l in out.splitlines()]
        if 'connection connected' not in lines:
            self.fail('the demo client never printed "connection connected"')
        if 'ice connected' not in lines and 'ice completed' not in lines:
            self.fail('the demo client never printed "ice connected"/"ice completed"')
        if not any(l.startswith('result: PASS') for l in lines):
            self.fail('the demo client printed no "result: PASS"')
        # The demo client's getStats, if it prints it (a line "stats: {...}").
        stats_line = None
        with contextlib.suppress(OSError):
            with open(demo.log_path, 'rb') as f:
                for l in f.read().decode('utf-8', 'replace').splitlines():
                    if l.startswith('stats: {'):
                        stats_line = l[len('stats: '):]
        if stats_line is None:
            say('  the demo client printed no "stats: {...}" line: its getStats is not checked')
        else:
            try:
                problems, counts = check_demo_stats(json.loads(stats_line), [])
                say(f'  demo client W3C stats entries by type: {counts}')
                for p in problems:
                    if 'state(s)' not in p:   # the W3C report alone carries no pc states
                        self.fail(f'demo client stats: {p}')
            except ValueError as e:
                self.fail(f'demo client stats line is not JSON: {e}')
        say(f'  WHIP: {self.state.whip_posts} POST, {self.state.whip_patches} PATCH, {self.state.whip_deletes} DELETE')
        say(f'  demo-offers: {elapsed:.2f} s from Chromium launch to the demo client exit')

    def check_answerer(self, res):
        """Direction demo-offers: the demo's channels arrived, every message
        it sent was echoed, it asked Chromium to close one channel
        ("__close__") and closed the rest itself (DELETE + close)."""
        chans = [c for c in res.get('channels', []) if not c['label'].startswith('from-chromium-')]
        by_closer = {}
        for c in chans:
            by_closer.setdefault(c['closed_by'], []).append(c['label'])
        say(f'  channels by who closed them: {json.dumps(by_closer)}')
        want = 6 if self.args.negotiated else 4
        if len(chans) < want:
            self.fail(f'only {len(chans)} channels from the demo arrived, expected {want}')
        for c in chans:
            if c['negotiated'] and not c['text'] + c['binary']:
                self.fail(f"negotiated channel {c['id']}: no message arrived")
        if not by_closer.get('chromium'):
            self.fail('the demo asked Chromium to close no channel ("__close__")')
        if by_closer.get(None):
            self.fail(f'channels still open after the demo closed: {by_closer[None]}')
        mine = res.get('opened_here') or {}
        if mine.get('opened') != mine.get('wanted'):
            self.fail(f"channels opened by Chromium: {mine.get('opened')}/{mine.get('wanted')} open")

    def summarize_answerer(self, res):
        for c in res.get('channels', []):
            say(f"  channel {c['label']!r} id {c['id']} ordered={c['ordered']} rtx={c['maxRetransmits']} "
                f"life={c['maxPacketLifeTime']} negotiated={c['negotiated']}: echoed {c['text']} text + "
                f"{c['binary']} binary, {c['bytes']} B; closed_by={c['closed_by']}")
        if res.get('opened_here', {}).get('wanted'):
            say(f"  channels opened by Chromium at once: {json.dumps(res['opened_here'])}")
        say(f"  Chromium reached: {json.dumps(res.get('reached'))}")
        say(f"  Chromium states while connected: {json.dumps(res.get('connected_states'))}")
        say(f"  Chromium final states: {json.dumps(res.get('final_states'))}")

    # Our own offerer (sansrtc_offerer.cc) to Chromium, signalling over its
    # stdin/stdout: the page gets the offer from /offer as in demo-offers.
    def sansrtc_offers(self):
        url = f'{self.base}/answerer.html?open=16'
        t0 = time.monotonic()
        self.procs.append(chromium(self.ns.a, url, self.logdir, 'chromium-answerer'))
        if not self.state.wait_for(lambda: self.state.offer_polls > 0, 30):
            self.fail('the answerer page never polled for an offer')
            return
        say(f'  answerer page polling after {time.monotonic() - t0:.2f} s')
        t0 = time.monotonic()
        lines = []
        sdp = []

        def on_line(line):
            lines.append(line)
            if not self.args.quiet and line.startswith(('log ', 'failure: ')):
                say(f'  [sansrtc] {line}')
            if line == 'offer-begin':
                sdp.clear()
                sdp.append(None)
            elif line == 'offer-end' and sdp[:1] == [None]:
                with self.state.cv:
                    self.state.offer = ''.join(l + '\r\n' for l in sdp[1:])
                    self.state.cv.notify_all()
            elif sdp[:1] == [None]:
                sdp.append(line.rstrip('\r'))

        offerer = Proc('sansrtc-offerer', self.ns.b, [self.args.demo] + self.args.demo_arg, self.logdir, on_line)
        self.procs.append(offerer)
        say(f'  started sansrtc-offerer: {self.args.demo}')
        if not self.state.wait_for(lambda: self.state.answer is not None, 20):
            self.fail('no answer from the page within 20 s of starting the offerer')
        else:
            answer = self.state.answer.replace('\r\n', '\n')
            with contextlib.suppress(OSError):
                offerer.p.stdin.write(answer.encode() + b'answer-end\n')
                offerer.p.stdin.flush()
        status = offerer.wait(self.args.timeout)
        elapsed = time.monotonic() - t0
        if offerer.reader:
            offerer.reader.join(5)
        if status is None:
            self.fail(f'the offerer still runs after {self.args.timeout} s')
        elif status != 0:
            self.fail(f'the offerer exited with status {status}')
        for l in lines:
            if l.startswith('failure: '):
                self.fail(f'sansrtc: {l[9:]}')
        shown = [l for l in lines if l.startswith(('log ', 'states:', 'host:', 'setup_ms', 'multi_ms', 'result:'))]
        say('  sansrtc offerer output:\n' + '\n'.join('    ' + l for l in shown))
        if not any(l.startswith('result: PASS') for l in lines):
            self.fail('the offerer printed no "result: PASS"')
        stats = [l[len('stats: '):] for l in lines if l.startswith('stats: ')]
        if not stats:
            self.fail('the offerer printed no stats')
        else:
            try:
                doc = json.loads(stats[-1])
                with open(os.path.join(self.logdir, 'sansrtc-offerer-stats.json'), 'w') as f:
                    f.write(stats[-1])
                problems, counts = check_demo_stats(doc, ['reliable', 'unordered', 'rtx0-unordered', 'life500'] +
                                                    [f'multi-{i}' for i in range(16)])
                say(f'  sansrtc get_stats entries by type: {counts}')
                for p in problems:
                    if 'state(s)' not in p:   # the W3C report alone has no pc states: "states:" line
                        self.fail(f'sansrtc get_stats: {p}')
            except ValueError as e:
                self.fail(f'the stats line is not JSON: {e}')
        with self.state.cv:
            self.state.cmds['answerer'] = 'report'
        res = self.page_result('answerer', 15)
        self.report_page(res, 'answerer')
        if res:
            self.summarize_answerer(res)
            closers = {}
            for c in res.get('channels', []):
                closers.setdefault(c['closed_by'], []).append(c['label'])
            if 'close-here' not in closers.get('peer', []):
                self.fail(f'Chromium did not see close-here closed by sansrtc: {closers}')
            if closers.get('chromium') != ['close-there']:
                self.fail(f"Chromium's own closes: {closers.get('chromium')}, expected ['close-there']")
            if closers.get(None):
                self.fail(f'channels still open in Chromium after sansrtc closed the connection: {closers[None]}')
            mine = res.get('opened_here') or {}
            if mine.get('opened') != mine.get('wanted'):
                self.fail(f"channels opened by Chromium: {mine.get('opened')}/{mine.get('wanted')} open")
        say(f'  sansrtc-offers: {elapsed:.2f} s from the offerer start to its exit')

    # Harness check without sansrtc: Chromium against Chromium.
    def selftest(self):
        t0 = time.monotonic()
        self.procs.append(chromium(self.ns.b, f'{self.base}/answerer.html', self.logdir, 'chromium-answerer'))
        url = f'{self.base}/offerer.html?whip=' + urllib.parse.quote(f'{self.base}/whip', safe='')
        if self.args.trickle:
            url += '&trickle=1'
        self.procs.append(chromium(self.ns.a, url, self.logdir, 'chromium-offerer'))
        res = self.page_result('offerer', self.args.timeout)
        elapsed = time.monotonic() - t0
        self.report_page(res, 'offerer')
        if res:
            self.summarize_offerer(res)
        with self.state.cv:
            self.state.cmds['answerer'] = 'report'
        res2 = self.page_result('answerer', 15)
        self.report_page(res2, 'answerer')
        if res2:
            self.summarize_answerer(res2)
            closers = {c['label']: c['closed_by'] for c in res2['channels'] if c['label'].startswith('close-')}
            if closers != {'close-local': 'peer', 'close-remote': 'chromium'}:
                self.fail(f'answerer saw closes {closers}')
        with self.state.cv:
            self.state.cmds['offerer'] = 'close'
        if not self.state.wait_for(lambda: self.state.closed is not None, 10):
            self.fail('offerer page did not close')
        elif self.state.whip_deletes != 1:
            self.fail(f'{self.state.whip_deletes} WHIP DELETEs, expected 1')
        say(f'  selftest: {elapsed:.2f} s from Chromium launch to the offerer result')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('demo', nargs='?', help='path of sansrtc-demo')
    ap.add_argument('--direction', choices=['both', 'chromium-offers', 'demo-offers', 'sansrtc-offers', 'selftest'],
                    default='both')
    ap.add_argument('--selftest', action='store_true', help='same as --direction selftest')
    ap.add_argument('--skip', metavar='REASON', help='print REASON and exit 77 (meson: skipped)')
    ap.add_argument('--timeout', type=float, default=60, help='seconds per direction (default 60)')
    ap.add_argument('--demo-arg', action='append', default=[], help='extra argument for the demo (repeatable)')
    ap.add_argument('--negotiated', action='store_true',
                    help='demo-offers: also the demo\'s negotiated channels (ids 100, 102)')
    ap.add_argument('--trickle', action='store_true',
                    help='chromium-offers/selftest: POST the offer without candidates, PATCH them (WHIP trickle)')
    ap.add_argument('--hold', type=int, default=0, metavar='S',
                    help='chromium-offers: keep the connection S more seconds (ICE consent freshness)')
    ap.add_argument('--close-by', choices=['delete', 'pc'], default='delete',
                    help='chromium-offers: end with WHIP DELETE + pc.close() (default) or pc.close() alone')
    ap.add_argument('--keep', action='store_true', help='keep the log directory')
    ap.add_argument('--quiet', action='store_true', help='print page logs only on failure')
    args = ap.parse_args()
    if args.selftest:
        args.direction = 'selftest'
    if args.skip:
        say(f'SKIP: {args.skip}')
        return SKIP
    if os.geteuid() != 0:
        say('SKIP: needs root (creates network namespaces)')
        return SKIP
    if not os.access(CHROMIUM, os.X_OK):
        say(f'SKIP: no Chromium at {CHROMIUM} (apt-get install chromium)')
        return SKIP
    if not shutil.which('ip'):
        say('SKIP: no iproute2 (ip)')
        return SKIP
    if args.direction != 'selftest':
        if not args.demo or not os.access(args.demo, os.X_OK):
            say(f'SKIP: no peer executable ({args.demo})')
            return SKIP
        args.demo = os.path.abspath(args.demo)
    directions = ['chromium-offers', 'demo-offers'] if args.direction == 'both' else [args.direction]

    logdir = tempfile.mkdtemp(prefix='sansrtc-chromium-')
    ns = Namespaces()
    failed = []
    # SIGTERM (meson's timeout) must still run the cleanup below.
    def on_term(*_):
        raise SystemExit('SIGTERM')
    signal.signal(signal.SIGTERM, on_term)
    try:
        try:
            ns.up()
        except subprocess.CalledProcessError as e:
            say(f'SKIP: cannot make the network namespaces: {" ".join(e.cmd)}: {e.stdout.strip()}')
            return SKIP
        for d in directions:
            say(f'== {d}')
            t0 = time.monotonic()
            r = Run(args, ns, logdir)
            try:
                {'chromium-offers': r.chromium_offers, 'demo-offers': r.demo_offers, 'selftest': r.selftest,
                 'sansrtc-offers': r.sansrtc_offers}[d]()
            except BaseException as e:
                # Timeout (SIGTERM from meson), ^C or a harness bug: still show
                # what the processes and the page said.
                r.fail(f'interrupted: {e!r}')
                raise
            finally:
                with contextlib.suppress(Exception):
                    r.udp_report()
                if r.failures:
                    r.dump()
                r.close()
            verdict = 'FAIL' if r.failures else 'PASS'
            say(f'== {d}: {verdict} ({time.monotonic() - t0:.2f} s, {len(r.failures)} failures)')
            if r.failures:
                failed.append(d)
    finally:
        ns.down()
        for d in os.listdir(logdir):
            if d.startswith('profile-'):   # Chromium profiles: megabytes, no evidence
                shutil.rmtree(os.path.join(logdir, d), ignore_errors=True)
        if args.keep or failed:
            say(f'logs kept in {logdir}')
        else:
            shutil.rmtree(logdir, ignore_errors=True)
    say('RESULT: ' + ('FAIL ' + ', '.join(failed) if failed else 'PASS'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
