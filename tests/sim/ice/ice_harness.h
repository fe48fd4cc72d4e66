// sim/ice/ice_harness.h — two ICE agents in the network simulator, with a
// signalling channel between them (trickled candidates, delays, reordering)
// and a trickle of application datagrams over the selected pair.
#pragma once

#include "ice/agent.h"
#include "stun/binding_server.h"
#include "stun/message.h"
#include "support/sim/machine.h"
#include "support/sim/simulator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace sansrtc::ice::test {

using CS = ConnectionState;
using GS = GatheringState;

inline std::string states_str(const std::vector<CS>& v) {
  std::string s;
  for (auto x : v) {
    if (!s.empty()) s += ",";
    s += connection_state_name(x);
  }
  return s;
}

inline std::string pairs_str(const Agent& a) {
  std::string s;
  for (const auto& p : a.pairs()) {
    s += "[" + a.local_candidates()[p.local].base.to_string() + "(" +
         candidate_type_name(a.local_candidates()[p.local].candidate.type) + ")->" +
         a.remote_candidates()[p.remote].candidate.address.to_string() + "(" +
         candidate_type_name(a.remote_candidates()[p.remote].candidate.type) + ") " + pair_state_name(p.state) +
         (p.nominated ? " N" : "") + (p.txn ? (p.txn->use_candidate ? " tU" : p.txn->consent ? " tC" : " t") + std::to_string(p.txn->transmissions) : "") + "]";
  }
  return s;
}

// One side: the agent, what it reported, and application data.
struct Peer final : sim::Endpoint {
  Peer(const Config& c, uint64_t seed) : rng(seed), agent(kTestEpoch, c, rng) {}

  SeededRng rng;
  Agent agent;
  std::vector<CS> states;
  std::vector<GS> gathering;
  std::vector<Candidate> to_signal;  // gathered, not yet sent to the peer
  bool end_of_candidates = false;
  std::vector<Event> errors;
  int selected_changes = 0;
  std::optional<Instant> first_selected_at;

  // Application data: sequence numbers sent every app_interval on the
  // selected pair while sending_app; received ones recorded.
  bool sending_app = false;
  Duration app_interval = std::chrono::milliseconds(20);
  Instant next_app{};
  uint32_t next_seq = 0;
  uint32_t app_pending = 0;  // datagrams due but not yet polled
  std::vector<uint32_t> received;
  Instant last_now = kTestEpoch;

  void drain_events(Instant now) {
    while (auto e = agent.poll_event()) {
      switch (e->kind) {
        case Event::Kind::connection_state: states.push_back(e->connection_state); break;
        case Event::Kind::gathering_state: gathering.push_back(e->gathering_state); break;
        case Event::Kind::local_candidate: to_signal.push_back(e->candidate); break;
        case Event::Kind::end_of_candidates: end_of_candidates = true; break;
        case Event::Kind::candidate_error: errors.push_back(*e); break;
        case Event::Kind::selected_pair:
          ++selected_changes;
          if (!first_selected_at) first_selected_at = now;
          break;
        default: break;
      }
    }
    if (!agent.is_consistent()) throw std::runtime_error("agent inconsistent");
  }

  void handle_datagram(Instant now, const Datagram& d) override {
    last_now = now;
    if (stun::looks_like_stun(d.payload)) {
      agent.handle_datagram(now, d);
    } else if (d.payload.size() == 5 && d.payload[0] == 0xAA) {
      received.push_back(load_be32(d.payload.data() + 1));
    }
    drain_events(now);
  }
  void handle_timeout(Instant now) override {
    last_now = now;
    agent.handle_timeout(now);
    if (sending_app && now >= next_app) {
      ++app_pending;
      next_app = now + app_interval;
    }
    drain_events(now);
  }
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    if (auto t = agent.poll_transmit(buf)) return t;
    if (app_pending) {
      auto sp = agent.selected_pair();
      if (!sp) {
        app_pending = 0;  // nowhere to send: counted as not sent
        return std::nullopt;
      }
      --app_pending;
      buf[0] = 0xAA;
      store_be32(buf.data() + 1, next_seq++);
      return Transmit{sp->local, sp->remote, 5};
    }
    return std::nullopt;
  }
  std::optional<Instant> poll_timeout() override {
    auto t = agent.poll_timeout();
    if (sending_app) t = earliest(t, next_app);
    return t;
  }
};

struct Signal {
  Instant at;
  uint64_t order;
  bool to_b;
  std::optional<Candidate> candidate;  // nullopt: end-of-candidates
};

// Carries candidates from one peer to the other with a delay (and, with
// jitter, out of order), and credentials at start.
struct Signalling {
  Duration delay{0};
  Duration jitter{0};
  SeededRng rng{1};
  std::vector<Signal> queue;
  uint64_t order = 0;
  bool a_eoc_sent = false, b_eoc_sent = false;

  void collect(Peer& from, bool to_b, Instant now) {
    for (auto& c : from.to_signal) {
      Duration j = jitter.count() ? Duration(int64_t(rng.uniform(uint64_t(jitter.count())))) : Duration(0);
      queue.push_back({now + delay + j, order++, to_b, c});
    }
    from.to_signal.clear();
    bool& eoc = to_b ? a_eoc_sent : b_eoc_sent;
    if (from.end_of_candidates && !eoc) {
      eoc = true;
      queue.push_back({now + delay + jitter, order++, to_b, std::nullopt});
    }
  }
  // Delivers due signals; returns true when something was delivered.
  bool deliver(sim::Simulator& sim, Peer& a, Peer& b, sim::EndpointId ea, sim::EndpointId eb) {
    std::sort(queue.begin(), queue.end(),
              [](const Signal& x, const Signal& y) { return x.at != y.at ? x.at < y.at : x.order < y.order; });
    bool any = false;
    while (!queue.empty() && queue.front().at <= sim.now()) {
      Signal s = queue.front();
      queue.erase(queue.begin());
      Peer& to = s.to_b ? b : a;
      if (s.candidate) (void)to.agent.add_remote_candidate(sim.now(), *s.candidate);
      else to.agent.end_of_remote_candidates(sim.now());
      to.drain_events(sim.now());
      sim.wake(s.to_b ? eb : ea);
      any = true;
    }
    return any;
  }
  std::optional<Instant> next() const {
    std::optional<Instant> t;
    for (const auto& s : queue) t = earliest(t, s.at);
    return t;
  }
};

}  // namespace sansrtc::ice::test
