// Shared by offerer.html and answerer.html: progress log streamed to the
// harness, deterministic message contents, getStats summaries and checks.
// The harness (chromium_interop.py) serves these files and receives /log and
// /result from the page; it decides pass or fail.
'use strict';

const HARNESS = location.origin;
// 'offerer' or 'answerer': tags the log lines and picks this page's commands.
const PAGE = location.pathname.replace(/^.*\//, '').replace(/\.html$/, '');
const T0 = performance.now();
const progress = [];
const failures = [];

function now_s() { return ((performance.now() - T0) / 1000).toFixed(3); }

// Every line goes to the harness at once, so a page that hangs still leaves
// its trail in the test log.
function log(...parts) {
  const line = `${now_s()} ${parts.join(' ')}`;
  progress.push(line);
  fetch(`${HARNESS}/log?page=${PAGE}`, {method: 'POST', body: line, keepalive: true}).catch(() => {});
}

function fail(what) {
  log('FAIL', what);
  failures.push(what);
}

function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

function with_timeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// Resolves when `pred()` is true, re-checked on `events` of `target` and
// every 50 ms (some state attributes change without an event we listen to).
function wait_until(target, events, pred, ms, what) {
  return with_timeout(new Promise(resolve => {
    const check = () => { if (pred()) { cleanup(); resolve(); } };
    const iv = setInterval(check, 50);
    const cleanup = () => { clearInterval(iv); for (const e of events) target.removeEventListener(e, check); };
    for (const e of events) target.addEventListener(e, check);
    check();
  }), ms, what);
}

// xorshift32 bytes: every (seed, n) gives different, reproducible content.
function make_bytes(seed, n) {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

// Printable ASCII of exactly n bytes (UTF-8 length == string length).
function make_text(seed, n) {
  const b = make_bytes(seed, n);
  for (let i = 0; i < n; i++) b[i] = 0x20 + (b[i] % 95);
  return new TextDecoder().decode(b);
}

// A text message with 2-, 3- and 4-byte UTF-8 sequences (and surrogate
// pairs in JS), to check text is passed through byte for byte.
function make_utf8_text() {
  let s = '';
  while (s.length < 700) s += 'héllo wörld ✓ 日本語 🚀 ';
  return s;
}

function bytes_equal(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function first_difference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

// getStats() as a plain object keyed by type, for the result JSON and checks.
async function stats_summary(pc) {
  const report = await pc.getStats();
  const out = {transport: [], pair: [], local: {}, remote: {}, dc: [], pc: null};
  report.forEach(s => {
    if (s.type === 'transport') out.transport.push({
      id: s.id, dtlsState: s.dtlsState, iceState: s.iceState, selectedCandidatePairId: s.selectedCandidatePairId,
      bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, dtlsRole: s.dtlsRole, tlsVersion: s.tlsVersion,
      dtlsCipher: s.dtlsCipher, srtpCipher: s.srtpCipher, selectedCandidatePairChanges: s.selectedCandidatePairChanges});
    else if (s.type === 'candidate-pair') out.pair.push({
      id: s.id, state: s.state, nominated: s.nominated, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived,
      localCandidateId: s.localCandidateId, remoteCandidateId: s.remoteCandidateId,
      requestsSent: s.requestsSent, responsesReceived: s.responsesReceived, requestsReceived: s.requestsReceived,
      responsesSent: s.responsesSent, currentRoundTripTime: s.currentRoundTripTime,
      consentRequestsSent: s.consentRequestsSent, packetsSent: s.packetsSent, packetsReceived: s.packetsReceived});
    else if (s.type === 'local-candidate' || s.type === 'remote-candidate') (s.type === 'local-candidate' ? out.local : out.remote)[s.id] = {
      address: s.address, port: s.port, protocol: s.protocol, candidateType: s.candidateType, priority: s.priority};
    else if (s.type === 'data-channel') out.dc.push({
      label: s.label, protocol: s.protocol, dataChannelIdentifier: s.dataChannelIdentifier, state: s.state,
      messagesSent: s.messagesSent, bytesSent: s.bytesSent, messagesReceived: s.messagesReceived, bytesReceived: s.bytesReceived});
    else if (s.type === 'peer-connection') out.pc = {dataChannelsOpened: s.dataChannelsOpened, dataChannelsClosed: s.dataChannelsClosed};
  });
  return out;
}

// The checks on Chromium's own view of the connection: at least `min_dc`
// data-channel entries (open channels) and `min_opened` channels opened so
// far. Returns a list of problems (empty: sane).
function check_stats(st, min_dc, min_opened = min_dc) {
  const problems = [];
  const tr = st.transport.find(t => t.dtlsState === 'connected');
  if (!tr) problems.push(`no transport with dtlsState connected: ${JSON.stringify(st.transport)}`);
  const sel = tr && st.pair.find(p => p.id === tr.selectedCandidatePairId);
  if (tr && !sel) problems.push(`transport names no selected candidate pair (${tr.selectedCandidatePairId})`);
  // libwebrtc marks a pair 'in-progress' again while a check on it (consent
  // freshness, every few seconds) awaits its response: a pair that already
  // got responses counts as succeeded then.
  const succeeded = p => p.state === 'succeeded' || (p.state === 'in-progress' && p.responsesReceived > 0);
  const good = st.pair.filter(p => succeeded(p) && p.nominated && p.bytesSent > 0 && p.bytesReceived > 0);
  if (good.length === 0) problems.push(`no succeeded nominated candidate-pair with bytes both ways: ${JSON.stringify(st.pair)}`);
  if (sel && !(succeeded(sel) && sel.nominated)) problems.push(`selected pair not succeeded+nominated: ${JSON.stringify(sel)}`);
  if (sel && !(sel.responsesReceived > 0)) problems.push(`selected pair has no STUN responses received: ${JSON.stringify(sel)}`);
  if (sel && !st.local[sel.localCandidateId]) problems.push('selected pair local candidate missing from stats');
  if (sel && !st.remote[sel.remoteCandidateId]) problems.push('selected pair remote candidate missing from stats');
  if (st.dc.length < min_dc) problems.push(`only ${st.dc.length} data-channel stats, expected >= ${min_dc}`);
  if (!st.pc) problems.push('no peer-connection stats');
  else if (!(st.pc.dataChannelsOpened >= min_opened)) problems.push(`peer-connection dataChannelsOpened ${st.pc.dataChannelsOpened} < ${min_opened}`);
  return problems;
}

// Records every state change of `pc` with its time (and logs it).
function watch_states(pc) {
  const hist = {connectionState: [], iceConnectionState: [], iceGatheringState: [], signalingState: []};
  const rec = key => () => { hist[key].push([now_s(), pc[key]]); log(`${key} -> ${pc[key]}`); };
  pc.addEventListener('connectionstatechange', rec('connectionState'));
  pc.addEventListener('iceconnectionstatechange', rec('iceConnectionState'));
  pc.addEventListener('icegatheringstatechange', rec('iceGatheringState'));
  pc.addEventListener('signalingstatechange', rec('signalingState'));
  return hist;
}

async function post_result(result) {
  result.failures = failures;
  result.ok = failures.length === 0;
  result.progress = progress;
  for (let i = 0; i < 5; i++) {
    try {
      const r = await fetch(`${HARNESS}/result?page=${PAGE}`, {method: 'POST', body: JSON.stringify(result)});
      if (r.ok) return;
    } catch (e) { /* retry */ }
    await sleep(200);
  }
}

window.addEventListener('error', e => fail(`page error: ${e.message}`));
window.addEventListener('unhandledrejection', e => fail(`unhandled rejection: ${e.reason}`));
