// Two ICE agents in the network simulator: every pair of RFC 4787 NAT types,
// loss, role conflict, late/out-of-order trickle, ICE restart with data
// flowing, consent loss and recovery, peer ice-lite. Each test asserts the
// exact W3C RTCIceConnectionState sequence. Seeds are printed (INFO) and can
// be replayed with SANSRTC_SEED=<n>.
#include "sim/ice/ice_harness.h"

#include "support/sim/seed.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::ice;
using namespace sansrtc::ice::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

enum class NatType { none, full_cone, restricted, port_restricted, symmetric };

const char* nat_name(NatType t) {
  switch (t) {
    case NatType::none: return "none";
    case NatType::full_cone: return "full-cone";
    case NatType::restricted: return "restricted";
    case NatType::port_restricted: return "port-restricted";
    case NatType::symmetric: return "symmetric";
  }
  return "?";
}

// RFC 4787 / RFC 8445: a symmetric NAT (APDM) on one side needs the other
// side to accept a new source port from the same IP: impossible behind APDF.
bool traversable(NatType a, NatType b) {
  auto hard = [](NatType x) { return x == NatType::symmetric; };
  auto strict = [](NatType x) { return x == NatType::symmetric || x == NatType::port_restricted; };
  return !((hard(a) && strict(b)) || (hard(b) && strict(a)));
}

const SocketAddress kStunServer(IpAddress::v4(192, 0, 2, 1), 3478);

Config base_config(Role role, uint64_t tie_breaker) {
  Config c;
  c.role = role;
  c.tie_breaker = tie_breaker;
  c.stun_servers = {{kStunServer, "stun:192.0.2.1:3478"}};
  return c;
}

struct World {
  World(uint64_t seed, NatType na, NatType nb, double loss, Config ca, Config cb,
        Duration latency = milliseconds(10), int interfaces = 1)
      : interfaces_(interfaces),
        sim(make_sim(seed, loss, latency)),
        stun_ep(stun_server),
        a(ca, sim.machine_seed(1)),
        b(cb, sim.machine_seed(2)) {
    sim.attach({kStunServer.ip()}, stun_ep, sim::Simulator::internet(), kStunServer.port());
    host_a = place(na, IpAddress::v4(203, 0, 113, 1), IpAddress::v4(203, 0, 113, 10));
    host_b = place(nb, IpAddress::v4(198, 51, 100, 1), IpAddress::v4(198, 51, 100, 10));
    ea = sim.attach(host_a.node, a, 5000);
    eb = sim.attach(host_b.node, b, 5000);
    lossy(loss);
  }

  static sim::Simulator make_sim(uint64_t seed, double loss, Duration latency = milliseconds(10)) {
    sim::SimConfig c;
    c.seed = seed;
    c.default_link.latency = latency;
    (void)loss;  // applied per host uplink in lossy(): once per direction of the path
    return sim::Simulator(c);
  }
  // `loss` on each host's uplink: every datagram between A, B and the STUN
  // server crosses exactly one lossy link, so `loss` is the one-way loss.
  void lossy(double loss) {
    sim.uplink(host_a.node).config().loss = loss;
    sim.uplink(host_b.node).config().loss = loss;
  }

  struct Placed {
    sim::NodeId node;
    IpAddress ip;
  };
  Placed place(NatType t, IpAddress external, IpAddress public_ip) {
    if (t == NatType::none) {
      // `interfaces` addresses on one host: public_ip, public_ip+1, ...
      std::vector<IpAddress> ips;
      for (int k = 0; k < interfaces_; ++k) ips.push_back(IpAddress::v4(public_ip.v4_host_order() + uint32_t(k)));
      return {sim.add_host(ips), public_ip};
    }
    sim::NatConfig nc;
    switch (t) {
      case NatType::full_cone: nc = sim::NatConfig::full_cone(); break;
      case NatType::restricted: nc = sim::NatConfig::restricted_cone(); break;
      case NatType::port_restricted: nc = sim::NatConfig::port_restricted_cone(); break;
      default: nc = sim::NatConfig::symmetric(); break;
    }
    auto nat = sim.add_nat(nc, {external});
    // Both private networks use the same address: candidates from the
    // other side must not be confused with local ones.
    IpAddress inside = IpAddress::v4(192, 168, 1, 2);
    return {sim.add_host({inside}, nat.inside), inside};
  }

  void start() {
    Instant now = sim.now();
    for (const auto& ip : sim.addresses(host_a.node))
      REQUIRE(a.agent.add_local_interface(now, SocketAddress(ip, 5000)).ok());
    for (const auto& ip : sim.addresses(host_b.node))
      REQUIRE(b.agent.add_local_interface(now, SocketAddress(ip, 5000)).ok());
    a.agent.end_of_local_interfaces(now);
    b.agent.end_of_local_interfaces(now);
    exchange_credentials();
  }
  void exchange_credentials() {
    Instant now = sim.now();
    REQUIRE(a.agent.set_remote_credentials(now, b.agent.local_ufrag(), b.agent.local_pwd()).ok());
    REQUIRE(b.agent.set_remote_credentials(now, a.agent.local_ufrag(), a.agent.local_pwd()).ok());
    a.drain_events(now);
    b.drain_events(now);
    sim.wake(ea);
    sim.wake(eb);
  }

  // Runs the simulator and the signalling channel until pred() or limit.
  bool run(const std::function<bool()>& pred, Duration limit) {
    Instant end = sim.now() + limit;
    for (;;) {
      sig.collect(a, true, sim.now());
      sig.collect(b, false, sim.now());
      sig.deliver(sim, a, b, ea, eb);
      if (pred()) return true;
      auto next = earliest(sim.next_event_time(), sig.next());
      if (!next || *next > end) {
        sim.run_until(end);
        return pred();
      }
      sim.run_until(*next);
    }
  }
  bool both(CS s) const { return a.agent.connection_state() == s && b.agent.connection_state() == s; }

  int interfaces_ = 1;
  sim::Simulator sim;
  stun::BindingServer stun_server;
  sim::MachineEndpoint<stun::BindingServer> stun_ep;
  Peer a, b;
  Placed host_a, host_b;
  sim::EndpointId ea, eb;
  Signalling sig;
};

const std::vector<CS> kConnected{CS::checking, CS::connected, CS::completed};

}  // namespace

TEST_CASE("agents connect behind every pair of NAT types ICE can traverse", "[sim][ice][nat]") {
  const NatType types[] = {NatType::none, NatType::full_cone, NatType::restricted, NatType::port_restricted,
                           NatType::symmetric};
  const double losses[] = {0.0, 0.1, 0.3};
  int traversed = 0, failed_as_expected = 0;
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = i; j < 5; ++j) {
      for (double loss : losses) {
        const uint64_t seed = sim::test_seed(1000 + i * 100 + j * 10 + uint64_t(loss * 10));
        NatType na = types[i], nb = types[j];
        INFO(sim::seed_info(seed) << " A=" << nat_name(na) << " B=" << nat_name(nb) << " loss=" << loss);
        Config ca = base_config(Role::controlling, 2), cb = base_config(Role::controlled, 1);
        ca.pac_timeout = cb.pac_timeout = seconds(10);
        World w(seed, na, nb, loss, ca, cb);
        w.start();
        if (traversable(na, nb)) {
          bool ok = w.run([&] { return w.both(CS::completed); }, seconds(60));
          INFO("A: " << states_str(w.a.states) << "  B: " << states_str(w.b.states) << "  " << w.sim.summary()
                     << " gathering A=" << gathering_state_name(w.a.agent.gathering_state())
                     << " B=" << gathering_state_name(w.b.agent.gathering_state()) << " pairs A=" << pairs_str(w.a.agent)
                     << " B=" << pairs_str(w.b.agent));
          REQUIRE(ok);
          CHECK(w.a.states == kConnected);
          CHECK(w.b.states == kConnected);
          CHECK(w.a.gathering == std::vector<GS>{GS::gathering, GS::complete});
          CHECK(w.a.selected_changes == 1);
          CHECK(w.b.selected_changes == 1);
          auto sa = w.a.agent.selected_pair();
          auto sb = w.b.agent.selected_pair();
          REQUIRE(sa);
          REQUIRE(sb);
          ++traversed;
        } else {
          // Needs TURN: every pair fails; failed when the PAC timer (10 s
          // here) expires, or once gathering ends if that is later.
          Instant start = w.sim.now();
          bool ok = w.run([&] { return w.both(CS::failed); }, seconds(60));
          INFO("A: " << states_str(w.a.states) << "  B: " << states_str(w.b.states));
          REQUIRE(ok);
          CHECK(w.a.states == std::vector<CS>{CS::checking, CS::failed});
          CHECK(w.b.states == std::vector<CS>{CS::checking, CS::failed});
          CHECK(w.sim.now() - start >= seconds(10));
          if (loss == 0.0) CHECK(w.sim.now() - start <= seconds(11));
          ++failed_as_expected;
        }
      }
    }
  }
  CHECK(traversed == 13 * 3);
  CHECK(failed_as_expected == 2 * 3);
}

TEST_CASE("many seeds at 30% loss, port-restricted vs symmetric-free pairs", "[sim][ice][loss]") {
  for (uint64_t seed : sim::test_seeds(200, 1)) {
    INFO(sim::seed_info(seed));
    World w(seed, NatType::port_restricted, NatType::restricted, 0.3, base_config(Role::controlling, 2),
            base_config(Role::controlled, 1));
    w.start();
    bool ok = w.run([&] { return w.both(CS::completed); }, seconds(60));
    INFO("A: " << states_str(w.a.states) << "  B: " << states_str(w.b.states) << "  " << w.sim.summary()
               << " pairs A=" << pairs_str(w.a.agent) << " B=" << pairs_str(w.b.agent));
    REQUIRE(ok);
    CHECK(w.a.states == kConnected);
    CHECK(w.b.states == kConnected);
  }
}

TEST_CASE("role conflict in the simulator: both start controlling", "[sim][ice][role]") {
  const uint64_t seed = sim::test_seed(77);
  INFO(sim::seed_info(seed));
  World w(seed, NatType::full_cone, NatType::port_restricted, 0.0, base_config(Role::controlling, 5),
          base_config(Role::controlling, 9));
  w.start();
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(30)));
  CHECK(w.a.agent.role() == Role::controlled);
  CHECK(w.b.agent.role() == Role::controlling);
  CHECK(w.a.states == kConnected);
  CHECK(w.b.states == kConnected);
}

TEST_CASE("late and out-of-order trickle", "[sim][ice][trickle]") {
  const uint64_t seed = sim::test_seed(91);
  INFO(sim::seed_info(seed));
  World w(seed, NatType::restricted, NatType::symmetric, 0.0, base_config(Role::controlling, 2),
          base_config(Role::controlled, 1));
  w.sig.delay = seconds(2);
  w.sig.jitter = milliseconds(1500);  // candidates overtake each other
  w.sig.rng = SeededRng(seed);
  w.start();
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(30)));
  CHECK(w.a.states == kConnected);
  CHECK(w.b.states == kConnected);
}

TEST_CASE("ICE restart mid-session: data keeps flowing, nothing lost", "[sim][ice][restart]") {
  const uint64_t seed = sim::test_seed(123);
  INFO(sim::seed_info(seed));
  World w(seed, NatType::full_cone, NatType::restricted, 0.0, base_config(Role::controlling, 2),
          base_config(Role::controlled, 1));
  w.start();
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(30)));
  w.a.sending_app = true;
  w.a.next_app = w.sim.now();
  w.sim.wake(w.ea);
  w.run([] { return false; }, seconds(2));
  auto old_pair = w.a.agent.selected_pair();
  REQUIRE(old_pair);

  // Both sides restart (new ufrag/pwd), credentials go through signalling.
  Instant now = w.sim.now();
  REQUIRE(w.a.agent.restart(now).ok());
  REQUIRE(w.b.agent.restart(now).ok());
  w.sig.a_eoc_sent = w.sig.b_eoc_sent = false;
  w.a.end_of_candidates = w.b.end_of_candidates = false;
  w.exchange_credentials();
  // The old pair still carries data until the new generation is selected.
  CHECK(w.a.agent.selected_pair().has_value());
  int before = w.a.selected_changes;
  REQUIRE(w.run([&] { return w.a.selected_changes > before && w.both(CS::completed); }, seconds(30)));
  w.run([] { return false; }, seconds(2));
  w.a.sending_app = false;
  w.run([] { return false; }, seconds(1));
  // Every sequence number arrived exactly once and in order.
  REQUIRE(w.a.next_seq > 150);
  REQUIRE(w.b.received.size() == w.a.next_seq);
  for (uint32_t i = 0; i < w.a.next_seq; ++i) CHECK(w.b.received[i] == i);
  // Completed until the new generation's pair is selected (data never
  // stopped), connected while its end-of-candidates is on its way, then
  // completed again.
  const std::vector<CS> expect{CS::checking, CS::connected, CS::completed, CS::connected, CS::completed};
  CHECK(w.a.states == expect);
  CHECK(w.b.states == expect);
  CHECK(w.a.gathering == std::vector<GS>{GS::gathering, GS::complete, GS::gathering, GS::complete});
}

TEST_CASE("consent: link cut -> disconnected -> failed", "[sim][ice][consent]") {
  const uint64_t seed = sim::test_seed(5);
  INFO(sim::seed_info(seed));
  World w(seed, NatType::none, NatType::full_cone, 0.0, base_config(Role::controlling, 2),
          base_config(Role::controlled, 1));
  w.start();
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(30)));
  Instant cut = w.sim.now();
  w.sim.uplink(w.host_b.node).config().down = true;
  w.sim.downlink(w.host_b.node).config().down = true;
  REQUIRE(w.run([&] { return w.both(CS::failed); }, seconds(40)));
  CHECK(w.a.states == std::vector<CS>{CS::checking, CS::connected, CS::completed, CS::disconnected, CS::failed});
  CHECK(w.b.states == std::vector<CS>{CS::checking, CS::connected, CS::completed, CS::disconnected, CS::failed});
  // RFC 7675: consent expires 30 s after the last response.
  CHECK(w.sim.now() - cut <= seconds(31));
  CHECK(w.sim.now() - cut >= seconds(25));
  CHECK_FALSE(w.a.agent.selected_pair());
}

TEST_CASE("consent: link restored before 30 s -> connected again", "[sim][ice][consent]") {
  const uint64_t seed = sim::test_seed(6);
  INFO(sim::seed_info(seed));
  World w(seed, NatType::restricted, NatType::full_cone, 0.0, base_config(Role::controlling, 2),
          base_config(Role::controlled, 1));
  w.start();
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(30)));
  w.sim.uplink(w.host_b.node).config().down = true;
  w.sim.downlink(w.host_b.node).config().down = true;
  REQUIRE(w.run([&] { return w.both(CS::disconnected); }, seconds(25)));
  w.sim.uplink(w.host_b.node).config().down = false;
  w.sim.downlink(w.host_b.node).config().down = false;
  REQUIRE(w.run([&] { return w.both(CS::completed); }, seconds(15)));
  const std::vector<CS> expect{CS::checking,     CS::connected, CS::completed,
                               CS::disconnected, CS::connected, CS::completed};
  CHECK(w.a.states == expect);
  CHECK(w.b.states == expect);
  // Stays up afterwards.
  w.run([] { return false; }, seconds(60));
  CHECK(w.a.states == expect);
}

TEST_CASE("peer ice-lite: we become controlling and nominate", "[sim][ice][lite]") {
  const uint64_t seed = sim::test_seed(8);
  INFO(sim::seed_info(seed));
  sim::Simulator sim(World::make_sim(seed, 0.0));
  // A lite peer only answers checks: a Binding responder with short-term credentials.
  stun::BindingServer lite;
  REQUIRE(lite.set_short_term_credentials("liteUfrag:", "litePassword+litePassword").ok());
  sim::MachineEndpoint<stun::BindingServer> lite_ep(lite);
  SocketAddress lite_addr(IpAddress::v4(198, 51, 100, 20), 4444);
  sim.attach({lite_addr.ip()}, lite_ep, sim::Simulator::internet(), lite_addr.port());
  Config c = base_config(Role::controlled, 1);
  c.stun_servers.clear();
  Peer a(c, sim.machine_seed(1));
  auto nat = sim.add_nat(sim::NatConfig::port_restricted_cone(), {IpAddress::v4(203, 0, 113, 1)});
  auto ea = sim.attach({IpAddress::v4(192, 168, 1, 2)}, a, nat.inside, 5000);
  Instant now = sim.now();
  REQUIRE(a.agent.add_local_interface(now, SocketAddress(IpAddress::v4(192, 168, 1, 2), 5000)).ok());
  a.agent.end_of_local_interfaces(now);
  a.agent.set_remote_ice_lite(now, true);
  CHECK(a.agent.role() == Role::controlling);
  REQUIRE(a.agent.set_remote_credentials(now, "liteUfrag", "litePassword+litePassword").ok());
  Candidate lc;
  lc.foundation = "1";
  lc.priority = compute_priority(126, 65535, 1);
  lc.address = lite_addr;
  REQUIRE(a.agent.add_remote_candidate(now, lc).ok());
  a.agent.end_of_remote_candidates(now);
  a.drain_events(now);
  sim.wake(ea);
  REQUIRE(sim.run_for([&] { return a.agent.connection_state() == CS::completed; }, seconds(10)));
  CHECK(a.states == kConnected);
  REQUIRE(a.agent.selected_pair());
  CHECK(a.agent.selected_pair()->remote == lite_addr);
  CHECK(lite.stats().success_sent >= 2);  // the check and the USE-CANDIDATE check
}

TEST_CASE("STUN server errors: the server's error code, or 701 when it does not answer", "[sim][ice][gathering]") {
  const uint64_t seed = sim::test_seed(9);
  INFO(sim::seed_info(seed));
  Config c = base_config(Role::controlling, 1);
  c.stun_servers.push_back({SocketAddress(IpAddress::v4(192, 0, 2, 99), 3478), "stun:192.0.2.99:3478"});
  // A server that wants credentials answers our plain Binding with 400.
  SocketAddress picky_addr(IpAddress::v4(192, 0, 2, 50), 3478);
  c.stun_servers.push_back({picky_addr, "stun:192.0.2.50:3478"});
  World w(seed, NatType::full_cone, NatType::none, 0.0, c, base_config(Role::controlled, 2));
  stun::BindingServer picky;
  REQUIRE(picky.set_short_term_credentials("user:", "some+password+some+password").ok());
  sim::MachineEndpoint<stun::BindingServer> picky_ep(picky);
  w.sim.attach({picky_addr.ip()}, picky_ep, sim::Simulator::internet(), picky_addr.port());
  w.start();
  REQUIRE(w.run([&] { return w.a.agent.gathering_state() == GS::complete; }, seconds(60)));
  REQUIRE(w.a.errors.size() == 2);
  CHECK(w.a.errors[0].error_code == 400);
  CHECK(w.a.errors[0].error_url == "stun:192.0.2.50:3478");
  CHECK_FALSE(w.a.errors[0].error_text.empty());
  CHECK(w.a.errors[1].error_code == 701);
  CHECK(w.a.errors[1].error_url == "stun:192.0.2.99:3478");
  CHECK(w.a.errors[1].error_address == SocketAddress(IpAddress::v4(192, 168, 1, 2), 5000));
  // RFC 8489 §6.2.1: Rc=7, Rm=16 with RTO 500 ms: 39.5 s.
  CHECK(w.sim.now() - kTestEpoch >= milliseconds(39500));
  CHECK(w.both(CS::completed));
}

TEST_CASE("time from start to selected pair, zero delay (measurement)", "[sim][ice][measure]") {
  // Not a pass/fail timing test: prints the numbers for the report. Checks
  // only that every run connects.
  struct Scenario {
    const char* name;
    NatType nat;
    int interfaces;
  } scenarios[] = {{"public, 1 interface each", NatType::none, 1},
                   {"full-cone NATs, host pair unreachable", NatType::full_cone, 1},
                   {"public, 10 interfaces each (100 pairs)", NatType::none, 10}};
  for (const auto& sc : scenarios) {
    for (int ta_ms : {5, 50}) {
      const uint64_t seed = sim::test_seed(4242);
      Config ca = base_config(Role::controlling, 2), cb = base_config(Role::controlled, 1);
      ca.ta = cb.ta = milliseconds(ta_ms);
      World w(seed, sc.nat, sc.nat, 0.0, ca, cb, Duration(0), sc.interfaces);
      w.start();
      Instant start = w.sim.now();
      REQUIRE(w.run([&] { return w.a.first_selected_at && w.b.first_selected_at; }, seconds(20)));
      auto ms = [&](Instant t) { return double(to_micros(t - start)) / 1000.0; };
      std::printf("ice: %-40s Ta=%2d ms: selected after %7.1f ms (controlling) / %7.1f ms (controlled)\n", sc.name,
                  ta_ms, ms(*w.a.first_selected_at), ms(*w.b.first_selected_at));
      if (sc.interfaces == 10 && ta_ms == 50) {
        w.run([] { return false; }, seconds(2));  // gathering done, steady state
        std::printf("ice: memory (gathering %s): %zu local / %zu remote candidates, %zu pairs: %zu bytes (sizeof(Agent)=%zu, "
                    "sizeof(Event)=%zu, sizeof(CandidatePair)=%zu, sizeof(LocalCandidateEntry)=%zu)\n",
                    gathering_state_name(w.a.agent.gathering_state()), w.a.agent.local_candidate_count(),
                    w.a.agent.remote_candidate_count(), w.a.agent.pair_count(),
                    w.a.agent.memory_usage(), sizeof(Agent), sizeof(Event), sizeof(CandidatePair),
                    sizeof(LocalCandidateEntry));
        CHECK(w.a.agent.local_candidate_count() == 10);
        CHECK(w.a.agent.remote_candidate_count() == 10);
      }
    }
  }
}
