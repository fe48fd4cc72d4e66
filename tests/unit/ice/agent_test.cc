// The ICE agent on its own and back to back with another (support/sim/pair.h,
// fixed addresses, no loss): W3C state sequences, checks, nomination, role
// conflict, integrity failures, the prflx bound, mDNS resolution, failure.
#include "ice/agent.h"
#include "ice/candidate_grammar.h"
#include "stun/binding_server.h"
#include "stun/integrity.h"
#include "stun/message_builder.h"
#include "support/sim/pair.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::ice;
using CS = ConnectionState;
using GS = GatheringState;

namespace {

// An agent plus everything it reported, drained after every step.
struct Side {
  Side(const Config& c, uint64_t seed) : rng(seed), agent(kTestEpoch, c, rng) {}
  SeededRng rng;
  Agent agent;
  std::vector<CS> states;
  std::vector<GS> gathering;
  std::vector<Candidate> candidates;
  std::vector<Event> all;
  int end_of_candidates = 0;
  int selected_changes = 0;

  void drain() {
    while (auto e = agent.poll_event()) {
      if (e->kind == Event::Kind::connection_state) states.push_back(e->connection_state);
      if (e->kind == Event::Kind::gathering_state) gathering.push_back(e->gathering_state);
      if (e->kind == Event::Kind::local_candidate) candidates.push_back(e->candidate);
      if (e->kind == Event::Kind::end_of_candidates) ++end_of_candidates;
      if (e->kind == Event::Kind::selected_pair) ++selected_changes;
      all.push_back(*e);
    }
  }
};

Config config(Role role, uint64_t tie_breaker, const char* ufrag, const char* pwd) {
  Config c;
  c.role = role;
  c.tie_breaker = tie_breaker;
  c.local_ufrag = ufrag;
  c.local_pwd = pwd;
  c.ta = std::chrono::milliseconds(5);
  return c;
}

// A and B at the pair's fixed addresses, credentials and candidates exchanged.
void introduce(Side& a, Side& b, Instant now, bool end_of_candidates = true) {
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(b.agent.add_local_interface(now, sim::kPairAddressB).ok());
  a.agent.end_of_local_interfaces(now);
  b.agent.end_of_local_interfaces(now);
  a.drain();
  b.drain();
  REQUIRE(a.agent.set_remote_credentials(now, b.agent.local_ufrag(), b.agent.local_pwd()).ok());
  REQUIRE(b.agent.set_remote_credentials(now, a.agent.local_ufrag(), a.agent.local_pwd()).ok());
  for (const auto& c : a.candidates) REQUIRE(b.agent.add_remote_candidate(now, c).ok());
  for (const auto& c : b.candidates) REQUIRE(a.agent.add_remote_candidate(now, c).ok());
  if (end_of_candidates) {
    a.agent.end_of_remote_candidates(now);
    b.agent.end_of_remote_candidates(now);
  }
}

// A Binding request as an ICE peer would send it, with knobs to break it.
std::vector<uint8_t> check_request(Rng& rng, std::string_view username, std::string_view pwd,
                                   bool fingerprint = true, bool integrity = true, uint32_t priority = 1853824767,
                                   std::optional<uint64_t> controlling = 1) {
  std::vector<uint8_t> buf(512);
  stun::MessageBuilder b(buf, {stun::Method::binding, stun::MessageClass::request},
                         stun::TransactionId::random(rng));
  b.add_username(username);
  b.add_priority(priority);
  if (controlling) b.add_ice_controlling(*controlling);
  if (integrity) b.add_message_integrity(stun::short_term_key(pwd)->expose());
  if (fingerprint) b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  buf.resize(*n);
  return buf;
}

size_t drain_transmits(Agent& a) {
  std::vector<uint8_t> buf(1500);
  size_t n = 0;
  while (a.poll_transmit(buf)) ++n;
  return n;
}

}  // namespace

TEST_CASE("credentials are generated from the Rng when not configured", "[ice][agent]") {
  SeededRng rng(7);
  Agent a(kTestEpoch, Config{}, rng);
  CHECK(a.local_ufrag().size() >= 4);
  CHECK(a.local_pwd().size() >= 22);
  for (char c : std::string(a.local_pwd()))
    CHECK(((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/'));
  SeededRng rng2(8);
  Agent b(kTestEpoch, Config{}, rng2);
  CHECK(a.local_ufrag() != b.local_ufrag());
  CHECK(a.tie_breaker() != b.tie_breaker());
}

TEST_CASE("at most 8 STUN servers: the ninth is refused with limit_exceeded", "[ice][agent][limits]") {
  SeededRng rng(9);
  Agent a(kTestEpoch, Config{}, rng);
  for (uint16_t i = 0; i < 8; ++i) {
    const StunServer s{SocketAddress(*IpAddress::parse("127.0.0.1"), uint16_t(3478 + i)), "stun:127.0.0.1"};
    REQUIRE(a.add_stun_server(s).ok());
  }
  const auto r = a.add_stun_server(StunServer{SocketAddress(*IpAddress::parse("127.0.0.1"), 4000), "stun:127.0.0.1"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::limit_exceeded);
}

TEST_CASE("host candidates: priority, foundation, loopback only when allowed", "[ice][agent]") {
  Side a(config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd"), 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(IpAddress::v4(127, 0, 0, 1), 4000)).ok());
  CHECK(a.agent.local_candidate_count() == 0);
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(IpAddress::v4(192, 168, 1, 5), 4000)).ok());
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(*IpAddress::parse("2001:db8::5"), 4000)).ok());
  CHECK_FALSE(a.agent.add_local_interface(now, SocketAddress(IpAddress(), 4000)).ok());
  a.agent.end_of_local_interfaces(now);
  a.drain();
  REQUIRE(a.candidates.size() == 2);
  CHECK(a.candidates[0].type == CandidateType::host);
  CHECK(a.candidates[0].priority == compute_priority(126, local_preference(0, IpFamily::v4), 1));
  CHECK(a.candidates[1].priority == compute_priority(126, local_preference(1, IpFamily::v6), 1));
  CHECK(a.candidates[0].ufrag == "ufragA");
  CHECK(a.candidates[0].foundation != a.candidates[1].foundation);
  // The text form parses back to the same candidate.
  CHECK(*parse_candidate(format_candidate(a.candidates[0])) == a.candidates[0]);
  CHECK(a.gathering == std::vector<GS>{GS::gathering, GS::complete});
  CHECK(a.end_of_candidates == 1);

  Config c = config(Role::controlling, 1, "ufragL", "passwordL+passwordL+pwd");
  c.allow_loopback = true;
  Side l(c, 2);
  REQUIRE(l.agent.add_local_interface(now, SocketAddress(IpAddress::v4(127, 0, 0, 1), 4000)).ok());
  CHECK(l.agent.local_candidate_count() == 1);
}

TEST_CASE("two agents connect: exact W3C sequences, nomination by the controlling agent", "[ice][agent]") {
  Side a(config(Role::controlling, 100, "ufragA", "passwordA+passwordA+pwd"), 1);
  Side b(config(Role::controlled, 50, "ufragB", "passwordB+passwordB+pwd"), 2);
  sim::Pair<Agent, Agent> pair(a.agent, b.agent);
  introduce(a, b, pair.now());
  REQUIRE(pair.drive(
      [&] {
        a.drain();
        b.drain();
        return a.agent.connection_state() == CS::completed && b.agent.connection_state() == CS::completed;
      },
      std::chrono::seconds(5)));
  CHECK(a.states == std::vector<CS>{CS::checking, CS::connected, CS::completed});
  CHECK(b.states == std::vector<CS>{CS::checking, CS::connected, CS::completed});
  CHECK(a.gathering == std::vector<GS>{GS::gathering, GS::complete});
  auto sa = a.agent.selected_pair();
  auto sb = b.agent.selected_pair();
  REQUIRE(sa);
  REQUIRE(sb);
  CHECK(sa->local == sim::kPairAddressA);
  CHECK(sa->remote == sim::kPairAddressB);
  CHECK(sb->local == sim::kPairAddressB);
  CHECK(sb->remote == sim::kPairAddressA);
  CHECK(a.selected_changes == 1);
  CHECK(b.selected_changes == 1);
  REQUIRE(a.agent.pairs().size() == 1);
  CHECK(a.agent.pairs()[0].nominated);
  CHECK(b.agent.pairs()[0].nominated);
  CHECK(a.agent.role() == Role::controlling);

  // Consent keeps it up for a minute of quiet; nothing is dropped.
  pair.advance(std::chrono::seconds(60));
  a.drain();
  b.drain();
  CHECK(a.states.back() == CS::completed);
  CHECK(b.states.back() == CS::completed);
  CHECK(a.agent.stats().consent_requests_sent >= 9);
  CHECK(a.agent.stats().dropped_bad_integrity == 0);
  CHECK(b.agent.stats().dropped_unknown_transaction == 0);
}

TEST_CASE("role conflict: both controlling, the larger tie-breaker wins (487)", "[ice][agent][role]") {
  auto both = GENERATE(Role::controlling, Role::controlled);
  Side a(config(both, 1000, "ufragA", "passwordA+passwordA+pwd"), 1);
  Side b(config(both, 10, "ufragB", "passwordB+passwordB+pwd"), 2);
  sim::Pair<Agent, Agent> pair(a.agent, b.agent);
  introduce(a, b, pair.now());
  REQUIRE(pair.drive(
      [&] {
        a.drain();
        b.drain();
        return a.agent.selected_pair() && b.agent.selected_pair();
      },
      std::chrono::seconds(5)));
  // §7.3.1.1: the agent with the larger tie-breaker ends up controlling.
  CHECK(a.agent.role() == Role::controlling);
  CHECK(b.agent.role() == Role::controlled);
  CHECK(a.agent.stats().role_conflicts + b.agent.stats().role_conflicts >= 1);
  pair.exchange();
  a.drain();
  b.drain();
  CHECK(a.states == std::vector<CS>{CS::checking, CS::connected, CS::completed});
  CHECK(b.states == std::vector<CS>{CS::checking, CS::connected, CS::completed});
}

TEST_CASE("checks with bad credentials are dropped and counted, never answered", "[ice][agent][security]") {
  Side a(config(Role::controlled, 1, "ufragA", "passwordA+passwordA+pwd"), 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  drain_transmits(a.agent);
  SeededRng rng(3);
  auto deliver = [&](const std::vector<uint8_t>& m) {
    a.agent.handle_datagram(now, Datagram{sim::kPairAddressB, sim::kPairAddressA, Bytes(m)});
    return drain_transmits(a.agent);
  };
  const auto& s = a.agent.stats();
  CHECK(deliver(check_request(rng, "ufragA:ufragB", "wrong+password+wrong+pw")) == 0);
  CHECK(s.dropped_bad_integrity == 1);
  CHECK(deliver(check_request(rng, "ufragX:ufragB", "passwordA+passwordA+pwd")) == 0);
  CHECK(s.dropped_bad_username == 1);
  CHECK(deliver(check_request(rng, "ufragA:ufragB", "passwordA+passwordA+pwd", /*fingerprint=*/false)) == 0);
  CHECK(s.dropped_no_fingerprint == 1);
  CHECK(deliver(check_request(rng, "ufragA:ufragB", "passwordA+passwordA+pwd", true, /*integrity=*/false)) == 0);
  CHECK(s.dropped_no_integrity == 1);
  std::vector<uint8_t> junk{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42};
  CHECK(deliver(junk) == 0);
  CHECK(s.stun_parse_failed == 1);
  CHECK(a.agent.remote_candidate_count() == 0);
  // The right credentials get a response and a peer-reflexive candidate.
  CHECK(deliver(check_request(rng, "ufragA:ufragB", "passwordA+passwordA+pwd")) >= 1);
  CHECK(a.agent.remote_candidate_count() == 1);
  CHECK(a.agent.remote_candidates()[0].candidate.type == CandidateType::prflx);
  CHECK(a.agent.remote_candidates()[0].candidate.priority == 1853824767u);
}

TEST_CASE("a response from the wrong address fails the pair (symmetric check)", "[ice][agent][security]") {
  Side a(config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd"), 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  Candidate r = *parse_candidate("candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host");
  REQUIRE(a.agent.add_remote_candidate(now, r).ok());
  std::vector<uint8_t> buf(1500);
  auto t = a.agent.poll_transmit(buf);
  REQUIRE(t);
  auto req = stun::MessageView::from(Bytes(buf.data(), t->size));
  REQUIRE(req.ok());
  CHECK(req->username() == "ufragB:ufragA");
  CHECK(req->ice_controlling() == 1u);
  CHECK(req->priority() == (110u << 24 | (a.agent.local_candidates()[0].candidate.priority & 0xFFFFFF)));
  std::vector<uint8_t> resp(512);
  auto key = stun::short_term_key("passwordB+passwordB+pwd");
  auto n = stun::build_binding_success(*req, t->source, resp, {.integrity_key = key->expose()});
  REQUIRE(n.ok());
  // Same transaction, right key, but from another address.
  SocketAddress elsewhere(IpAddress::v4(10, 0, 0, 9), 5000);
  a.agent.handle_datagram(now, Datagram{elsewhere, sim::kPairAddressA, Bytes(resp.data(), *n)});
  CHECK(a.agent.stats().dropped_asymmetric == 1);
  CHECK(a.agent.pairs()[0].state == PairState::failed);
  // An unknown transaction ID is dropped too.
  a.agent.handle_datagram(now, Datagram{sim::kPairAddressB, sim::kPairAddressA, Bytes(resp.data(), *n)});
  CHECK(a.agent.stats().dropped_unknown_transaction == 1);
}

TEST_CASE("a flood of checks from unknown addresses creates at most max_prflx candidates", "[ice][agent][security]") {
  Config c = config(Role::controlled, 1, "ufragA", "passwordA+passwordA+pwd");
  c.max_prflx = 4;
  Side a(c, 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  SeededRng rng(3);
  for (int i = 0; i < 200; ++i) {
    auto m = check_request(rng, "ufragA:ufragB", "passwordA+passwordA+pwd");
    SocketAddress from(IpAddress::v4(198, 51, 100, uint8_t(i % 250)), uint16_t(1000 + i));
    a.agent.handle_datagram(now, Datagram{from, sim::kPairAddressA, Bytes(m)});
    drain_transmits(a.agent);
    a.agent.handle_timeout(now);
    CHECK(a.agent.is_consistent());
  }
  CHECK(a.agent.remote_candidate_count() == 4);
  CHECK(a.agent.pair_count() == 4);
  CHECK(a.agent.stats().dropped_prflx_limit == 196);
}

TEST_CASE("the pair table is bounded (RFC 8445 §6.1.2.5)", "[ice][agent]") {
  Config c = config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd");
  c.max_pairs = 10;
  Side a(c, 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(IpAddress::v4(10, 1, 0, 1), 5000)).ok());
  for (int i = 0; i < 20; ++i) {
    Candidate r;
    r.foundation = std::to_string(i);
    r.priority = compute_priority(126, uint32_t(1000 + i), 1);
    r.address = SocketAddress(IpAddress::v4(10, 0, 1, uint8_t(i + 1)), 5000);
    REQUIRE(a.agent.add_remote_candidate(now, r).ok());
  }
  CHECK(a.agent.pair_count() == 10);
  CHECK(a.agent.stats().dropped_pair_limit > 0);
  // The survivors are the highest-priority pairs.
  for (const auto& p : a.agent.pairs())
    CHECK(a.agent.remote_candidates()[p.remote].candidate.priority >= compute_priority(126, 1015, 1));
  CHECK(a.agent.is_consistent());
}

TEST_CASE("mDNS candidates wait for the driver's resolver", "[ice][agent][mdns]") {
  Side a(config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd"), 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  auto c1 = *parse_candidate("candidate:1 1 udp 2113937151 1b5d4ad9-4d05-4b4a-9b73-13c1a0ff6d6d.local 54321 typ host");
  auto c2 = *parse_candidate("candidate:2 1 udp 2113937151 9b36eaac-bb2e-49bb-bb78-21c41c499900.local 52025 typ host");
  REQUIRE(a.agent.add_remote_candidate(now, c1).ok());
  REQUIRE(a.agent.add_remote_candidate(now, c2).ok());
  a.drain();
  std::vector<std::string> asked;
  for (const auto& e : a.all)
    if (e.kind == Event::Kind::resolve_hostname) asked.push_back(e.hostname);
  CHECK(asked == std::vector<std::string>{c1.hostname, c2.hostname});
  CHECK(a.agent.remote_candidate_count() == 0);
  a.agent.resolved(now, c1.hostname, IpAddress::v4(10, 0, 0, 2));
  REQUIRE(a.agent.remote_candidate_count() == 1);
  CHECK(a.agent.remote_candidates()[0].candidate.address == SocketAddress(IpAddress::v4(10, 0, 0, 2), 54321));
  CHECK(a.agent.pair_count() == 1);
  a.agent.resolved(now, c2.hostname, std::nullopt);
  CHECK(a.agent.remote_candidate_count() == 1);
  CHECK(a.agent.stats().mdns_unresolved == 1);
}

TEST_CASE("an unreachable peer ends in failed once candidates are complete and PAC expired", "[ice][agent]") {
  auto pac = GENERATE(std::chrono::milliseconds(3000), std::chrono::milliseconds(39500));
  Config ca = config(Role::controlling, 100, "ufragA", "passwordA+passwordA+pwd");
  Config cb = config(Role::controlled, 50, "ufragB", "passwordB+passwordB+pwd");
  ca.pac_timeout = cb.pac_timeout = pac;
  Side a(ca, 1);
  Side b(cb, 2);
  sim::PairConfig pc;
  pc.drop = [](sim::PairDir, uint64_t, Bytes) { return true; };
  sim::Pair<Agent, Agent> pair(a.agent, b.agent, pc);
  introduce(a, b, pair.now());
  auto start = pair.now();
  REQUIRE(pair.drive(
      [&] {
        a.drain();
        b.drain();
        return a.agent.connection_state() == CS::failed && b.agent.connection_state() == CS::failed;
      },
      std::chrono::seconds(60)));
  CHECK(a.states == std::vector<CS>{CS::checking, CS::failed});
  CHECK(b.states == std::vector<CS>{CS::checking, CS::failed});
  // The pair fails after 7 transmissions (100+200+400+800+1600+1600+1600
  // ms = 6.3 s); "failed" waits for the PAC timer too (RFC 8863).
  CHECK(pair.now() - start == std::max<Duration>(std::chrono::milliseconds(6300), pac));
  // failed is terminal until a restart: no more checks.
  pair.advance(std::chrono::seconds(10));
  a.drain();
  CHECK(a.states == std::vector<CS>{CS::checking, CS::failed});
  CHECK_FALSE(a.agent.poll_timeout());
}

TEST_CASE("close() emits closed and stops everything", "[ice][agent]") {
  Side a(config(Role::controlling, 100, "ufragA", "passwordA+passwordA+pwd"), 1);
  Side b(config(Role::controlled, 50, "ufragB", "passwordB+passwordB+pwd"), 2);
  sim::Pair<Agent, Agent> pair(a.agent, b.agent);
  introduce(a, b, pair.now());
  REQUIRE(pair.drive([&] { return a.agent.selected_pair().has_value(); }, std::chrono::seconds(5)));
  a.agent.close(pair.now());
  a.drain();
  CHECK(a.states.back() == CS::closed);
  CHECK_FALSE(a.agent.poll_timeout());
  CHECK_FALSE(a.agent.selected_pair());
  CHECK(a.agent.add_remote_candidate(pair.now(), b.candidates[0]).error().code == Errc::closed);
}

TEST_CASE("relay candidates: policy relay pairs only them; transmits name the relay", "[ice][agent][relay]") {
  Config c = config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd");
  c.transport_policy = TransportPolicy::relay;
  c.stun_servers = {{SocketAddress(IpAddress::v4(192, 0, 2, 1), 3478), "stun:192.0.2.1"}};
  Side a(c, 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(IpAddress::v4(192, 168, 1, 5), 4000)).ok());
  SocketAddress relayed(IpAddress::v4(198, 51, 100, 20), 61234);
  SocketAddress mapped(IpAddress::v4(203, 0, 113, 7), 4000);
  auto id = a.agent.add_relay_candidate(now, relayed, mapped, IpAddress::v4(198, 51, 100, 20));
  REQUIRE(id.ok());
  a.agent.end_of_local_interfaces(now);
  a.drain();
  // Only the relay candidate is exposed; no STUN server traffic under "relay".
  REQUIRE(a.candidates.size() == 1);
  CHECK(a.candidates[0].type == CandidateType::relay);
  CHECK(a.candidates[0].priority == compute_priority(0, local_preference(0, IpFamily::v4), 1));
  REQUIRE(a.candidates[0].related);
  CHECK(*a.candidates[0].related == mapped);
  CHECK(a.gathering == std::vector<GS>{GS::gathering, GS::complete});
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  REQUIRE(a.agent.add_remote_candidate(now, *parse_candidate("candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host")).ok());
  CHECK(a.agent.pair_count() == 1);
  std::vector<uint8_t> buf(1500);
  auto t = a.agent.poll_transmit(buf);
  REQUIRE(t);
  CHECK(t->source == relayed);
  CHECK(a.agent.relay_for(t->source) == *id);
  CHECK_FALSE(a.agent.relay_for(SocketAddress(IpAddress::v4(192, 168, 1, 5), 4000)));
  CHECK_FALSE(a.agent.poll_transmit(buf));
}

TEST_CASE("remote candidates: tcp, other generation and limits are refused", "[ice][agent]") {
  Config c = config(Role::controlling, 1, "ufragA", "passwordA+passwordA+pwd");
  c.max_remote_candidates = 2;
  Side a(c, 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.set_remote_credentials(now, "EsAw", "passwordB+passwordB+pwd").ok());
  auto tcp = *parse_candidate("candidate:2 1 TCP 2105524479 192.168.1.5 9 typ host tcptype active");
  CHECK(a.agent.add_remote_candidate(now, tcp).error().code == Errc::unsupported);
  auto other = *parse_candidate("candidate:1 1 udp 2122260223 192.168.1.5 46243 typ host generation 0 ufrag XXXX");
  CHECK(a.agent.add_remote_candidate(now, other).error().code == Errc::invalid_argument);
  for (int i = 0; i < 2; ++i) {
    auto ok = *parse_candidate("candidate:1 1 udp 2122260223 192.168.1." + std::to_string(10 + i) + " 46243 typ host ufrag EsAw");
    CHECK(a.agent.add_remote_candidate(now, ok).ok());
  }
  auto third = *parse_candidate("candidate:1 1 udp 2122260223 192.168.1.99 46243 typ host");
  CHECK(a.agent.add_remote_candidate(now, third).error().code == Errc::limit_exceeded);
  CHECK(a.agent.remote_candidate_count() == 2);
  CHECK(a.agent.stats().dropped_remote_candidate == 3);
}

TEST_CASE("controlled agent accepts an aggressive nomination (USE-CANDIDATE in the first check)", "[ice][agent]") {
  Side a(config(Role::controlled, 1, "ufragA", "passwordA+passwordA+pwd"), 1);
  auto now = kTestEpoch;
  REQUIRE(a.agent.add_local_interface(now, sim::kPairAddressA).ok());
  a.agent.end_of_local_interfaces(now);
  REQUIRE(a.agent.set_remote_credentials(now, "ufragB", "passwordB+passwordB+pwd").ok());
  a.agent.end_of_remote_candidates(now);
  // B's check, nominating at once (aggressive nomination, RFC 5245 style).
  SeededRng rng(5);
  std::vector<uint8_t> req(512);
  stun::MessageBuilder b(req, {stun::Method::binding, stun::MessageClass::request}, stun::TransactionId::random(rng));
  b.add_username("ufragA:ufragB");
  b.add_priority(1853824767);
  b.add_ice_controlling(99);
  b.add_use_candidate();
  b.add_message_integrity(stun::short_term_key("passwordA+passwordA+pwd")->expose());
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  a.agent.handle_datagram(now, Datagram{sim::kPairAddressB, sim::kPairAddressA, Bytes(req.data(), *n)});
  CHECK_FALSE(a.agent.selected_pair());  // not before our own check succeeds (§7.3.1.5)
  REQUIRE(a.agent.pair_count() == 1);
  CHECK(a.agent.pairs()[0].nominate_on_success);
  // A answers and sends its triggered check; B answers that.
  std::vector<uint8_t> buf(1500);
  std::optional<stun::TransactionId> check_tid;
  while (auto t = a.agent.poll_transmit(buf)) {
    auto m = stun::MessageView::from(Bytes(buf.data(), t->size));
    REQUIRE(m.ok());
    if (m->is_request()) {
      CHECK(t->destination == sim::kPairAddressB);
      CHECK(m->ice_controlled() == 1u);
      check_tid = m->transaction_id();
      std::vector<uint8_t> resp(512);
      auto key = stun::short_term_key("passwordB+passwordB+pwd");
      auto rn = stun::build_binding_success(*m, t->source, resp, {.integrity_key = key->expose()});
      REQUIRE(rn.ok());
      a.agent.handle_datagram(now, Datagram{sim::kPairAddressB, sim::kPairAddressA, Bytes(resp.data(), *rn)});
      break;
    }
  }
  REQUIRE(check_tid);
  REQUIRE(a.agent.selected_pair());
  CHECK(a.agent.selected_pair()->remote == sim::kPairAddressB);
  CHECK(a.agent.selected_pair()->remote_type == CandidateType::prflx);
  a.drain();
  CHECK(a.states == std::vector<CS>{CS::checking, CS::connected, CS::completed});
}
