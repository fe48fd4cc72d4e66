// Fuzz target: two sans-IO PeerConnections fed an op stream.
//
// Each input byte picks an operation (offer/answer either way, rollback,
// pranswer, mutated remote descriptions, candidates, data channels, sends,
// closes, ICE restart, raw datagrams, delivering queued datagrams between the
// two, advancing the clock); following bytes are its arguments. The two
// connections talk through an in-memory link, so the op stream can drive them
// all the way to open channels and then disturb them. Checks: no crash, no
// sanitizer report, bounded work per op (every loop below has a limit).
#include <sansrtc/peer_connection.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace sansrtc;

namespace {

const SocketAddress kA(IpAddress::v4(10, 0, 0, 1), 1000);
const SocketAddress kB(IpAddress::v4(10, 0, 0, 2), 2000);

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  uint16_t u16() { return uint16_t(byte() << 8 | byte()); }
  std::string bytes(size_t max) {
    size_t len = std::min<size_t>(byte() % (max + 1), n);
    std::string s(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return s;
  }
};

struct Side {
  std::unique_ptr<PeerConnection> pc;
  SocketAddress addr;
  std::vector<DataChannelHandle> channels;
  std::vector<IceCandidateInit> candidates;
};

const CertificateHandle& certificate() {
  static CertificateHandle cert = [] {
    SeededRng rng(7);
    return generate_certificate(rng, 1'790'000'000).value();
  }();
  return cert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  Reader in{data, size};
  SeededRng rng(1);
  Instant now = kTestEpoch;
  Configuration config;
  config.certificates.push_back(certificate());
  PeerConnectionOptions options;
  options.max_queued_events = 64;
  options.sctp_receive_window = 64 * 1024;
  options.sctp_send_buffer = 256 * 1024;
  Side sides[2];
  sides[0].addr = kA;
  sides[1].addr = kB;
  for (Side& s : sides) {
    auto r = PeerConnection::create(now, config, rng, options);
    if (!r.ok()) return 0;
    s.pc = std::move(r.value());
    (void)s.pc->add_local_address(now, s.addr);
    s.pc->end_of_local_addresses(now);
  }
  struct Wire {
    int to;
    Datagram d;
    std::vector<uint8_t> bytes;
  };
  std::deque<Wire> wire;
  std::vector<uint8_t> buf(2048);

  auto drain = [&](int i) {
    Side& s = sides[i];
    for (int k = 0; k < 256; ++k) {
      auto t = s.pc->poll_transmit(buf);
      if (!t) break;
      if (wire.size() < 512) {
        Wire w{1 - i, {}, std::vector<uint8_t>(buf.begin(), buf.begin() + ptrdiff_t(t->size))};
        w.d.source = t->source;
        w.d.destination = t->destination;
        wire.push_back(std::move(w));
      }
    }
    for (int k = 0; k < 256; ++k) {
      auto e = s.pc->poll_event();
      if (!e) break;
      if (e->type == PeerConnectionEvent::Type::ice_candidate && e->candidate && s.candidates.size() < 8)
        s.candidates.push_back(*e->candidate);
      if (e->type == PeerConnectionEvent::Type::data_channel && s.channels.size() < 32) s.channels.push_back(e->channel);
    }
  };

  for (int ops = 0; in.n && ops < 200; ++ops) {
    const uint8_t op = in.byte();
    const int i = op & 1;
    Side& me = sides[i];
    Side& other = sides[1 - i];
    switch ((op >> 1) % 16) {
      case 0: {  // full offer/answer, me offering
        auto o = me.pc->create_offer(now, OfferOptions{bool(in.byte() & 1)});
        if (o.ok() && me.pc->set_local_description(now, o.value()).ok()) {
          if (auto l = me.pc->local_description(); l && other.pc->set_remote_description(now, *l).ok()) {
            auto a = other.pc->create_answer(now);
            if (a.ok() && other.pc->set_local_description(now, a.value()).ok())
              if (auto la = other.pc->local_description()) (void)me.pc->set_remote_description(now, *la);
          }
        }
        break;
      }
      case 1: {  // one step of the implicit form
        (void)me.pc->set_local_description(now, {});
        break;
      }
      case 2: {  // the other side's current local description, applied here
        if (auto l = other.pc->local_description()) (void)me.pc->set_remote_description(now, *l);
        break;
      }
      case 3: {  // a remote description with bytes spliced in
        auto l = other.pc->local_description();
        std::string sdp = l ? l->sdp : std::string("v=0\r\n");
        size_t at = sdp.empty() ? 0 : in.u16() % sdp.size();
        size_t cut = std::min<size_t>(in.byte(), sdp.size() - at);
        sdp.replace(at, cut, in.bytes(64));
        SdpType type = SdpType(in.byte() % 4);
        (void)me.pc->set_remote_description(now, {type, sdp});
        break;
      }
      case 4: {  // rollback either side
        SessionDescriptionInit rb{SdpType::rollback, {}};
        if (in.byte() & 1) (void)me.pc->set_local_description(now, rb);
        else (void)me.pc->set_remote_description(now, rb);
        break;
      }
      case 5: {  // a candidate: the other's real one, or fuzz text
        IceCandidateInit c;
        if ((in.byte() & 1) && !other.candidates.empty()) c = other.candidates[in.byte() % other.candidates.size()];
        else c.candidate = in.bytes(120);
        if (in.byte() & 1) c.sdp_mid = in.bytes(4);
        else c.sdp_m_line_index = in.byte() % 3;
        (void)me.pc->add_ice_candidate(now, c);
        break;
      }
      case 6: {  // create a data channel
        DataChannelInit init;
        const uint8_t f = in.byte();
        init.ordered = f & 1;
        if (f & 2) init.max_retransmits = in.byte();
        if (f & 4) init.max_packet_life_time = in.u16();
        if (f & 8) {
          init.negotiated = true;
          init.id = in.u16() % 64;
        } else if (f & 16) {
          init.id = in.u16() % 64;
        }
        init.protocol = in.bytes(8);
        auto h = me.pc->create_data_channel(now, in.bytes(16), init);
        if (h.ok() && me.channels.size() < 32) me.channels.push_back(h.value());
        break;
      }
      case 7: {  // send
        if (me.channels.empty()) break;
        DataChannelHandle h = me.channels[in.byte() % me.channels.size()];
        size_t len = size_t(in.u16()) * 8;
        std::vector<uint8_t> msg(len, in.byte());
        (void)me.pc->send(now, h, std::move(msg), in.byte() & 1);
        break;
      }
      case 8: {  // close a channel
        if (me.channels.empty()) break;
        (void)me.pc->close_data_channel(now, me.channels[in.byte() % me.channels.size()]);
        break;
      }
      case 9: me.pc->restart_ice(now); break;
      case 10: {  // a raw datagram from the peer's address
        std::string b = in.bytes(200);
        Datagram d{other.addr, me.addr, Bytes(reinterpret_cast<const uint8_t*>(b.data()), b.size())};
        me.pc->handle_datagram(now, d);
        break;
      }
      case 11:
      case 12: {  // deliver up to N queued datagrams (maybe dropping some)
        const int n = 1 + in.byte() % 64;
        const uint8_t drop = in.byte();
        for (int k = 0; k < n && !wire.empty(); ++k) {
          Wire w = std::move(wire.front());
          wire.pop_front();
          if (drop && (k % 8) == (drop % 8)) continue;
          w.d.payload = Bytes(w.bytes.data(), w.bytes.size());
          sides[w.to].pc->handle_datagram(now, w.d);
          drain(w.to);
        }
        break;
      }
      case 13: {  // advance time and fire due timers
        now += std::chrono::milliseconds(in.u16() % 5000);
        for (Side& s : sides)
          if (auto t = s.pc->poll_timeout(); t && *t <= now) s.pc->handle_timeout(now);
        break;
      }
      case 14: {
        (void)me.pc->get_stats(now);
        (void)me.pc->set_buffered_amount_low_threshold(me.channels.empty() ? 1 : me.channels[0], in.u16());
        break;
      }
      case 15:
        if (in.byte() == 0xff) me.pc->close(now);
        break;
    }
    drain(0);
    drain(1);
  }
  if (std::getenv("PC_FUZZ_DEBUG"))  // seed checking: how far did this input get?
    std::fprintf(stderr, "A %s, B %s, channels %zu/%zu\n", to_string(sides[0].pc->connection_state()),
                 to_string(sides[1].pc->connection_state()), sides[0].channels.size(), sides[1].channels.size());
  return 0;
}
