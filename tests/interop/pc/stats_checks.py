"""Checks on sansrtc's stats JSON for chromium_interop.py: the W3C
getStats() report (PeerConnection::get_stats) and the demo server's GET
/stats document around it. Each check returns a list of problems (empty:
sane) and a summary for the log."""

import contextlib
import json


def stats_objects(node, out):
    """Every dict with a "type" in the demo's /stats JSON (reports may be
    nested in sessions, or be JSON strings themselves)."""
    if isinstance(node, str) and node[:1] == '{':
        with contextlib.suppress(ValueError):
            stats_objects(json.loads(node), out)
    elif isinstance(node, dict):
        if isinstance(node.get('type'), str):
            out.append(node)
        for v in node.values():
            stats_objects(v, out)
    elif isinstance(node, list):
        for v in node:
            stats_objects(v, out)
    return out


def state_values(node, out):
    """(key, value) of every string field whose key names a state."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and 'state' in k.lower():
                out.append((k, v))
            else:
                state_values(v, out)
    elif isinstance(node, list):
        for v in node:
            state_values(v, out)
    return out


def check_demo_sessions(doc, labels, closed_labels):
    """The demo's own fields: {"sessions": [{connectionState,
    iceConnectionState, droppedEchoes, channels: [{label, state, messages…}],
    stats: <W3C report>}]}."""
    problems = []
    sessions = doc.get('sessions') if isinstance(doc, dict) else None
    if not isinstance(sessions, list) or len(sessions) != 1:
        return [f'expected one session in /stats, got {sessions if not isinstance(sessions, list) else len(sessions)}'], {}
    s = sessions[0]
    info = {k: s.get(k) for k in ('connectionState', 'iceConnectionState', 'signalingState', 'iceGatheringState',
                                  'echoedMessages', 'echoedBytes', 'droppedEchoes', 'closesRequested', 'memoryBytes')}
    if s.get('connectionState') != 'connected':
        problems.append(f"session connectionState {s.get('connectionState')}")
    if s.get('iceConnectionState') not in ('connected', 'completed'):
        problems.append(f"session iceConnectionState {s.get('iceConnectionState')}")
    if s.get('signalingState') != 'stable':
        problems.append(f"session signalingState {s.get('signalingState')}")
    if s.get('droppedEchoes'):
        problems.append(f"the demo dropped {s.get('droppedEchoes')} echoes")
    chans = {c.get('label'): c for c in s.get('channels', [])}
    for label in labels:
        c = chans.get(label)
        if c is None:
            problems.append(f'channel {label} missing from the session')
        elif c.get('state') != 'open' or c.get('messagesReceived', 0) == 0:
            problems.append(f'channel {label}: {c}')
    for label in closed_labels:
        c = chans.get(label)
        if c is not None and c.get('state') != 'closed':
            problems.append(f'channel {label} should be closed: {c}')
    if s.get('closesRequested') != 1:
        problems.append(f"closesRequested {s.get('closesRequested')}, expected 1")
    return problems, info


def check_demo_stats(doc, labels):
    problems = []
    objs = stats_objects(doc, [])
    by_type = {}
    for o in objs:
        by_type.setdefault(o['type'], []).append(o)
    for t in ('peer-connection', 'transport', 'candidate-pair', 'data-channel'):
        if t not in by_type:
            problems.append(f'no "{t}" entry')
    if not any(t.get('dtlsState') == 'connected' for t in by_type.get('transport', [])):
        problems.append(f"no transport with dtlsState connected: {by_type.get('transport')}")
    pairs = [p for p in by_type.get('candidate-pair', [])
             if p.get('state') == 'succeeded' and p.get('nominated') is True
             and (p.get('bytesSent') or 0) > 0 and (p.get('bytesReceived') or 0) > 0]
    if not pairs:
        problems.append(f"no succeeded nominated candidate-pair with bytes both ways: {by_type.get('candidate-pair')}")
    dcs = {d.get('label'): d for d in by_type.get('data-channel', [])}
    for label in labels:
        d = dcs.get(label)
        if d is None:
            problems.append(f'no data-channel entry labelled {label}')
        elif not ((d.get('messagesReceived') or 0) > 0 and (d.get('messagesSent') or 0) > 0):
            problems.append(f'data-channel {label}: {d}')
    states = state_values(doc, [])
    conn = [v for k, v in states if k.lower().replace('_', '') in ('connectionstate', 'peerconnectionstate')]
    ice = [v for k, v in states if k.lower().replace('_', '') == 'iceconnectionstate']
    if not conn or any(v != 'connected' for v in conn):
        problems.append(f'demo connection state(s) {conn}, expected connected')
    if not ice or any(v not in ('connected', 'completed') for v in ice):
        problems.append(f'demo ICE connection state(s) {ice}, expected connected/completed')
    return problems, {t: len(v) for t, v in by_type.items()}
