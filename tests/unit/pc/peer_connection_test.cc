// The sans-IO PeerConnection's API contract without a network: errors for
// every misuse, configuration rules, data channels before negotiation,
// gathering (held for STUN server names), descriptions carrying candidates,
// and the stats report's shape.
#include <sansrtc/peer_connection.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace sansrtc;
using Type = PeerConnectionEvent::Type;

namespace {

const SocketAddress kHost(IpAddress::v4(192, 0, 2, 10), 40000);

std::unique_ptr<PeerConnection> make(SeededRng& rng, Configuration config = {}, PeerConnectionOptions options = {}) {
  auto r = PeerConnection::create(kTestEpoch, config, rng, options);
  REQUIRE(r.ok());
  return std::move(r.value());
}

std::vector<PeerConnectionEvent> drain(PeerConnection& pc) {
  std::vector<PeerConnectionEvent> v;
  while (auto e = pc.poll_event()) v.push_back(std::move(*e));
  return v;
}

size_t count(const std::vector<PeerConnectionEvent>& v, Type t) {
  size_t n = 0;
  for (const auto& e : v) n += e.type == t;
  return n;
}

}  // namespace

TEST_CASE("create validates the configuration", "[pc]") {
  SeededRng rng(1);
  Configuration bad;
  bad.ice_servers.push_back(IceServer{{"turn:example.org"}, "", ""});  // TURN without credentials
  auto r = PeerConnection::create(kTestEpoch, bad, rng);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  Configuration bad_url;
  bad_url.ice_servers.push_back(IceServer{{"http://example.org"}, "", ""});
  CHECK_FALSE(PeerConnection::create(kTestEpoch, bad_url, rng).ok());
}

TEST_CASE("get_configuration and set_configuration", "[pc]") {
  SeededRng rng(2);
  auto pc = make(rng);
  Configuration c = pc->get_configuration();
  REQUIRE(c.certificates.size() == 1);  // the generated one
  CHECK(certificate_fingerprint(*c.certificates[0]).starts_with("sha-256 "));
  Configuration next = c;
  next.ice_servers.push_back(IceServer{{"stun:192.0.2.1:3478"}, "", ""});
  CHECK(pc->set_configuration(next).ok());
  CHECK(pc->get_configuration().ice_servers.size() == 1);
  next.bundle_policy = BundlePolicy::max_compat;
  CHECK(pc->set_configuration(next).error().code == Errc::invalid_state);
  pc->close(kTestEpoch);
  CHECK(pc->set_configuration(c).error().code == Errc::closed);
}

TEST_CASE("data channels before negotiation", "[pc]") {
  SeededRng rng(3);
  auto pc = make(rng);
  DataChannelInit both;
  both.max_retransmits = 1;
  both.max_packet_life_time = 1;
  CHECK(pc->create_data_channel(kTestEpoch, "x", both).error().code == Errc::invalid_argument);
  DataChannelInit neg;
  neg.negotiated = true;
  CHECK(pc->create_data_channel(kTestEpoch, "x", neg).error().code == Errc::invalid_argument);
  CHECK(pc->create_data_channel(kTestEpoch, std::string(65536, 'l')).error().code == Errc::invalid_argument);

  auto h = pc->create_data_channel(kTestEpoch, "chat");
  REQUIRE(h.ok());
  auto ev = drain(*pc);
  CHECK(count(ev, Type::negotiation_needed) == 1);
  auto info = pc->data_channel(h.value());
  REQUIRE(info);
  CHECK(info->state == DataChannelState::connecting);
  CHECK_FALSE(info->id.has_value());  // no DTLS role yet
  CHECK(pc->send_text(kTestEpoch, h.value(), "early").error().code == Errc::invalid_state);
  CHECK(pc->send_text(kTestEpoch, 999, "nobody").error().code == Errc::not_found);
  // A second channel does not make negotiation needed again.
  REQUIRE(pc->create_data_channel(kTestEpoch, "two").ok());
  CHECK(count(drain(*pc), Type::negotiation_needed) == 0);
  // Closing a channel that never reached the transport: close at once.
  REQUIRE(pc->close_data_channel(kTestEpoch, h.value()).ok());
  ev = drain(*pc);
  REQUIRE(count(ev, Type::channel_close) == 1);
  CHECK_FALSE(pc->data_channel(h.value()));
  CHECK(pc->data_channels().size() == 1);
}

TEST_CASE("add_ice_candidate and can_trickle follow webrtc-pc", "[pc]") {
  SeededRng rng(4);
  auto offerer = make(rng), answerer = make(rng);
  IceCandidateInit c;
  c.candidate = "candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host";
  c.sdp_mid = "0";
  CHECK(answerer->add_ice_candidate(kTestEpoch, c).error().code == Errc::invalid_state);
  CHECK_FALSE(answerer->can_trickle_ice_candidates().has_value());
  REQUIRE(offerer->create_data_channel(kTestEpoch, "x").ok());
  auto offer = offerer->create_offer(kTestEpoch).value();
  REQUIRE(answerer->set_remote_description(kTestEpoch, offer).ok());
  CHECK(answerer->can_trickle_ice_candidates() == std::optional<bool>(true));
  CHECK(answerer->add_ice_candidate(kTestEpoch, c).ok());
  IceCandidateInit garbage = c;
  garbage.candidate = "candidate:not a candidate";
  CHECK(answerer->add_ice_candidate(kTestEpoch, garbage).error().code == Errc::invalid_argument);
  IceCandidateInit no_mid;
  no_mid.candidate = c.candidate;
  CHECK(answerer->add_ice_candidate(kTestEpoch, no_mid).error().code == Errc::invalid_argument);
  IceCandidateInit end;
  end.sdp_mid = "0";
  CHECK(answerer->add_ice_candidate(kTestEpoch, end).ok());
  CHECK(answerer->remote_description()->sdp.find("192.0.2.1 5000") != std::string::npos);
}

TEST_CASE("gathering starts with the local description and fills it in", "[pc]") {
  SeededRng rng(5);
  auto pc = make(rng);
  REQUIRE(pc->add_local_address(kTestEpoch, kHost).ok());
  CHECK(pc->add_local_address(kTestEpoch, SocketAddress(IpAddress(), 1)).error().code == Errc::invalid_argument);
  pc->end_of_local_addresses(kTestEpoch);
  REQUIRE(pc->create_data_channel(kTestEpoch, "x").ok());
  auto ev = drain(*pc);
  CHECK(count(ev, Type::ice_candidate) == 0);  // nothing before set_local_description
  CHECK(pc->ice_gathering_state() == IceGatheringState::new_);
  REQUIRE(pc->set_local_description(kTestEpoch).ok());  // implicit: an offer
  ev = drain(*pc);
  REQUIRE(count(ev, Type::ice_candidate) == 2);  // the host candidate, then null
  CHECK(pc->ice_gathering_state() == IceGatheringState::complete);
  const auto local = pc->local_description();
  REQUIRE(local);
  CHECK(local->type == SdpType::offer);
  CHECK(local->sdp.find("a=candidate:") != std::string::npos);
  CHECK(local->sdp.find("192.0.2.10 40000 typ host") != std::string::npos);
  CHECK(local->sdp.find("a=end-of-candidates") != std::string::npos);
  // The event carries mid, index and ufrag.
  for (const auto& e : ev)
    if (e.type == Type::ice_candidate && e.candidate) {
      CHECK(e.candidate->sdp_mid == std::optional<std::string>("0"));
      CHECK(e.candidate->username_fragment == pc->local_ice_ufrag());
    }
}

TEST_CASE("a STUN server name holds gathering until it is resolved", "[pc]") {
  SeededRng rng(6);
  Configuration config;
  config.ice_servers.push_back(IceServer{{"stun:stun.example.test:3478"}, "", ""});
  auto pc = make(rng, config);
  auto ev = drain(*pc);
  REQUIRE(count(ev, Type::resolve_hostname) == 1);
  CHECK(ev[0].hostname == "stun.example.test");
  REQUIRE(pc->add_local_address(kTestEpoch, kHost).ok());
  pc->end_of_local_addresses(kTestEpoch);
  REQUIRE(pc->create_data_channel(kTestEpoch, "x").ok());
  REQUIRE(pc->set_local_description(kTestEpoch).ok());
  CHECK(count(drain(*pc), Type::ice_candidate) == 0);
  pc->resolved_hostname(kTestEpoch, "stun.example.test", IpAddress::v4(192, 0, 2, 99));
  ev = drain(*pc);
  CHECK(count(ev, Type::ice_candidate) == 1);  // host; srflx waits for the server
  // The Binding request goes to the resolved server.
  std::vector<uint8_t> buf(1500);
  auto t = pc->poll_transmit(buf);
  REQUIRE(t);
  CHECK(t->destination == SocketAddress(IpAddress::v4(192, 0, 2, 99), 3478));
  CHECK(t->source == kHost);
}

TEST_CASE("close: everything closed, nothing more happens", "[pc]") {
  SeededRng rng(7);
  auto pc = make(rng);
  REQUIRE(pc->create_data_channel(kTestEpoch, "x").ok());
  pc->close(kTestEpoch);
  CHECK(pc->is_closed());
  CHECK(pc->signaling_state() == SignalingState::closed);
  CHECK(pc->ice_connection_state() == IceConnectionState::closed);
  CHECK(pc->connection_state() == PeerConnectionState::closed);
  CHECK_FALSE(pc->poll_event());
  CHECK(pc->data_channels().empty());
  CHECK(pc->create_data_channel(kTestEpoch, "y").error().code == Errc::closed);
  CHECK(pc->set_remote_description(kTestEpoch, {SdpType::offer, "v=0"}).error().code == Errc::closed);
  CHECK(pc->add_local_address(kTestEpoch, kHost).error().code == Errc::closed);
}

TEST_CASE("the stats report is one JSON object of W3C entries", "[pc]") {
  SeededRng rng(8);
  auto pc = make(rng);
  REQUIRE(pc->create_data_channel(kTestEpoch, "lab\"el").ok());
  const std::string json = pc->get_stats(kTestEpoch).json;
  REQUIRE(json.front() == '{');
  REQUIRE(json.back() == '}');
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    if (ch == '{') ++depth;
    if (ch == '}') --depth;
    REQUIRE(depth >= 0);
  }
  CHECK(depth == 0);
  CHECK(json.find("\"type\":\"peer-connection\"") != std::string::npos);
  CHECK(json.find("\"type\":\"certificate\"") != std::string::npos);
  CHECK(json.find("\"label\":\"lab\\\"el\"") != std::string::npos);
}

TEST_CASE("make_secure_rng gives a working CTR_DRBG; buffered_amount by handle", "[pc]") {
  auto rng = make_secure_rng();
  REQUIRE(rng.ok());
  uint8_t a[32] = {}, b[32] = {};
  rng.value()->fill(a);
  rng.value()->fill(b);
  CHECK(std::memcmp(a, b, sizeof a) != 0);
  auto pc = PeerConnection::create(kTestEpoch, {}, *rng.value());
  REQUIRE(pc.ok());
  auto h = pc.value()->create_data_channel(kTestEpoch, "x");
  REQUIRE(h.ok());
  CHECK(pc.value()->buffered_amount(h.value()) == std::optional<uint64_t>(0));
  CHECK_FALSE(pc.value()->buffered_amount(h.value() + 100));
}

TEST_CASE("set_configuration: a new STUN server serves the next gathering", "[pc]") {
  SeededRng rng(9);
  auto pc = make(rng);
  Configuration next = pc->get_configuration();
  next.ice_servers.push_back(IceServer{{"stun:192.0.2.77:3478"}, "", ""});
  REQUIRE(pc->set_configuration(next).ok());
  REQUIRE(pc->add_local_address(kTestEpoch, kHost).ok());
  pc->end_of_local_addresses(kTestEpoch);
  REQUIRE(pc->create_data_channel(kTestEpoch, "x").ok());
  REQUIRE(pc->set_local_description(kTestEpoch).ok());
  std::vector<uint8_t> buf(1500);
  auto t = pc->poll_transmit(buf);
  REQUIRE(t);
  CHECK(t->destination == SocketAddress(IpAddress::v4(192, 0, 2, 77), 3478));
}
