// NAT boxes in the simulator: RFC 4787 mapping and filtering behaviours,
// port allocation, mapping timeout and refresh, hairpinning, table bound,
// two private networks with the same addresses.
#include "support/sim/simulator.h"
#include "test_endpoints.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::sim;
using namespace sansrtc::sim::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const IpAddress kNatIp = IpAddress::v4(203, 0, 113, 1);
const SocketAddress kClient = sa4(192, 168, 1, 2, 5000);
const SocketAddress kS1 = sa4(198, 51, 100, 1, 3478);
const SocketAddress kS1OtherPort = sa4(198, 51, 100, 1, 3479);
const SocketAddress kS2 = sa4(198, 51, 100, 2, 3478);

// client (192.168.1.2:5000) -- NAT (203.0.113.1) -- internet: s1, s2 (all ports).
struct NatRig {
  explicit NatRig(const NatConfig& cfg, uint64_t seed = 1) : sim(SimConfig{.seed = seed}) {
    nat = sim.add_nat(cfg, {kNatIp});
    client_ep = sim.attach({kClient.ip()}, client, nat.inside, kClient.port());
    s1_ep = sim.attach({kS1.ip()}, s1);
    s2_ep = sim.attach({kS2.ip()}, s2);
  }
  // The client sends to `to`; returns the source address the server saw.
  SocketAddress client_sends(SocketAddress to, Recorder& server) {
    const size_t before = server.rx.size();
    client.send_seq(to, seq++);
    sim.wake(client_ep);
    sim.run_for(milliseconds(10));
    REQUIRE(server.rx.size() == before + 1);
    return server.rx.back().from;
  }
  // A server sends from `from` to `to`; returns true if the client got it.
  bool server_sends(Recorder& server, EndpointId ep, SocketAddress from, SocketAddress to) {
    const size_t before = client.rx.size();
    server.send_seq(to, seq++, 100, from);
    sim.wake(ep);
    sim.run_for(milliseconds(10));
    return client.rx.size() == before + 1;
  }
  Nat& box() { return sim.nat(nat.node); }

  Simulator sim;
  Simulator::NatHandle nat;
  Recorder client, s1, s2;
  EndpointId client_ep, s1_ep, s2_ep;
  uint32_t seq = 0;
};

}  // namespace

TEST_CASE("full cone (EIM + EIF): one mapping, anyone may send to it") {
  NatRig rig(NatConfig::full_cone());
  const SocketAddress ext = rig.client_sends(kS1, rig.s1);
  CHECK(ext == SocketAddress(kNatIp, 5000));  // port preserved
  CHECK(rig.client_sends(kS2, rig.s2) == ext);
  CHECK(rig.box().stats().mappings_created == 1);
  // Unsolicited: another host and port, never contacted.
  CHECK(rig.server_sends(rig.s2, rig.s2_ep, sa4(198, 51, 100, 2, 9999), ext));
  CHECK(rig.client.rx.back().from == sa4(198, 51, 100, 2, 9999));
  CHECK(rig.client.rx.back().to == kClient);
}

TEST_CASE("restricted cone (EIM + ADF): any port of a contacted address only") {
  NatRig rig(NatConfig::restricted_cone());
  const SocketAddress ext = rig.client_sends(kS1, rig.s1);
  CHECK(rig.server_sends(rig.s1, rig.s1_ep, kS1OtherPort, ext));
  CHECK_FALSE(rig.server_sends(rig.s2, rig.s2_ep, kS2, ext));
  CHECK(rig.box().stats().filtered == 1);
  CHECK(rig.sim.stats().drops(DropReason::nat_filtered) == 1);
  // Once the client has sent to s2, s2 may answer.
  CHECK(rig.client_sends(kS2, rig.s2) == ext);
  CHECK(rig.server_sends(rig.s2, rig.s2_ep, sa4(198, 51, 100, 2, 1), ext));
}

TEST_CASE("port-restricted cone (EIM + APDF): blocks an unsolicited source port") {
  NatRig rig(NatConfig::port_restricted_cone());
  const SocketAddress ext = rig.client_sends(kS1, rig.s1);
  CHECK(rig.client_sends(kS2, rig.s2) == ext);  // endpoint-independent mapping
  CHECK(rig.server_sends(rig.s1, rig.s1_ep, kS1, ext));
  CHECK_FALSE(rig.server_sends(rig.s1, rig.s1_ep, kS1OtherPort, ext));
  CHECK(rig.box().stats().filtered == 1);
}

TEST_CASE("symmetric (APDM + APDF): a different external port per destination") {
  NatRig rig(NatConfig::symmetric());
  const SocketAddress e1 = rig.client_sends(kS1, rig.s1);
  const SocketAddress e2 = rig.client_sends(kS2, rig.s2);
  const SocketAddress e3 = rig.client_sends(kS1OtherPort, rig.s1);
  CHECK(e1.ip() == kNatIp);
  CHECK(e1 == SocketAddress(kNatIp, 5000));  // the first keeps the port
  CHECK(e2.port() != e1.port());
  CHECK(e3.port() != e1.port());
  CHECK(e3.port() != e2.port());
  CHECK(rig.box().stats().mappings_created == 3);
  CHECK(rig.client_sends(kS1, rig.s1) == e1);  // the same destination reuses its mapping
  // Each mapping admits only its own destination.
  CHECK(rig.server_sends(rig.s1, rig.s1_ep, kS1, e1));
  CHECK_FALSE(rig.server_sends(rig.s2, rig.s2_ep, kS2, e1));
  CHECK(rig.server_sends(rig.s2, rig.s2_ep, kS2, e2));
}

TEST_CASE("address-dependent mapping: one port per remote address, any remote port") {
  NatConfig cfg;
  cfg.mapping = NatBehavior::address_dependent;
  cfg.filtering = NatBehavior::address_dependent;
  NatRig rig(cfg);
  const SocketAddress e1 = rig.client_sends(kS1, rig.s1);
  CHECK(rig.client_sends(kS1OtherPort, rig.s1) == e1);
  CHECK(rig.client_sends(kS2, rig.s2) != e1);
}

TEST_CASE("random port allocation comes from the seed") {
  NatConfig cfg = NatConfig::full_cone();
  cfg.port_allocation = PortAllocation::random;
  cfg.port_min = 20000;
  cfg.port_max = 29999;
  NatRig a(cfg, 42), b(cfg, 42), c(cfg, 43);
  const SocketAddress ea = a.client_sends(kS1, a.s1);
  CHECK(ea.port() >= 20000);
  CHECK(ea.port() <= 29999);
  CHECK(b.client_sends(kS1, b.s1) == ea);
  CHECK(c.client_sends(kS1, c.s1) != ea);
}

TEST_CASE("mappings expire after the timeout unless outbound traffic refreshes them") {
  NatConfig cfg = NatConfig::full_cone();
  cfg.mapping_timeout = seconds(30);
  NatRig rig(cfg);
  const Instant t0 = rig.sim.now();
  const SocketAddress ext = rig.client_sends(kS1, rig.s1);     // mapping at t0
  rig.sim.run_until(t0 + seconds(20));
  CHECK(rig.client_sends(kS1, rig.s1) == ext);                 // refreshed at t0+20s
  rig.sim.run_until(t0 + seconds(45));
  CHECK(rig.server_sends(rig.s1, rig.s1_ep, kS1, ext));        // 25 s after refresh: alive
  // Inbound traffic does not refresh (RFC 4787 REQ-6 leaves it optional; off here).
  rig.sim.run_until(t0 + seconds(51));
  CHECK_FALSE(rig.server_sends(rig.s1, rig.s1_ep, kS1, ext));
  CHECK(rig.sim.stats().drops(DropReason::nat_no_mapping) == 1);
  CHECK(rig.box().stats().mappings_expired == 1);
  CHECK(rig.box().mapping_count(rig.sim.now()) == 0);
  // Sending again makes a fresh mapping.
  CHECK(rig.client_sends(kS1, rig.s1) == ext);
  CHECK(rig.box().stats().mappings_created == 2);
}

TEST_CASE("inbound refresh, when configured, keeps a mapping alive") {
  NatConfig cfg = NatConfig::full_cone();
  cfg.mapping_timeout = seconds(30);
  cfg.inbound_refresh = true;
  NatRig rig(cfg);
  const Instant t0 = rig.sim.now();
  const SocketAddress ext = rig.client_sends(kS1, rig.s1);
  for (int i = 1; i <= 4; ++i) {
    rig.sim.run_until(t0 + seconds(25 * i));
    CHECK(rig.server_sends(rig.s1, rig.s1_ep, kS1, ext));
  }
  CHECK(rig.box().stats().mappings_expired == 0);
}

TEST_CASE("hairpinning: a host reaches a neighbour through the NAT's external address") {
  for (bool hairpin : {true, false}) {
    INFO("hairpinning " << hairpin);
    NatConfig cfg = NatConfig::full_cone();
    cfg.hairpinning = hairpin;
    NatRig rig(cfg);
    Recorder neighbour;
    const EndpointId ne = rig.sim.attach({IpAddress::v4(192, 168, 1, 3)}, neighbour,
                                         rig.nat.inside, 6000);
    const SocketAddress client_ext = rig.client_sends(kS1, rig.s1);
    neighbour.send_seq(client_ext, 1);  // to 203.0.113.1:5000
    rig.sim.wake(ne);
    rig.sim.run_for(milliseconds(10));
    if (hairpin) {
      REQUIRE(rig.client.rx.size() == 1);
      // RFC 4787 REQ-9: the source is the sender's external mapping.
      CHECK(rig.client.rx[0].from == SocketAddress(kNatIp, 6000));
      CHECK(rig.box().stats().hairpinned == 1);
    } else {
      CHECK(rig.client.rx.empty());
      CHECK(rig.sim.stats().drops(DropReason::nat_hairpin_off) == 1);
      CHECK(rig.box().stats().hairpin_dropped == 1);
    }
  }
}

TEST_CASE("hosts in one private network talk directly, not through the NAT") {
  NatRig rig(NatConfig::symmetric());
  Recorder neighbour;
  const EndpointId ne = rig.sim.attach({IpAddress::v4(192, 168, 1, 3)}, neighbour,
                                       rig.nat.inside, 6000);
  neighbour.send_seq(kClient, 1);
  rig.sim.wake(ne);
  rig.sim.run_for(milliseconds(10));
  REQUIRE(rig.client.rx.size() == 1);
  CHECK(rig.client.rx[0].from == sa4(192, 168, 1, 3, 6000));
  CHECK(rig.box().stats().mappings_created == 0);
}

TEST_CASE("the mapping table is bounded") {
  NatConfig cfg = NatConfig::symmetric();
  cfg.max_mappings = 2;
  NatRig rig(cfg);
  rig.client_sends(kS1, rig.s1);
  rig.client_sends(kS2, rig.s2);
  rig.client.send_seq(kS1OtherPort, 99);
  rig.sim.wake(rig.client_ep);
  rig.sim.run_for(milliseconds(10));
  CHECK(rig.s1.rx.size() == 1);
  CHECK(rig.sim.stats().drops(DropReason::nat_table_full) == 1);
  CHECK(rig.box().stats().table_full == 1);
}

TEST_CASE("two private networks may reuse addresses; peers meet through full-cone NATs") {
  Simulator sim(SimConfig{.seed = 1});
  const auto n1 = sim.add_nat(NatConfig::full_cone(), {IpAddress::v4(203, 0, 113, 1)});
  const auto n2 = sim.add_nat(NatConfig::full_cone(), {IpAddress::v4(203, 0, 113, 2)});
  Recorder a, b, server(/*echo=*/true);
  const EndpointId ea = sim.attach({IpAddress::v4(192, 168, 1, 2)}, a, n1.inside, 5000);
  const EndpointId eb = sim.attach({IpAddress::v4(192, 168, 1, 2)}, b, n2.inside, 5000);
  sim.attach({kS1.ip()}, server);
  // Both learn their external address from the echo server, like STUN.
  a.send_seq(kS1, 1);
  b.send_seq(kS1, 2);
  sim.wake(ea);
  sim.wake(eb);
  sim.run_for(milliseconds(10));
  REQUIRE(a.rx.size() == 1);
  REQUIRE(b.rx.size() == 1);
  CHECK(a.rx[0].to == sa4(192, 168, 1, 2, 5000));
  CHECK(server.rx[0].from == sa4(203, 0, 113, 1, 5000));
  CHECK(server.rx[1].from == sa4(203, 0, 113, 2, 5000));
  a.send_seq(sa4(203, 0, 113, 2, 5000), 3);
  sim.wake(ea);
  sim.run_for(milliseconds(10));
  REQUIRE(b.rx.size() == 2);
  CHECK(b.rx[1].from == sa4(203, 0, 113, 1, 5000));
}
