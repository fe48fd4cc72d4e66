// Two TransportStacks (ICE controlling + DTLS client, ICE controlled + DTLS
// server) wired back to back; the fuzzer decides which datagram is
// delivered, dropped or corrupted, when time advances, and which data
// channel commands run. An input of plain "deliver" ops connects both sides
// all the way to open data channels, so the fuzzer starts deep.
//
// Op stream (until the input ends):
//   0x00..0x3f  datagram op: bit 0 direction (0: A->B, 1: B->A); bit 1 drop
//               the head datagram instead of delivering it; bit 2 flip one
//               bit of it (position from the next byte) before delivering.
//   0x40 n      advance time by n × 10 ms, handle_timeout on both
//   0x41 s      A (s even) or B (s odd) creates a data channel
//   0x42 s n    the side sends n×37 bytes on its newest open channel (s bit 1: text)
//   0x43 s      the side closes its newest open channel
//   0x44 s      the side closes the whole transport
//   other       ignored
// After every op both sides' outputs are drained (into bounded queues) and
// invariants checked.
#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "pc/transport/transport_stack.h"

#include <sansrtc/rng.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {

struct World {
  SeededRng rng{20261124};
  crypto::EcdsaP256Key key_a, key_b;
  crypto::Certificate cert_a, cert_b;
  bool ok = false;
  World() {
    auto ka = crypto::EcdsaP256Key::generate(rng);
    auto kb = crypto::EcdsaP256Key::generate(rng);
    if (!ka.ok() || !kb.ok()) return;
    key_a = std::move(ka.value());
    key_b = std::move(kb.value());
    auto ca = crypto::Certificate::self_signed(key_a, rng, "fuzz-a", 1700000000, 365);
    auto cb = crypto::Certificate::self_signed(key_b, rng, "fuzz-b", 1700000000, 365);
    if (!ca.ok() || !cb.ok()) return;
    cert_a = std::move(ca.value());
    cert_b = std::move(cb.value());
    ok = true;
  }
};

World& world() {
  static World w;
  return w;
}

const SocketAddress kAddrA(IpAddress::v4(192, 0, 2, 1), 4000);
const SocketAddress kAddrB(IpAddress::v4(192, 0, 2, 2), 4001);

TransportConfig make_config(bool a) {
  World& w = world();
  TransportConfig c;
  c.ice.role = a ? ice::Role::controlling : ice::Role::controlled;
  c.ice.local_ufrag = a ? "ufragA" : "ufragB";
  c.ice.local_pwd = a ? "passwordpasswordpasswordA" : "passwordpasswordpasswordB";
  c.ice.nomination_delay = std::chrono::milliseconds(0);
  c.dtls.role = a ? dtls::Role::client : dtls::Role::server;
  c.dtls.certificate = a ? &w.cert_a : &w.cert_b;
  c.dtls.private_key = a ? &w.key_a : &w.key_b;
  (void)c.dtls.remote_fingerprints.push_back((a ? w.cert_b : w.cert_a).fingerprint(crypto::HashAlg::sha256));
  c.dtls.use_cookie = false;
  c.dtls.initial_rto = std::chrono::milliseconds(100);
  c.sctp.rto_initial = std::chrono::milliseconds(100);
  c.sctp.max_message_size = 16 * 1024;
  c.datachannel.max_message_size = 16 * 1024;
  c.datachannel.max_channels = 8;
  // Small limits: the fuzzer should reach them (and each input stays cheap).
  c.sctp.max_events = 64;
  c.sctp.max_send_buffer = 64 * 1024;
  c.sctp.max_receive_buffer = 64 * 1024;
  c.datachannel.max_events = 64;
  c.max_queued_events = 16;
  return c;
}

struct Side {
  Side(Instant now, const TransportConfig& c, uint64_t seed) : rng(seed), stack(now, c, rng) {}
  SeededRng rng;
  TransportStack stack;
  std::vector<ice::Candidate> candidates;
  std::vector<datachannel::ChannelId> open;
  std::vector<std::vector<uint8_t>> out;  // datagrams to the other side, FIFO

  void drain() {
    static uint8_t buf[2048];
    for (int i = 0; i < 4096; ++i) {
      auto t = stack.poll_transmit(MutBytes(buf, sizeof(buf)));
      if (!t) break;
      if (t->size > sizeof(buf)) std::abort();
      if (out.size() < 256) out.emplace_back(buf, buf + t->size);
    }
    for (int i = 0; i < 100000; ++i) {
      auto e = stack.poll_event();
      if (!e) break;
      if (e->kind == TransportEvent::Kind::ice && e->ice.kind == ice::Event::Kind::local_candidate)
        candidates.push_back(e->ice.candidate);
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::open)
        open.push_back(e->channel.id);
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::message && (i & 1))
        stack.recycle(std::move(e->channel.data));  // half the payloads go back to the pool
    }
    if (!stack.ice().is_consistent() || !stack.sctp().is_consistent() || !stack.channels().is_consistent())
      std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!world().ok) std::abort();
  Instant now = kTestEpoch;
  Side a(now, make_config(true), 1), b(now, make_config(false), 2);
  if (!a.stack.add_local_interface(now, kAddrA).ok() || !b.stack.add_local_interface(now, kAddrB).ok()) std::abort();
  a.drain();
  b.drain();
  if (a.candidates.empty() || b.candidates.empty()) std::abort();
  (void)a.stack.set_remote_credentials(now, "ufragB", "passwordpasswordpasswordB");
  (void)b.stack.set_remote_credentials(now, "ufragA", "passwordpasswordpasswordA");
  (void)a.stack.add_remote_candidate(now, b.candidates[0]);
  (void)b.stack.add_remote_candidate(now, a.candidates[0]);
  a.stack.end_of_remote_candidates(now);
  b.stack.end_of_remote_candidates(now);
  if (!a.stack.start(now).ok() || !b.stack.start(now).ok()) std::abort();
  (void)a.stack.create_data_channel(now, "fuzz");
  a.drain();
  b.drain();

  static std::vector<uint8_t> payload(16 * 1024 + 64, 'x');
  size_t i = 0;
  auto next = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
  while (i < size) {
    const uint8_t op = next();
    if (op < 0x40) {
      Side& from = (op & 1) ? b : a;
      Side& to = (op & 1) ? a : b;
      if (!from.out.empty()) {
        std::vector<uint8_t> d = std::move(from.out.front());
        from.out.erase(from.out.begin());
        if (op & 4) {
          const uint8_t pos = next();
          if (!d.empty()) d[pos % d.size()] ^= uint8_t(1u << (pos & 7));
        }
        if (!(op & 2)) {
          const SocketAddress src = (op & 1) ? kAddrB : kAddrA, dst = (op & 1) ? kAddrA : kAddrB;
          to.stack.handle_datagram(now, sansrtc::Datagram{src, dst, Bytes(d.data(), d.size())});
        }
      }
    } else if (op == 0x40) {
      now += std::chrono::milliseconds(10 * int(next()));
      a.stack.handle_timeout(now);
      b.stack.handle_timeout(now);
    } else if (op >= 0x41 && op <= 0x44) {
      const uint8_t s = next();
      Side& side = (s & 1) ? b : a;
      if (op == 0x41) {
        (void)side.stack.create_data_channel(now, "c");
      } else if (op == 0x42) {
        const size_t n = size_t(next()) * 37 % payload.size();
        if (!side.open.empty()) {
          if (s & 2)
            (void)side.stack.send_text(now, side.open.back(),
                                       std::string_view(reinterpret_cast<const char*>(payload.data()), n));
          else
            (void)side.stack.send_binary(now, side.open.back(), Bytes(payload.data(), n));
        }
      } else if (op == 0x43) {
        if (!side.open.empty()) (void)side.stack.close_data_channel(now, side.open.back());
      } else {
        side.stack.close(now);
      }
    }
    a.drain();
    b.drain();
  }
#ifdef PC_TRANSPORT_FUZZ_VERBOSE
  std::fprintf(stderr, "open a=%zu b=%zu dtls a=%d sctp a=%d rx b=%llu\n", a.open.size(), b.open.size(),
               a.stack.dtls() ? int(a.stack.dtls()->state()) : -1, int(a.stack.sctp().state()),
               (unsigned long long)b.stack.channels().stats().messages_received);
#endif
  return 0;
}
