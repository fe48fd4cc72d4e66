// tests/sim/sctp/sctp_harness.h — two associations joined by a lossy pipe.
//
// A small sans-IO pipe written for the SCTP tests (the shared simulator in
// tests/support/sim serves UDP datagrams with addresses; SCTP over DTLS only
// needs byte packets): per-direction latency, jitter (which reorders), loss
// and duplication, all drawn from one SeededRng, and a virtual clock that
// jumps to the next packet arrival or timer deadline.
#pragma once

#include "sctp/association.h"
#include "sctp/packet/chunks.h"
#include "sctp/packet/sctp_packet.h"

#include <sansrtc/rng.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace sansrtc::sctp::testing {

struct LinkParams {
  Duration latency = std::chrono::milliseconds(5);
  Duration jitter{0};        // uniform extra delay; > 0 reorders
  double loss = 0.0;
  double duplicate = 0.0;
};

struct Endpoint {
  Endpoint(const Config& c, uint64_t seed) : rng(seed), assoc(c, rng) {}
  SeededRng rng;
  Association assoc;
  std::vector<Event> events;
  std::vector<std::vector<uint8_t>> sent;  // every packet this endpoint emitted (when recording)
  // Simulates a crash and a fresh start of this endpoint (peer restart tests).
  void restart(const Config& c) {
    assoc.~Association();
    new (&assoc) Association(c, rng);
    events.clear();
  }
};

class Pair {
 public:
  Pair(const Config& ca, const Config& cb, uint64_t seed, LinkParams link = {})
      : a(ca, seed * 2 + 1), b(cb, seed * 2 + 2), link_rng_(seed ^ 0x9E3779B97F4A7C15ull), link_(link) {}

  Endpoint a, b;
  Instant now = kTestEpoch;
  bool record = false;
  uint64_t delivered = 0, dropped = 0, duplicated = 0;
  // Called for each packet before the link sees it; return false to drop it.
  std::function<bool(bool from_a, std::vector<uint8_t>&)> filter;

  // Drains transmits of both ends into the link.
  void flush() {
    for (int side = 0; side < 2; ++side) {
      Endpoint& e = side == 0 ? a : b;
      std::array<uint8_t, 65536> buf;
      while (auto n = e.assoc.poll_transmit(MutBytes(buf))) {
        std::vector<uint8_t> p(buf.begin(), buf.begin() + *n);
        if (record) e.sent.push_back(p);
        if (filter && !filter(side == 0, p)) continue;
        offer(side == 0, std::move(p));
      }
    }
  }
  void drain_events() {
    for (Endpoint* e : {&a, &b})
      while (auto ev = e->assoc.poll_event()) e->events.push_back(std::move(*ev));
  }
  // One step: deliver everything due now, fire timers, flush; else advance
  // the clock to the next thing. Returns false when nothing is left to do.
  bool step(Instant limit) {
    flush();
    drain_events();
    std::optional<Instant> next;
    if (!inflight_.empty()) next = inflight_.begin()->first;
    next = earliest(next, a.assoc.poll_timeout());
    next = earliest(next, b.assoc.poll_timeout());
    if (!next || *next > limit) return false;
    if (*next > now) now = *next;
    while (!inflight_.empty() && inflight_.begin()->first <= now) {
      auto node = inflight_.extract(inflight_.begin());
      Endpoint& to = node.mapped().to_b ? b : a;
      to.assoc.handle_packet(now, node.mapped().bytes);
      ++delivered;
      flush();
    }
    a.assoc.handle_timeout(now);
    b.assoc.handle_timeout(now);
    flush();
    drain_events();
    return true;
  }
  // Runs until pred() or the virtual time limit.
  bool run_until(const std::function<bool()>& pred, Duration max) {
    Instant limit = now + max;
    for (;;) {
      flush();
      drain_events();
      if (pred()) return true;
      if (!step(limit)) return pred();
    }
  }
  void run_for(Duration d) {
    Instant limit = now + d;
    while (step(limit)) {
    }
    now = limit;
    a.assoc.handle_timeout(now);
    b.assoc.handle_timeout(now);
    flush();
    drain_events();
  }
  bool connect(Duration max = std::chrono::seconds(30)) {
    if (!a.assoc.connect(now).ok()) return false;
    return run_until([&] { return a.assoc.state() == State::established && b.assoc.state() == State::established; }, max);
  }
  void set_link(LinkParams l) { link_ = l; }
  size_t inflight() const { return inflight_.size(); }

 private:
  struct InFlight {
    bool to_b;
    std::vector<uint8_t> bytes;
  };
  void offer(bool from_a, std::vector<uint8_t> p) {
    if (link_.loss > 0 && link_rng_.next_double() < link_.loss) {
      ++dropped;
      return;
    }
    int copies = (link_.duplicate > 0 && link_rng_.next_double() < link_.duplicate) ? 2 : 1;
    if (copies == 2) ++duplicated;
    for (int i = 0; i < copies; ++i) {
      Duration d = link_.latency;
      if (link_.jitter.count() > 0) d += Duration(int64_t(link_rng_.uniform(uint64_t(link_.jitter.count()))));
      inflight_.emplace(now + d, InFlight{from_a, i + 1 < copies ? p : std::move(p)});
    }
  }
  SeededRng link_rng_;
  LinkParams link_;
  std::multimap<Instant, InFlight> inflight_;
};

// The chunk types of a packet, in order.
inline std::vector<uint8_t> chunk_types(const std::vector<uint8_t>& packet) {
  std::vector<uint8_t> out;
  auto p = parse_packet(packet, ChecksumPolicy::skip);
  if (!p) return out;
  ChunkIterator it(p->chunks);
  while (auto c = it.next()) out.push_back(c->type);
  return out;
}

inline uint32_t packet_tag(const std::vector<uint8_t>& packet) { return load_be32(&packet[4]); }

// Rewrites the CRC-32c after a test edits a packet.
inline void fix_crc(std::vector<uint8_t>& p) {
  uint32_t crc = packet_crc32c(p);
  p[8] = uint8_t(crc);
  p[9] = uint8_t(crc >> 8);
  p[10] = uint8_t(crc >> 16);
  p[11] = uint8_t(crc >> 24);
}

}  // namespace sansrtc::sctp::testing
