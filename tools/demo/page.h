// demo/page.h — the browser page sansrtc-demo serves at "/".
//
// Plain HTML and JavaScript, no external resources: an RTCPeerConnection
// opens a data channel, its offer (with every candidate: the page waits for
// ICE gathering, at most 2 s) is POSTed to /whip on the same origin (WHIP,
// RFC 9725), the answer is applied. The page shows signalingState,
// iceConnectionState, connectionState and the channel's readyState as they
// change, and a box to type messages that the demo echoes back. "Send
// binary" sends 1000 random bytes and checks the echo. "__close__" asks the
// demo to close the channel from its side. "Hang up" DELETEs the session.
// "/?selftest" runs a scripted check and reports it on the console (see the
// end of the script; tests/interop/tools/demo_page.sh uses it).
#pragma once

namespace sansrtc::demo {

inline constexpr const char* kDemoPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sansrtc demo</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; color: #222; }
  h1 { font-size: 1.4em; }
  table.states td { padding: 0.15em 1em 0.15em 0; }
  .state { font-family: monospace; font-weight: bold; }
  .good { color: #176b17; } .bad { color: #b00020; } .wait { color: #8a6d00; }
  #log { border: 1px solid #ccc; height: 18em; overflow-y: auto; padding: 0.5em; font-family: monospace;
         font-size: 0.9em; white-space: pre-wrap; background: #fafafa; }
  form { display: flex; gap: 0.5em; margin: 0.7em 0; }
  #text { flex: 1; padding: 0.3em; }
  .sent { color: #555; } .echo { color: #176b17; } .err { color: #b00020; } .info { color: #4a4a8a; }
</style>
</head>
<body>
<h1>sansrtc demo peer</h1>
<p>This page opens an <code>RTCPeerConnection</code> with one data channel to the sansrtc
demo peer over WHIP (<code>POST /whip</code>). Everything you send comes back on the same
channel. Send <code>__close__</code> to have the demo close the channel from its side.</p>
<table class="states">
  <tr><td>signalingState</td><td id="signaling" class="state">-</td></tr>
  <tr><td>iceGatheringState</td><td id="gathering" class="state">-</td></tr>
  <tr><td>iceConnectionState</td><td id="ice" class="state">-</td></tr>
  <tr><td>connectionState</td><td id="connection" class="state">-</td></tr>
  <tr><td>data channel</td><td id="channel" class="state">-</td></tr>
  <tr><td>setup time</td><td id="setup" class="state">-</td></tr>
</table>
<p><button id="connect">Connect</button> <button id="hangup" disabled>Hang up</button>
   <button id="binary" disabled>Send binary</button> <a href="/stats" target="_blank">/stats</a></p>
<form id="form"><input id="text" autocomplete="off" placeholder="type a message, press Enter" disabled>
  <button id="send" disabled>Send</button></form>
<div id="log"></div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let pc = null, dc = null, resource = null, started = 0, pendingBinary = [];

function log(text, cls) {
  const line = document.createElement("div");
  line.className = cls || "info";
  line.textContent = new Date().toISOString().substring(11, 23) + "  " + text;
  $("log").appendChild(line);
  $("log").scrollTop = $("log").scrollHeight;
}
function show(id, value) {
  const el = $(id);
  el.textContent = value;
  el.className = "state " + (["connected", "completed", "open", "stable", "complete"].includes(value) ? "good"
      : ["failed", "closed", "disconnected"].includes(value) ? "bad" : "wait");
}
function enable(on) {
  for (const id of ["text", "send", "binary"]) $(id).disabled = !on;
}

async function connect() {
  $("connect").disabled = true;
  $("log").textContent = "";
  pc = new RTCPeerConnection();
  const watch = () => {
    show("signaling", pc.signalingState);
    show("gathering", pc.iceGatheringState);
    show("ice", pc.iceConnectionState);
    show("connection", pc.connectionState);
  };
  for (const ev of ["signalingstatechange", "icegatheringstatechange", "iceconnectionstatechange",
                    "connectionstatechange"]) {
    pc.addEventListener(ev, () => { watch(); log(ev.replace("statechange", "") + ": " +
      ({signaling: pc.signalingState, icegathering: pc.iceGatheringState, iceconnection: pc.iceConnectionState,
        connection: pc.connectionState})[ev.replace("statechange", "")]); });
  }
  watch();
  dc = pc.createDataChannel("chat");
  dc.binaryType = "arraybuffer";
  show("channel", dc.readyState);
  dc.onopen = () => {
    show("channel", dc.readyState);
    $("setup").textContent = Math.round(performance.now() - started) + " ms";
    $("setup").className = "state good";
    log("channel open", "echo");
    enable(true);
    $("text").focus();
  };
  dc.onclose = () => { show("channel", dc.readyState); log("channel closed"); enable(false); };
  dc.onclosing = () => show("channel", "closing");
  dc.onerror = (e) => log("channel error: " + (e.error ? e.error.message : e), "err");
  dc.onmessage = (e) => {
    if (typeof e.data === "string") { log("\u2190 " + JSON.stringify(e.data), "echo"); return; }
    const got = new Uint8Array(e.data), want = pendingBinary.shift();
    const same = want && want.length === got.length && want.every((b, i) => b === got[i]);
    log("\u2190 binary, " + got.length + " bytes" + (same ? ", same bytes as sent" : ", DIFFERENT from what was sent"),
        same ? "echo" : "err");
  };
  try {
    started = performance.now();
    await pc.setLocalDescription(await pc.createOffer());
    // Every candidate in the offer (no trickle needed), at most 2 s of waiting.
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const t = setTimeout(resolve, 2000);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") { clearTimeout(t); resolve(); }
      });
    });
    log("POST /whip (offer, " + pc.localDescription.sdp.length + " bytes)");
    const res = await fetch("/whip", { method: "POST", headers: { "Content-Type": "application/sdp" },
                                       body: pc.localDescription.sdp });
    const body = await res.text();
    if (res.status !== 201) throw new Error("WHIP answered " + res.status + ": " + body);
    resource = new URL(res.headers.get("Location"), location.href).href;
    log("201 Created, Location " + res.headers.get("Location"));
    await pc.setRemoteDescription({ type: "answer", sdp: body });
    $("hangup").disabled = false;
  } catch (e) {
    log(String(e), "err");
    $("connect").disabled = false;
  }
}

async function hangup() {
  $("hangup").disabled = true;
  enable(false);
  if (resource) {
    const res = await fetch(resource, { method: "DELETE" }).catch((e) => ({ status: String(e) }));
    log("DELETE " + new URL(resource).pathname + ": " + res.status);
  }
  if (pc) pc.close();
  show("signaling", "closed");
  show("connection", "closed");
  show("channel", "closed");
  resource = null;
  $("connect").disabled = false;
}

$("connect").onclick = connect;
$("hangup").onclick = hangup;
$("form").onsubmit = (e) => {
  e.preventDefault();
  if (!dc || dc.readyState !== "open") return;
  const text = $("text").value;
  dc.send(text);
  log("\u2192 " + JSON.stringify(text), "sent");
  $("text").value = "";
};
$("binary").onclick = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(1000));
  pendingBinary.push(bytes);
  dc.send(bytes);
  log("\u2192 binary, " + bytes.length + " random bytes", "sent");
};
window.addEventListener("pagehide", () => {
  if (resource) fetch(resource, { method: "DELETE", keepalive: true });
});
// ?selftest: after the channel opens, send a text and a binary message,
// check both echoes, ask the demo to close the channel ("__close__"), wait
// for the close, DELETE the session, and report one console line
// "sansrtc-demo selftest: PASS {...}" or "... FAIL {...}" (for headless
// browser tests, which read the console).
if (new URLSearchParams(location.search).has("selftest")) {
  const report = (ok, detail) => {
    detail.connectionState = pc && pc.connectionState;
    detail.setup = $("setup").textContent;
    console.log("sansrtc-demo selftest: " + (ok ? "PASS " : "FAIL ") + JSON.stringify(detail));
  };
  const deadline = setTimeout(() => report(false, { error: "timeout", log: $("log").textContent.slice(-800) }), 20000);
  const waitFor = (cond) => new Promise((resolve) => {
    const t = setInterval(() => { if (cond()) { clearInterval(t); resolve(); } }, 20);
  });
  (async () => {
    await waitFor(() => dc && dc.readyState === "open");
    const got = [];
    const onmessage = dc.onmessage;
    dc.onmessage = (e) => { got.push(e.data); onmessage(e); };
    dc.send("hello from the page");
    const bytes = crypto.getRandomValues(new Uint8Array(1000));
    pendingBinary.push(bytes);
    dc.send(bytes);
    await waitFor(() => got.length >= 2);
    const textOk = got[0] === "hello from the page";
    const bin = new Uint8Array(got[1] instanceof ArrayBuffer ? got[1] : new ArrayBuffer(0));
    const binOk = bin.length === bytes.length && bin.every((b, i) => b === bytes[i]);
    dc.send("__close__");
    await waitFor(() => dc.readyState === "closed");
    const stats = await (await fetch("/stats")).json();
    const res = await fetch(resource, { method: "DELETE" });
    clearTimeout(deadline);
    report(textOk && binOk && res.status === 200 && stats.sessions.length === 1,
           { textOk, binOk, deleteStatus: res.status, sessions: stats.sessions.length });
  })().catch((e) => { clearTimeout(deadline); report(false, { error: String(e) }); });
}
connect();
</script>
</body>
</html>
)PAGE";

}  // namespace sansrtc::demo
