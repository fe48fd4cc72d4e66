// Two sans-IO PeerConnections in the simulator, signalling done directly by
// the test: offer/answer, trickled candidates, data channels end to end,
// renegotiation, ICE restart with traffic flowing, failure and recovery, a
// fingerprint that does not match, and every event in W3C order.
#include "support/sim/simulator.h"

#include <sansrtc/peer_connection.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace std::chrono;
using Type = PeerConnectionEvent::Type;

namespace {

const SocketAddress kAddrA(IpAddress::v4(198, 51, 100, 1), 40000);
const SocketAddress kAddrB(IpAddress::v4(203, 0, 113, 7), 50000);

struct Msg {
  DataChannelHandle channel;
  bool binary;
  std::vector<uint8_t> data;
};

struct PcPeer final : sim::Endpoint {
  PcPeer(Instant now, uint64_t seed, PeerConnectionOptions options = {}) : rng(seed) {
    options.unix_time_seconds = 1'790'000'000;
    auto r = PeerConnection::create(now, Configuration{}, rng, options);
    REQUIRE(r.ok());
    pc = std::move(r.value());
  }

  SeededRng rng;
  std::unique_ptr<PeerConnection> pc;
  PcPeer* peer = nullptr;       // trickle target
  bool trickle = true;
  std::vector<std::string> log;  // every event, as "type[:detail]"
  std::vector<IceCandidateInit> candidates;
  bool gathering_done = false;
  std::vector<DataChannelHandle> remote_channels;
  std::vector<DataChannelHandle> opened;
  std::vector<DataChannelHandle> closed;
  std::vector<Msg> received;
  int negotiation_needed = 0;
  Instant last = kTestEpoch;

  void drain(Instant now) {
    last = now;
    while (auto e = pc->poll_event()) {
      std::string s = to_string(e->type);
      switch (e->type) {
        case Type::signaling_state_change: s += std::string(":") + to_string(e->signaling_state); break;
        case Type::ice_gathering_state_change: s += std::string(":") + to_string(e->ice_gathering_state); break;
        case Type::ice_connection_state_change: s += std::string(":") + to_string(e->ice_connection_state); break;
        case Type::connection_state_change: s += std::string(":") + to_string(e->connection_state); break;
        case Type::dtls_state_change: s += std::string(":") + to_string(e->dtls_state); break;
        case Type::sctp_state_change: s += std::string(":") + to_string(e->sctp_state); break;
        case Type::negotiation_needed: ++negotiation_needed; break;
        case Type::ice_candidate:
          if (e->candidate) {
            candidates.push_back(*e->candidate);
            if (trickle && peer && peer->pc->remote_description()) {
              // A candidate of a generation the peer has not seen yet (our
              // restart offer is on its way) travels in that offer instead.
              auto r = peer->pc->add_ice_candidate(now, *e->candidate);
              CHECK((r.ok() || r.error().code == Errc::not_found));
              peer->drain(now);
            }
          } else {
            gathering_done = true;
            s += ":null";
          }
          break;
        case Type::data_channel: remote_channels.push_back(e->channel); break;
        case Type::channel_open: opened.push_back(e->channel); break;
        case Type::channel_close: closed.push_back(e->channel); break;
        case Type::channel_message: received.push_back({e->channel, e->binary, std::move(e->data)}); break;
        default: break;
      }
      if (e->type != Type::channel_message) log.push_back(s);
    }
  }
  int index_of(std::string_view s) const {
    for (size_t i = 0; i < log.size(); ++i)
      if (log[i] == s) return int(i);
    return -1;
  }

  void handle_datagram(Instant now, const Datagram& d) override {
    pc->handle_datagram(now, d);
    drain(now);
  }
  void handle_timeout(Instant now) override {
    pc->handle_timeout(now);
    drain(now);
  }
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    auto t = pc->poll_transmit(buf);
    drain(last);
    return t;
  }
  std::optional<Instant> poll_timeout() override { return pc->poll_timeout(); }
};

struct World {
  explicit World(uint64_t seed = 1, Duration latency = milliseconds(10), PeerConnectionOptions options_b = {})
      : sim([&] {
          sim::SimConfig sc;
          sc.seed = seed;
          sc.default_link.latency = latency;
          return sc;
        }()),
        a(sim.now(), sim.machine_seed(1)),
        b(sim.now(), sim.machine_seed(2), options_b) {
    ea = sim.attach({kAddrA.ip()}, a, sim::Simulator::internet(), kAddrA.port());
    eb = sim.attach({kAddrB.ip()}, b, sim::Simulator::internet(), kAddrB.port());
    a.peer = &b;
    b.peer = &a;
    Instant t = sim.now();
    REQUIRE(a.pc->add_local_address(t, kAddrA).ok());
    REQUIRE(b.pc->add_local_address(t, kAddrB).ok());
    a.pc->end_of_local_addresses(t);
    b.pc->end_of_local_addresses(t);
  }

  // One offer/answer round, `from` offering. Candidates trickle through
  // PcPeer::drain once the far side has a remote description; those
  // gathered before are in the descriptions.
  void negotiate(PcPeer& from, PcPeer& to, OfferOptions options = {}) {
    Instant t = sim.now();
    auto offer = from.pc->create_offer(t, options);
    REQUIRE(offer.ok());
    REQUIRE(from.pc->set_local_description(t, offer.value()).ok());
    from.drain(t);
    REQUIRE(to.pc->set_remote_description(t, *from.pc->local_description()).ok());
    to.drain(t);
    auto answer = to.pc->create_answer(t);
    REQUIRE(answer.ok());
    REQUIRE(to.pc->set_local_description(t, answer.value()).ok());
    to.drain(t);
    REQUIRE(from.pc->set_remote_description(t, *to.pc->local_description()).ok());
    from.drain(t);
    // Candidates the offerer gathered before the answerer had its remote
    // description are in the offer; the answerer's are in the answer or
    // trickle from now on.
    sim.wake(ea);
    sim.wake(eb);
  }

  bool run(const std::function<bool()>& pred, Duration limit = seconds(30)) {
    bool ok = sim.run_until(pred, sim.now() + limit);
    if (!ok) {
      std::string s = "A:";
      for (const auto& l : a.log) s += " " + l;
      s += "\nB:";
      for (const auto& l : b.log) s += " " + l;
      UNSCOPED_INFO(s);
      UNSCOPED_INFO("A stats: " + a.pc->get_stats(sim.now()).json);
    }
    return ok;
  }

  sim::Simulator sim;
  PcPeer a, b;
  sim::EndpointId ea{}, eb{};
};

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 31 + seed);
  return v;
}

}  // namespace

TEST_CASE("two PeerConnections open a data channel; events arrive in W3C order", "[pc][sim]") {
  World w;
  Instant t = w.sim.now();
  auto ch = w.a.pc->create_data_channel(t, "chat");
  REQUIRE(ch.ok());
  w.a.drain(t);
  CHECK(w.a.negotiation_needed == 1);
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return !w.a.opened.empty() && !w.b.opened.empty(); }));

  CHECK(w.a.pc->connection_state() == PeerConnectionState::connected);
  CHECK(w.b.pc->connection_state() == PeerConnectionState::connected);
  CHECK(w.a.pc->signaling_state() == SignalingState::stable);
  REQUIRE(w.b.remote_channels.size() == 1);
  auto info = w.b.pc->data_channel(w.b.remote_channels[0]);
  REQUIRE(info);
  CHECK(info->label == "chat");
  CHECK(info->state == DataChannelState::open);
  CHECK(info->id.has_value());

  // Offerer: signaling, gathering, then ICE before the aggregate state.
  const auto& la = w.a.log;
  CHECK(w.a.index_of("signalingstatechange:have-local-offer") >= 0);
  CHECK(w.a.index_of("signalingstatechange:have-local-offer") < w.a.index_of("icegatheringstatechange:gathering"));
  CHECK(w.a.index_of("icegatheringstatechange:gathering") < w.a.index_of("icecandidate"));
  CHECK(w.a.index_of("icecandidate") < w.a.index_of("icegatheringstatechange:complete"));
  CHECK(w.a.index_of("icegatheringstatechange:complete") + 1 == w.a.index_of("icecandidate:null"));
  CHECK(w.a.index_of("signalingstatechange:stable") >= 0);
  CHECK(w.a.index_of("iceconnectionstatechange:checking") < w.a.index_of("iceconnectionstatechange:connected"));
  CHECK(w.a.index_of("connectionstatechange:connecting") < w.a.index_of("connectionstatechange:connected"));
  CHECK(w.a.index_of("iceconnectionstatechange:connected") < w.a.index_of("connectionstatechange:connected"));
  CHECK(w.a.index_of("connectionstatechange:connected") < w.a.index_of("open"));
  // Answerer: datachannel before that channel's open.
  CHECK(w.b.index_of("signalingstatechange:have-remote-offer") < w.b.index_of("signalingstatechange:stable"));
  CHECK(w.b.index_of("datachannel") >= 0);
  CHECK(w.b.index_of("datachannel") < w.b.index_of("open"));
  CHECK(std::count(la.begin(), la.end(), "negotiationneeded") == 1);
  INFO("answerer log has no negotiationneeded");
  CHECK(w.b.index_of("negotiationneeded") == -1);

  // Messages both ways, text and binary, 0 B to 256 KiB.
  const DataChannelHandle ha = ch.value(), hb = w.b.remote_channels[0];
  t = w.sim.now();
  for (size_t n : {size_t(0), size_t(1), size_t(1200), size_t(65536), size_t(262144)}) {
    REQUIRE(w.a.pc->send_binary(t, ha, pattern(n, 1)).ok());
    REQUIRE(w.b.pc->send_text(t, hb, std::string(n, 'x')).ok());
  }
  w.sim.wake(w.ea);
  w.sim.wake(w.eb);
  REQUIRE(w.run([&] { return w.a.received.size() == 5 && w.b.received.size() == 5; }));
  size_t i = 0;
  for (size_t n : {size_t(0), size_t(1), size_t(1200), size_t(65536), size_t(262144)}) {
    CHECK(w.b.received[i].binary);
    CHECK(w.b.received[i].data == pattern(n, 1));
    CHECK_FALSE(w.a.received[i].binary);
    CHECK(w.a.received[i].data == std::vector<uint8_t>(n, 'x'));
    ++i;
  }

  // getStats: every W3C entry kind is there.
  std::string stats = w.a.pc->get_stats(w.sim.now()).json;
  for (const char* k : {"\"peer-connection\"", "\"transport\"", "\"candidate-pair\"", "\"local-candidate\"",
                        "\"remote-candidate\"", "\"certificate\"", "\"data-channel\"", "\"dtlsState\":\"connected\"",
                        "\"selectedCandidatePairId\"", "\"state\":\"succeeded\""}) {
    INFO(k);
    CHECK(stats.find(k) != std::string::npos);
  }

  // Closing from one side closes both.
  REQUIRE(w.a.pc->close_data_channel(w.sim.now(), ha).ok());
  w.a.drain(w.sim.now());
  w.sim.wake(w.ea);
  REQUIRE(w.run([&] { return !w.a.closed.empty() && !w.b.closed.empty(); }));
  CHECK(w.b.index_of("closing") < w.b.index_of("close"));

  // close(): no more events, states closed.
  w.a.pc->close(w.sim.now());
  CHECK(w.a.pc->signaling_state() == SignalingState::closed);
  CHECK(w.a.pc->connection_state() == PeerConnectionState::closed);
  CHECK_FALSE(w.a.pc->poll_event());
  CHECK(w.a.pc->create_offer(w.sim.now()).error().code == Errc::closed);
  // The peer learns it from DTLS close_notify / SCTP ABORT at once (its ICE
  // would take the consent timeout).
  w.sim.wake(w.ea);
  REQUIRE(w.run([&] { return w.b.index_of("dtlsstatechange:closed") >= 0; }, seconds(2)));
  CHECK(w.b.index_of("sctpstatechange:closed") >= 0);
  CHECK(w.b.pc->dtls_transport_state() == DtlsTransportState::closed);
  CHECK(w.b.index_of("dtlsstatechange:connecting") < w.b.index_of("dtlsstatechange:connected"));
  CHECK(w.b.index_of("dtlsstatechange:connected") < w.b.index_of("sctpstatechange:connected"));
}

TEST_CASE("in-band, negotiated and partially reliable channels; 16 at once", "[pc][sim]") {
  World w(7);
  Instant t = w.sim.now();
  std::vector<DataChannelHandle> mine;
  DataChannelInit unordered;
  unordered.ordered = false;
  DataChannelInit rexmit;
  rexmit.max_retransmits = 0;
  DataChannelInit lifetime;
  lifetime.max_packet_life_time = 500;
  DataChannelInit neg;
  neg.negotiated = true;
  neg.id = 100;
  for (const DataChannelInit* init : {&unordered, &rexmit, &lifetime}) mine.push_back(w.a.pc->create_data_channel(t, "k", *init).value());
  for (int i = 0; i < 13; ++i) mine.push_back(w.a.pc->create_data_channel(t, "n" + std::to_string(i)).value());
  auto na = w.a.pc->create_data_channel(t, "neg", neg);
  auto nb = w.b.pc->create_data_channel(t, "neg", neg);
  REQUIRE(na.ok());
  REQUIRE(nb.ok());
  CHECK(w.a.pc->create_data_channel(t, "dup", neg).error().code == Errc::invalid_argument);
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return w.a.opened.size() == 17 && w.b.opened.size() == 17; }));
  CHECK(w.b.remote_channels.size() == 16);
  // Remote channels announce themselves in the order they were created.
  auto i0 = w.b.pc->data_channel(w.b.remote_channels[0]);
  auto i1 = w.b.pc->data_channel(w.b.remote_channels[1]);
  auto i2 = w.b.pc->data_channel(w.b.remote_channels[2]);
  REQUIRE((i0 && i1 && i2));
  CHECK_FALSE(i0->ordered);
  CHECK(i1->max_retransmits == std::optional<uint16_t>(0));
  CHECK(i2->max_packet_life_time == std::optional<uint16_t>(500));
  // Every channel carries a message each way, negotiated included.
  t = w.sim.now();
  for (DataChannelHandle h : mine) REQUIRE(w.a.pc->send_text(t, h, "m" + std::to_string(h)).ok());
  REQUIRE(w.a.pc->send_text(t, na.value(), "neg-a").ok());
  REQUIRE(w.b.pc->send_text(t, nb.value(), "neg-b").ok());
  w.sim.wake(w.ea);
  w.sim.wake(w.eb);
  REQUIRE(w.run([&] { return w.b.received.size() == 17 && w.a.received.size() == 1; }));
  CHECK(std::string(w.a.received[0].data.begin(), w.a.received[0].data.end()) == "neg-b");
}

TEST_CASE("renegotiation keeps the connection; a channel added later opens", "[pc][sim]") {
  World w(3);
  Instant t = w.sim.now();
  auto c1 = w.a.pc->create_data_channel(t, "one");
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return w.a.opened.size() == 1; }));
  // A second channel needs no negotiation (the m=application exists)...
  const int nn = w.a.negotiation_needed;
  auto c2 = w.a.pc->create_data_channel(w.sim.now(), "two");
  REQUIRE(c2.ok());
  w.a.drain(w.sim.now());
  CHECK(w.a.negotiation_needed == nn);
  w.sim.wake(w.ea);
  REQUIRE(w.run([&] { return w.a.opened.size() == 2 && w.b.remote_channels.size() == 2; }));
  // ...and a renegotiation from the answerer's side changes nothing.
  w.negotiate(w.b, w.a);
  CHECK(w.a.pc->signaling_state() == SignalingState::stable);
  w.sim.run_for(seconds(2));
  CHECK(w.a.pc->connection_state() == PeerConnectionState::connected);
  REQUIRE(w.b.pc->send_text(w.sim.now(), w.b.remote_channels[1], "after").ok());
  w.sim.wake(w.eb);
  REQUIRE(w.run([&] { return w.a.received.size() == 1; }));
  (void)c1;
}

TEST_CASE("ICE restart with traffic flowing", "[pc][sim]") {
  World w(5);
  auto ch = w.a.pc->create_data_channel(w.sim.now(), "flow");
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return w.a.opened.size() == 1 && w.b.opened.size() == 1; }));
  const std::string ufrag_before = w.a.pc->local_ice_ufrag();
  const int nn = w.a.negotiation_needed;
  w.a.pc->restart_ice(w.sim.now());
  w.a.drain(w.sim.now());
  CHECK(w.a.negotiation_needed == nn + 1);
  // Messages keep flowing before, during and after the restart.
  size_t sent = 0;
  auto send_some = [&] {
    for (int i = 0; i < 5; ++i) REQUIRE(w.a.pc->send_text(w.sim.now(), ch.value(), "x" + std::to_string(sent++)).ok());
    w.sim.wake(w.ea);
  };
  send_some();
  w.negotiate(w.a, w.b);
  send_some();
  CHECK(w.a.pc->local_ice_ufrag() != ufrag_before);
  w.sim.run_for(seconds(3));
  send_some();
  REQUIRE(w.run([&] { return w.b.received.size() == sent; }));
  CHECK(w.a.pc->connection_state() == PeerConnectionState::connected);
  CHECK(w.b.pc->connection_state() == PeerConnectionState::connected);
  for (size_t i = 0; i < sent; ++i)
    CHECK(std::string(w.b.received[i].data.begin(), w.b.received[i].data.end()) == "x" + std::to_string(i));
}

TEST_CASE("the link dies: disconnected, failed; an ICE restart recovers", "[pc][sim]") {
  World w(9);
  auto ch = w.a.pc->create_data_channel(w.sim.now(), "x");
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return w.a.opened.size() == 1 && w.b.opened.size() == 1; }));
  for (auto ep : {w.ea, w.eb}) {
    w.sim.uplink(w.sim.host_of(ep)).config().loss = 1.0;
  }
  REQUIRE(w.run([&] { return w.a.pc->ice_connection_state() == IceConnectionState::disconnected; }, seconds(60)));
  CHECK(w.a.index_of("connectionstatechange:disconnected") >= 0);
  REQUIRE(w.run([&] { return w.a.pc->connection_state() == PeerConnectionState::failed; }, seconds(120)));
  CHECK(w.a.index_of("iceconnectionstatechange:failed") < w.a.index_of("connectionstatechange:failed"));
  // The network comes back; the application restarts ICE.
  for (auto ep : {w.ea, w.eb}) w.sim.uplink(w.sim.host_of(ep)).config().loss = 0.0;
  w.a.pc->restart_ice(w.sim.now());
  w.negotiate(w.a, w.b);
  REQUIRE(w.run([&] { return w.a.pc->connection_state() == PeerConnectionState::connected; }, seconds(30)));
  REQUIRE(w.a.pc->send_text(w.sim.now(), ch.value(), "back").ok());
  w.sim.wake(w.ea);
  REQUIRE(w.run([&] { return !w.b.received.empty(); }, seconds(30)));
}

TEST_CASE("a certificate that does not match the SDP fingerprint fails the connection", "[pc][sim]") {
  World w(11);
  (void)w.a.pc->create_data_channel(w.sim.now(), "x");
  Instant t = w.sim.now();
  auto offer = w.a.pc->create_offer(t).value();
  REQUIRE(w.a.pc->set_local_description(t, offer).ok());
  REQUIRE(w.b.pc->set_remote_description(t, offer).ok());
  auto answer = w.b.pc->create_answer(t).value();
  REQUIRE(w.b.pc->set_local_description(t, answer).ok());
  // The answer reaches A with one fingerprint digit changed.
  std::string sdp = answer.sdp;
  size_t fp = sdp.find("a=fingerprint:sha-256 ");
  REQUIRE(fp != std::string::npos);
  char& c = sdp[fp + 22];
  c = c == 'A' ? 'B' : 'A';
  REQUIRE(w.a.pc->set_remote_description(t, {SdpType::answer, sdp}).ok());
  for (const auto& cand : w.b.candidates) REQUIRE(w.a.pc->add_ice_candidate(t, cand).ok());
  w.sim.wake(w.ea);
  w.sim.wake(w.eb);
  REQUIRE(w.run([&] { return w.a.pc->connection_state() == PeerConnectionState::failed; }));
  CHECK(w.a.opened.empty());
}

TEST_CASE("the answerer's a=sctp-port is used (RFC 8841)", "[pc][sim]") {
  PeerConnectionOptions ob;
  ob.sctp_port = 5001;
  World w(13, milliseconds(10), ob);
  (void)w.a.pc->create_data_channel(w.sim.now(), "port");
  w.negotiate(w.a, w.b);
  CHECK(w.b.pc->local_description()->sdp.find("a=sctp-port:5001") != std::string::npos);
  REQUIRE(w.run([&] { return w.a.opened.size() == 1 && w.b.opened.size() == 1; }));
}
