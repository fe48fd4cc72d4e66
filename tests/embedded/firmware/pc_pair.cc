// tests/embedded/firmware/pc_pair.cc — two full sans-IO PeerConnections in
// memory (include/sansrtc/peer_connection.h): offer/answer with candidates
// in the descriptions, ICE → DTLS → SCTP → a data channel, over a perfect
// in-memory link on the virtual clock; messages of several sizes both ways,
// every byte checked.
//
// Measures per-connection RAM (heap held by one PeerConnection once its
// channel is open, and the peak), allocations per message once connected
// (every received message's buffer is given back with recycle(); what the
// steady round still allocates is the messages above the pool's buffer
// size), and the virtual time from create_offer to open.
#include "pc_pair.h"

#include "runtime.h"

#include <sansrtc/peer_connection.h>
#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <cstring>
#include <memory>
#include <vector>

namespace sansrtc::embedded {
namespace {

const SocketAddress kAddr[2] = {SocketAddress(IpAddress::v4(10, 0, 0, 1), 5000),
                                SocketAddress(IpAddress::v4(10, 0, 0, 2), 5000)};
constexpr size_t kSizes[] = {0, 1, 100, 1000, 1200, 5000, 16384};
constexpr size_t kNumSizes = sizeof(kSizes) / sizeof(kSizes[0]);

struct Side {
  std::unique_ptr<PeerConnection> pc;
  DataChannelHandle channel = 0;
  bool open = false;
  bool failed = false;
  size_t received = 0, bad = 0, bytes = 0;
};

uint8_t pattern(size_t i, size_t n, int side) { return uint8_t(i * 7 + n + side * 13); }

// One datagram in flight on the link (the link holds at most a few: the
// loop delivers everything at each step).
struct Packet {
  int to;
  SocketAddress from, dest;
  size_t size;
  uint8_t bytes[1500];
};

class Link {
 public:
  bool push(int to, const Transmit& t, const uint8_t* data) {
    if (count_ == kMax) return false;
    Packet& p = packets_[(head_ + count_) % kMax];
    p.to = to;
    p.from = t.source;
    p.dest = t.destination;
    p.size = t.size;
    std::memcpy(p.bytes, data, t.size);
    ++count_;
    return true;
  }
  Packet* front() { return count_ ? &packets_[head_] : nullptr; }
  void pop() {
    head_ = (head_ + 1) % kMax;
    --count_;
  }

 private:
  static constexpr size_t kMax = 16;
  Packet packets_[kMax];
  size_t head_ = 0, count_ = 0;
};

Link g_link;  // static: 24 KB the board has as .bss, not heap
uint8_t g_buf[1500];

void drain(Side* sides, int i, Instant now, uint64_t& datagrams) {
  Side& s = sides[i];
  for (int k = 0; k < 64; ++k) {
    auto t = s.pc->poll_transmit(MutBytes(g_buf, sizeof g_buf));
    if (!t) break;
    ++datagrams;
    if (!g_link.push(1 - i, *t, g_buf)) break;  // full: dropped (the stack retransmits)
  }
  while (auto e = s.pc->poll_event()) {
    using T = PeerConnectionEvent::Type;
    switch (e->type) {
      case T::data_channel: s.channel = e->channel; break;
      case T::channel_open: s.open = true; break;
      case T::connection_state_change:
        if (e->connection_state == PeerConnectionState::failed) s.failed = true;
        break;
      case T::channel_message: {
        ++s.received;
        s.bytes += e->data.size();
        const size_t n = e->data.size();
        for (size_t j = 0; j < n; ++j)
          if (e->data[j] != pattern(j, n, 1 - i)) {
            ++s.bad;
            break;
          }
        // Read: give the buffer back, so the next message reuses it (no
        // allocation per message once the pool is warm).
        s.pc->recycle(std::move(e->data));
        break;
      }
      default: break;
    }
  }
  (void)now;
}

// Runs both machines until `done` or the virtual deadline; returns the time.
template <class F>
Instant run(Side* sides, Instant now, Instant limit, uint64_t& datagrams, F done) {
  for (int spin = 0; spin < 200000 && now < limit && !done(); ++spin) {
    drain(sides, 0, now, datagrams);
    drain(sides, 1, now, datagrams);
    if (Packet* p = g_link.front()) {
      Datagram d{p->from, p->dest, Bytes(p->bytes, p->size)};
      const int to = p->to;
      sides[to].pc->handle_datagram(now, d);
      g_link.pop();
      continue;
    }
    std::optional<Instant> next;
    for (int i = 0; i < 2; ++i)
      if (auto t = sides[i].pc->poll_timeout(); t && (!next || *t < *next)) next = t;
    if (!next) break;
    if (*next > now) now = *next;
    for (int i = 0; i < 2; ++i)
      if (auto t = sides[i].pc->poll_timeout(); t && *t <= now) sides[i].pc->handle_timeout(now);
  }
  return now;
}

}  // namespace

PcPairReport run_pc_pair() {
  PcPairReport r;
  SeededRng rng_a(11), rng_b(22);
  PeerConnectionOptions o;
  o.allow_loopback = false;
  o.max_message_size = 16384;
  o.sctp_receive_window = 32 * 1024;
  o.sctp_send_buffer = 64 * 1024;
  o.max_data_channels = 4;
  o.max_queued_events = 16;
  o.unix_time_seconds = 1'790'000'000;
  // Message buffers: the default pool (8 x 4 KiB, 16 KiB in all). Messages
  // above 4 KiB (5000, 16384 here) still cost an allocation each.
  Instant now = kTestEpoch;
  const size_t heap0 = fw_heap_live();
  fw_heap_reset_peak();
  Side sides[2];
  Rng* rngs[2] = {&rng_a, &rng_b};
  for (int i = 0; i < 2; ++i) {
    auto pc = PeerConnection::create(now, Configuration{}, *rngs[i], o);
    if (!pc.ok()) {
      r.error = "PeerConnection::create failed";
      return r;
    }
    sides[i].pc = std::move(pc.value());
    (void)sides[i].pc->add_local_address(now, kAddr[i]);
    sides[i].pc->end_of_local_addresses(now);
  }
  r.heap_constructed = fw_heap_live() - heap0;
  const Instant t0 = now;
  auto ch = sides[0].pc->create_data_channel(now, "embedded");
  if (!ch.ok()) {
    r.error = "create_data_channel failed";
    return r;
  }
  sides[0].channel = ch.value();
  // Offer/answer; each description carries its candidates (non-trickle).
  if (!sides[0].pc->set_local_description(now).ok()) {
    r.error = "offer";
    return r;
  }
  uint64_t datagrams = 0;
  drain(sides, 0, now, datagrams);
  if (!sides[1].pc->set_remote_description(now, *sides[0].pc->local_description()).ok() ||
      !sides[1].pc->set_local_description(now).ok()) {
    r.error = "answer";
    return r;
  }
  drain(sides, 1, now, datagrams);
  if (!sides[0].pc->set_remote_description(now, *sides[1].pc->local_description()).ok()) {
    r.error = "apply answer";
    return r;
  }
  now = run(sides, now, now + std::chrono::seconds(30), datagrams,
            [&] { return (sides[0].open && sides[1].open) || sides[0].failed || sides[1].failed; });
  if (!sides[0].open || !sides[1].open) {
    r.error = "channel did not open";
    return r;
  }
  r.open_virtual_ms = uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - t0).count());
  r.handshake_datagrams = datagrams;
  r.heap_peak_connect = fw_heap_peak() - heap0;
  // Let delayed acks and handshake leftovers settle, then measure.
  now = run(sides, now, now + std::chrono::seconds(1), datagrams, [] { return false; });
  r.heap_open = fw_heap_live() - heap0;
  r.memory_usage = sides[0].pc->memory_usage();

  // Messages both ways, twice: a warm-up round, then a counted one.
  std::vector<uint8_t> msg;
  for (int round = 0; round < 2; ++round) {
    const size_t allocs0 = fw_heap_allocs();
    const size_t expected = sides[0].received + kNumSizes;
    for (size_t n : kSizes) {
      for (int i = 0; i < 2; ++i) {
        msg.resize(n);
        for (size_t j = 0; j < n; ++j) msg[j] = pattern(j, n, i);
        if (!sides[i].pc->send_binary(now, sides[i].channel, Bytes(msg.data(), msg.size())).ok()) {
          r.error = "send failed";
          return r;
        }
      }
      now = run(sides, now, now + std::chrono::seconds(10), datagrams, [&] {
        return sides[0].received >= expected - kNumSizes + 1 && sides[1].received >= expected - kNumSizes + 1;
      });
    }
    now = run(sides, now, now + std::chrono::seconds(10), datagrams,
              [&] { return sides[0].received >= expected && sides[1].received >= expected; });
    r.allocs_per_round[round] = fw_heap_allocs() - allocs0;
  }
  r.messages_each_way = sides[1].received;
  r.bytes_each_way = sides[1].bytes;
  r.bad_messages = sides[0].bad + sides[1].bad;
  r.messages_per_round = kNumSizes;
  r.delivered_ok = r.bad_messages == 0 && sides[0].received == 2 * kNumSizes && sides[1].received == 2 * kNumSizes;
  r.heap_peak_total = fw_heap_peak() - heap0;
  r.connected = sides[0].pc->connection_state() == PeerConnectionState::connected &&
                sides[1].pc->connection_state() == PeerConnectionState::connected;
  for (auto& s : sides) s.pc->close(now);
  return r;
}

}  // namespace sansrtc::embedded
