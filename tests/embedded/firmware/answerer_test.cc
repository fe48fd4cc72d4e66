// tests/embedded/firmware/answerer_test.cc — proves the image's answerer
// (answerer.h) works: a PeerConnection offerer opens a channel to it through
// an in-memory link on the virtual clock and checks that every message of
// several sizes comes back byte for byte. Allocations made inside the
// answerer's calls are counted under their own heap tag, so its
// per-connection RAM and its allocations per message are measured apart
// from the offerer's.
#include "answerer_test.h"

#include "answerer.h"
#include "runtime.h"

#include <sansrtc/time.h>

#include <cstring>
#include <iterator>
#include <memory>
#include <span>
#include <vector>

namespace sansrtc::embedded {
namespace {

constexpr unsigned kTagAnswerer = 6;
const SocketAddress kOffererAddr(IpAddress::v4(192, 168, 7, 1), 40000);
const SocketAddress kAnswererAddr(IpAddress::v4(192, 168, 7, 2), 5000);
// The first round has every size, up to 16 KiB; the steady round stays
// within the default message pool (buffers of up to 4 KiB), where echoing
// should allocate nothing.
constexpr size_t kSizes[] = {0, 1, 100, 1000, 1200, 5000, 16384};
constexpr size_t kSteadySizes[] = {0, 1, 100, 1000, 1200, 4000, 4096};

struct Tagged {
  unsigned old;
  Tagged() : old(fw_heap_set_tag(kTagAnswerer)) {}
  ~Tagged() { fw_heap_set_tag(old); }
};

// Datagrams in flight, either direction; full = dropped (both retransmit).
struct Wire {
  struct Packet {
    bool to_answerer;
    SocketAddress from, to;
    uint16_t size;
    uint8_t bytes[1280];
  };
  static constexpr size_t kMax = 8;
  Packet packets[kMax];
  size_t head = 0, count = 0;

  void push(bool to_answerer, const Transmit& t, const uint8_t* data) {
    if (count == kMax || t.size > sizeof(Packet::bytes)) return;
    Packet& p = packets[(head + count++) % kMax];
    p = Packet{to_answerer, t.source, t.destination, uint16_t(t.size), {}};
    std::memcpy(p.bytes, data, t.size);
  }
};

// On the heap while the test runs (the board's RAM budget counts it either
// way; as .bss it would be held for the whole image).
Wire* g_wire = nullptr;
uint8_t g_out[1280];

uint8_t pattern(size_t i, size_t n) { return uint8_t(i * 5 + n); }

struct Offerer {
  std::unique_ptr<PeerConnection> pc;
  DataChannelHandle channel = 0;
  bool open = false, failed = false;
  size_t received = 0, bad = 0;
};

void drain(Offerer& o, EchoAnswerer& a, Instant now) {
  while (auto t = o.pc->poll_transmit(MutBytes(g_out, sizeof g_out))) g_wire->push(true, *t, g_out);
  while (auto e = o.pc->poll_event()) {
    using T = PeerConnectionEvent::Type;
    if (e->type == T::channel_open) o.open = true;
    if (e->type == T::connection_state_change && e->connection_state == PeerConnectionState::failed) o.failed = true;
    if (e->type == T::channel_message) {
      ++o.received;
      const size_t n = e->data.size();
      for (size_t j = 0; j < n; ++j)
        if (e->data[j] != pattern(j, n)) {
          ++o.bad;
          break;
        }
      o.pc->recycle(std::move(e->data));
    }
  }
  Tagged tag;
  a.service(now);
  while (auto t = a.poll_transmit(MutBytes(g_out, sizeof g_out))) g_wire->push(false, *t, g_out);
}

template <class F>
Instant run(Offerer& o, EchoAnswerer& a, Instant now, Instant limit, F done) {
  for (int spin = 0; spin < 200000 && now < limit && !done(); ++spin) {
    drain(o, a, now);
    if (g_wire->count != 0) {
      Wire::Packet& p = g_wire->packets[g_wire->head];
      const Datagram d{p.from, p.to, Bytes(p.bytes, p.size)};
      if (p.to_answerer) {
        Tagged tag;
        a.handle_datagram(now, d);
      } else {
        o.pc->handle_datagram(now, d);
      }
      g_wire->head = (g_wire->head + 1) % Wire::kMax;
      --g_wire->count;
      continue;
    }
    std::optional<Instant> next = o.pc->poll_timeout();
    if (auto t = a.poll_timeout(); t && (!next || *t < *next)) next = t;
    if (!next) break;
    if (*next > now) now = *next;
    if (auto t = o.pc->poll_timeout(); t && *t <= now) o.pc->handle_timeout(now);
    if (auto t = a.poll_timeout(); t && *t <= now) {
      Tagged tag;
      a.handle_timeout(now);
    }
  }
  return now;
}

}  // namespace

AnswererReport run_answerer_test() {
  AnswererReport r;
  SeededRng rng_o(31), rng_a(32);
  Instant now = kTestEpoch;
  PeerConnectionOptions oo;
  oo.unix_time_seconds = 1'790'000'000;
  Offerer o;
  auto pc = PeerConnection::create(now, Configuration{}, rng_o, oo);
  if (!pc.ok()) return r.error = "offerer create failed", r;
  o.pc = std::move(pc.value());
  (void)o.pc->add_local_address(now, kOffererAddr);
  o.pc->end_of_local_addresses(now);
  auto ch = o.pc->create_data_channel(now, "echo");
  if (!ch.ok() || !o.pc->set_local_description(now).ok()) return r.error = "offer failed", r;
  o.channel = ch.value();
  const Instant t0 = now;

  auto wire = std::make_unique<Wire>();
  g_wire = wire.get();
  const size_t tag_base = fw_heap_live_tag(kTagAnswerer);
  EchoAnswerer a;
  {
    Tagged tag;
    if (!a.start(now, rng_a, kAnswererAddr, o.pc->local_description()->sdp).ok()) return r.error = "answer failed", r;
  }
  if (!o.pc->set_remote_description(now, SessionDescriptionInit{SdpType::answer, std::string(a.answer())}).ok())
    return r.error = "offerer rejected the answer", r;
  now = run(o, a, now, now + std::chrono::seconds(30), [&] { return o.open || o.failed; });
  if (!o.open) return r.error = "channel did not open", r;
  r.open_virtual_ms = uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - t0).count());
  now = run(o, a, now, now + std::chrono::seconds(1), [] { return false; });  // settle acks
  r.answerer_heap_open = fw_heap_live_tag(kTagAnswerer) - tag_base;

  std::vector<uint8_t> msg;
  // Round 0: every size (buffers grow); round 1: the steady sizes (the pool
  // warms to them); round 2, counted: the same traffic again.
  for (int round = 0; round < 3; ++round) {
    const size_t allocs0 = fw_heap_allocs_tag(kTagAnswerer);
    const size_t echoed0 = a.echoed_messages();
    for (size_t n : round == 0 ? std::span<const size_t>(kSizes) : std::span<const size_t>(kSteadySizes)) {
      msg.resize(n);
      for (size_t j = 0; j < n; ++j) msg[j] = pattern(j, n);
      const size_t want = o.received + 1;
      if (!o.pc->send_binary(now, o.channel, Bytes(msg.data(), msg.size())).ok()) return r.error = "send failed", r;
      now = run(o, a, now, now + std::chrono::seconds(10), [&] { return o.received >= want; });
    }
    now = run(o, a, now, now + std::chrono::seconds(1), [] { return false; });
    if (round == 2) {
      r.steady_messages = a.echoed_messages() - echoed0;
      r.steady_allocs = fw_heap_allocs_tag(kTagAnswerer) - allocs0;
    }
  }
  r.messages = o.received - o.bad;
  r.bad = o.bad + (o.received == std::size(kSizes) + 2 * std::size(kSteadySizes) ? 0 : 1) + a.send_failures();
  r.answerer_heap_after = fw_heap_live_tag(kTagAnswerer) - tag_base;
  r.answerer_heap_peak = fw_heap_peak_tag(kTagAnswerer);
  o.pc->close(now);
  g_wire = nullptr;
  return r;
}

}  // namespace sansrtc::embedded
