// The simulator's links: latency, jitter, loss (Bernoulli and bursty),
// duplication, reordering, MTU, rate limiting, determinism from the seed.
#include "support/sim/simulator.h"
#include "test_endpoints.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::sim;
using namespace sansrtc::sim::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const SocketAddress kServer = sa4(198, 51, 100, 1, 7);

// A pinger on 192.0.2.1 sending to an echo server at kServer.
struct EchoRig {
  explicit EchoRig(uint64_t seed, uint32_t count = 100, Duration interval = milliseconds(10),
                   size_t size = 100, bool record = false)
      : sim(SimConfig{.seed = seed, .record_trace = record}),
        client(kServer, count, interval, kTestEpoch, size),
        server(/*echo=*/true) {
    client_host = sim.add_host({ip4(192, 0, 2, 1)});
    server_host = sim.add_host({kServer.ip()});
    server_ep = sim.attach(server_host, server, kServer.port());
    client_ep = sim.attach(client_host, client, 4000);
  }
  Simulator sim;
  Pinger client;
  Recorder server;
  NodeId client_host, server_host;
  EndpointId client_ep, server_ep;
};

}  // namespace

TEST_CASE("latency adds up exactly along the path, and timers fire at their instant") {
  EchoRig rig(1, 3, milliseconds(7));
  rig.sim.uplink(rig.client_host).config().latency = milliseconds(30);
  rig.sim.downlink(rig.server_host).config().latency = milliseconds(20);
  rig.sim.uplink(rig.server_host).config().latency = milliseconds(5);
  rig.sim.run_for(seconds(1));

  REQUIRE(rig.client.send_times.size() == 3);
  CHECK(rig.client.send_times[0] == kTestEpoch);
  CHECK(rig.client.send_times[2] == kTestEpoch + milliseconds(14));
  // The server sees each datagram 50 ms after it was sent...
  REQUIRE(rig.server.rx.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(rig.server.rx[i].at == rig.client.send_times[i] + milliseconds(50));
    CHECK(rig.server.rx[i].from == sa4(192, 0, 2, 1, 4000));
    CHECK(rig.server.rx[i].to == kServer);
  }
  // ...and the client its echo 55 ms after.
  REQUIRE(rig.client.rx.size() == 3);
  CHECK(rig.client.rx[1].at == rig.client.send_times[1] + milliseconds(55));
  CHECK(rig.client.rx[1].from == kServer);
  CHECK(rig.sim.now() == kTestEpoch + seconds(1));
}

TEST_CASE("jitter stays within its bound; FIFO links keep order despite jitter") {
  EchoRig rig(7, 500, milliseconds(1));
  LinkConfig& up = rig.sim.uplink(rig.client_host).config();
  up.latency = milliseconds(10);
  up.jitter = milliseconds(5);
  up.jitter_reorders = false;
  rig.sim.run_for(seconds(2));
  REQUIRE(rig.server.rx.size() == 500);
  bool some_jitter = false;
  for (size_t i = 0; i < 500; ++i) {
    const Received& r = rig.server.rx[i];
    CHECK(r.seq() == i);  // in order
    const Duration d = r.at - rig.client.send_times[r.seq()];
    CHECK(d >= milliseconds(10));
    CHECK(d <= milliseconds(15));
    if (d != milliseconds(10)) some_jitter = true;
  }
  CHECK(some_jitter);
}

TEST_CASE("Bernoulli loss: the fraction matches for a fixed seed, and the seed fixes the trace") {
  const uint64_t seed = test_seed(1234);
  INFO(seed_info(seed));
  auto run = [](uint64_t s) {
    EchoRig rig(s, 10'000, milliseconds(1));
    rig.sim.uplink(rig.client_host).config().loss = 0.3;
    rig.sim.run_for(seconds(20));
    return std::make_pair(rig.sim.trace_digest(), rig.sim.uplink(rig.client_host).stats());
  };
  const auto [digest, stats] = run(seed);
  INFO("delivered " << stats.delivered << " lost " << stats.lost);
  CHECK(stats.offered == 10'000);
  CHECK(stats.delivered + stats.lost == 10'000);
  const double loss = double(stats.lost) / 10'000;
  CHECK(loss == Approx(0.3).margin(0.02));

  const auto [digest2, stats2] = run(seed);
  CHECK(digest2 == digest);
  CHECK(stats2.lost == stats.lost);
  const auto [digest3, stats3] = run(seed + 1);
  CHECK(digest3 != digest);
}

TEST_CASE("the same seed gives the identical trace record by record") {
  auto run = [](uint64_t s) {
    EchoRig rig(s, 200, milliseconds(3), 100, /*record=*/true);
    LinkConfig& up = rig.sim.uplink(rig.client_host).config();
    up.loss = 0.1;
    up.jitter = milliseconds(8);
    up.duplicate = 0.05;
    up.reorder = 0.05;
    rig.sim.run_for(seconds(5));
    return rig.sim.trace();
  };
  const auto a = run(99), b = run(99), c = run(100);
  CHECK(a.size() > 300);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Gilbert-Elliott loss comes in bursts at its stationary rate") {
  EchoRig rig(test_seed(5), 20'000, milliseconds(1));
  INFO(seed_info(rig.sim.seed()));
  // P(bad) = 0.05 / (0.05 + 0.25) = 1/6; mean burst 1 / 0.25 = 4 datagrams.
  rig.sim.uplink(rig.client_host).config().burst = GilbertElliott{0.05, 0.25, 0.0, 1.0};
  rig.sim.run_for(seconds(30));
  std::vector<bool> got(20'000, false);
  for (const Received& r : rig.server.rx) got[r.seq()] = true;
  size_t lost = 0, bursts = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i]) {
      ++lost;
      if (i == 0 || got[i - 1]) ++bursts;
    }
  }
  const double rate = double(lost) / 20'000;
  const double mean_burst = double(lost) / double(bursts);
  INFO("loss " << rate << " mean burst " << mean_burst);
  CHECK(rate == Approx(1.0 / 6).margin(0.03));
  CHECK(mean_burst == Approx(4.0).margin(0.6));  // Bernoulli at this rate: 1.2
}

TEST_CASE("duplication delivers a second copy, counted") {
  SECTION("always") {
    EchoRig rig(3, 50, milliseconds(10));
    rig.sim.uplink(rig.client_host).config().duplicate = 1.0;
    rig.sim.uplink(rig.client_host).config().duplicate_delay = milliseconds(1);
    rig.sim.run_for(seconds(1));
    CHECK(rig.server.rx.size() == 100);
    CHECK(rig.sim.uplink(rig.client_host).stats().duplicated == 50);
    CHECK(rig.server.rx[0].seq() == 0);
    CHECK(rig.server.rx[1].seq() == 0);
    CHECK(rig.server.rx[1].at - rig.server.rx[0].at == milliseconds(1));
  }
  SECTION("sometimes") {
    EchoRig rig(3, 5'000, milliseconds(1));
    rig.sim.uplink(rig.client_host).config().duplicate = 0.2;
    rig.sim.run_for(seconds(6));
    const auto dups = rig.sim.uplink(rig.client_host).stats().duplicated;
    CHECK(rig.server.rx.size() == 5'000 + dups);
    CHECK(double(dups) / 5'000 == Approx(0.2).margin(0.02));
  }
}

TEST_CASE("reordering holds a fraction back so later datagrams overtake it") {
  EchoRig rig(11, 2'000, milliseconds(1));
  LinkConfig& up = rig.sim.uplink(rig.client_host).config();
  up.latency = milliseconds(5);
  up.reorder = 0.1;
  up.reorder_delay = milliseconds(20);
  rig.sim.run_for(seconds(3));
  REQUIRE(rig.server.rx.size() == 2'000);
  size_t out_of_order = 0;
  uint32_t highest = 0;
  for (const Received& r : rig.server.rx) {
    if (r.seq() < highest) ++out_of_order; else highest = r.seq();
  }
  const auto held = rig.sim.uplink(rig.client_host).stats().reordered;
  // 20 ms at 1 ms spacing: each held datagram is overtaken, except near the end.
  CHECK(out_of_order <= held);
  CHECK(out_of_order + 20 >= held);
  CHECK(out_of_order > 0);
  CHECK(double(held) / 2'000 == Approx(0.1).margin(0.02));
}

TEST_CASE("MTU: datagrams whose IP packet exceeds it are dropped and counted") {
  Simulator sim(SimConfig{.seed = 1});
  Recorder a, b;
  const NodeId ha = sim.add_host({ip4(192, 0, 2, 1), *IpAddress::parse("2001:db8::1")});
  const NodeId hb = sim.add_host({ip4(192, 0, 2, 2), *IpAddress::parse("2001:db8::2")});
  const EndpointId ea = sim.attach(ha, a, 1000);
  sim.attach(hb, b, 2000);
  sim.uplink(ha).config().mtu = 1200;
  const SocketAddress b4 = sa4(192, 0, 2, 2, 2000);
  const SocketAddress b6(*IpAddress::parse("2001:db8::2"), 2000);
  a.send(b4, std::vector<uint8_t>(1200 - 28, 1));  // IPv4 + UDP = 28: fits exactly
  a.send(b4, std::vector<uint8_t>(1200 - 27, 2));  // one byte over
  a.send(b6, std::vector<uint8_t>(1200 - 48, 3));  // IPv6 + UDP = 48: fits
  a.send(b6, std::vector<uint8_t>(1200 - 47, 4));
  sim.wake(ea);
  sim.run_for(seconds(1));
  REQUIRE(b.rx.size() == 2);
  CHECK(b.rx[0].data[0] == 1);
  CHECK(b.rx[1].data[0] == 3);
  CHECK(b.rx[1].from == SocketAddress(*IpAddress::parse("2001:db8::1"), 1000));
  CHECK(sim.uplink(ha).stats().too_big == 2);
  CHECK(sim.stats().drops(DropReason::too_big) == 2);
}

TEST_CASE("rate limit serializes at the configured rate and tail-drops past the queue") {
  Simulator sim(SimConfig{.seed = 1});
  Recorder a, b;
  const NodeId ha = sim.add_host({ip4(192, 0, 2, 1)});
  sim.attach({ip4(192, 0, 2, 2)}, b);
  const EndpointId ea = sim.attach(ha, a);
  LinkConfig& up = sim.uplink(ha).config();
  up.rate = 100'000;        // bytes/s: a 1000-byte packet takes 10 ms
  up.queue_bytes = 10'000;  // room for 10 of them
  for (uint32_t i = 0; i < 100; ++i) a.send_seq(sa4(192, 0, 2, 2, 9), i, 1000 - 28);
  sim.wake(ea);
  sim.run_for(seconds(2));
  REQUIRE(b.rx.size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    CHECK(b.rx[i].seq() == i);
    CHECK(b.rx[i].at == kTestEpoch + milliseconds(10) * (i + 1));
  }
  CHECK(sim.uplink(ha).stats().queue_dropped == 90);
  CHECK(sim.stats().drops(DropReason::queue_full) == 90);

  // Once the queue has drained, the link accepts again.
  a.send_seq(sa4(192, 0, 2, 2, 9), 100, 1000 - 28);
  sim.wake(ea);
  const Instant sent = sim.now();
  sim.run_for(seconds(1));
  REQUIRE(b.rx.size() == 11);
  CHECK(b.rx[10].at == sent + milliseconds(10));
}

TEST_CASE("a down link loses everything; in-flight cap bounds memory") {
  SECTION("down") {
    EchoRig rig(1, 10, milliseconds(1));
    rig.sim.downlink(rig.server_host).config().down = true;
    rig.sim.run_for(seconds(1));
    CHECK(rig.server.rx.empty());
    CHECK(rig.sim.stats().drops(DropReason::link_down) == 10);
  }
  SECTION("cap") {
    Simulator sim(SimConfig{.seed = 1, .max_in_flight = 5});
    Recorder a, b;
    const NodeId ha = sim.add_host({ip4(192, 0, 2, 1)});
    sim.attach({ip4(192, 0, 2, 2)}, b);
    const EndpointId ea = sim.attach(ha, a);
    sim.uplink(ha).config().latency = seconds(1);
    for (uint32_t i = 0; i < 10; ++i) a.send_seq(sa4(192, 0, 2, 2, 9), i);
    sim.wake(ea);
    CHECK(sim.in_flight() == 5);
    sim.run_for(seconds(2));
    CHECK(b.rx.size() == 5);
    CHECK(sim.stats().drops(DropReason::in_flight_cap) == 5);
    CHECK(sim.stats().max_in_flight_seen == 5);
  }
}
