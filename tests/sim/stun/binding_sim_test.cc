// STUN Binding transactions (lib/stun ClientTransaction) through the network
// simulator: a client behind a NAT asks a Binding responder on the internet
// for its public address.
//
// RFC 8489 §6.2.1: "For example, assuming an RTO of 500 ms, requests would
// be sent at times 0 ms, 500 ms, 1500 ms, 3500 ms, 7500 ms, 15500 ms, and
// 31500 ms. If the client has not received a response after 39500 ms, the
// client will consider the transaction to have timed out."
#include "stun/client_transaction.h"
#include "stun/message.h"
#include "stun/message_builder.h"
#include "support/sim/machine.h"
#include "support/sim/simulator.h"
#if SIM_STUN_HAVE_BINDING_SERVER
#include "stun/binding_server.h"
#endif

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sim;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// RFC 8489 §6.2.1 with RTO = 500 ms, Rc = 7, Rm = 16.
const std::vector<Duration> kSchedule = {
    milliseconds(0),    milliseconds(500),   milliseconds(1500), milliseconds(3500),
    milliseconds(7500), milliseconds(15500), milliseconds(31500)};
const Duration kTimeout = milliseconds(39500);

const SocketAddress kClientPrivate(IpAddress::v4(192, 168, 1, 2), 5000);
const IpAddress kNatIp = IpAddress::v4(203, 0, 113, 7);
const SocketAddress kServer(IpAddress::v4(198, 51, 100, 1), 3478);

#if SIM_STUN_HAVE_BINDING_SERVER
// lib/stun's own responder, driven through the generic adapter.
class BindingResponder final : public Endpoint {
 public:
  void handle_datagram(Instant now, const Datagram& d) override {
    const uint64_t before = server_.stats().success_sent + server_.pending();
    ep_.handle_datagram(now, d);
    if (server_.stats().success_sent + server_.pending() > before) ++requests;
  }
  void handle_timeout(Instant now) override { ep_.handle_timeout(now); }
  std::optional<Transmit> poll_transmit(MutBytes buf) override { return ep_.poll_transmit(buf); }
  std::optional<Instant> poll_timeout() override { return ep_.poll_timeout(); }
  int requests = 0;

 private:
  stun::BindingServer server_;
  MachineEndpoint<stun::BindingServer> ep_{server_};
};
#else
// A Binding responder: answers every Binding request with a success
// response carrying XOR-MAPPED-ADDRESS = the request's source (RFC 8489 §6.3.1.1).
class BindingResponder final : public Endpoint {
 public:
  void handle_datagram(Instant, const Datagram& d) override {
    stun::MessageView req;
    if (req.parse(d.payload) != stun::ParseError::none || !req.is_request() ||
        req.method() != stun::Method::binding) {
      ++ignored;
      return;
    }
    Out o{d.destination, d.source, {}};
    o.bytes.resize(stun::kMaxMessageSize);
    stun::MessageBuilder b(o.bytes, {stun::Method::binding, stun::MessageClass::success_response},
                           req.transaction_id());
    b.add_xor_mapped_address(d.source);
    b.add_fingerprint();
    Result<size_t> n = b.finish();
    REQUIRE(n.ok());
    o.bytes.resize(*n);
    out_.push_back(std::move(o));
    ++requests;
  }
  void handle_timeout(Instant) override {}
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    if (out_.empty()) return std::nullopt;
    Out o = std::move(out_.front());
    out_.pop_front();
    std::memcpy(buf.data(), o.bytes.data(), o.bytes.size());
    return Transmit{o.from, o.to, o.bytes.size()};
  }
  std::optional<Instant> poll_timeout() override { return std::nullopt; }

  int requests = 0;
  int ignored = 0;

 private:
  struct Out {
    SocketAddress from, to;
    std::vector<uint8_t> bytes;
  };
  std::deque<Out> out_;
};
#endif

// The client: one ClientTransaction behind the Endpoint adapter.
class BindingClient final : public Endpoint {
 public:
  void start(Instant now, Rng& rng, SocketAddress server) {
    uint8_t buf[stun::kMaxMessageSize];
    stun::MessageBuilder b(MutBytes(buf, sizeof buf),
                           {stun::Method::binding, stun::MessageClass::request},
                           stun::TransactionId::random(rng));
    b.add_fingerprint();
    Result<size_t> n = b.finish();
    REQUIRE(n.ok());
    Result<void> r = tx.start(now, Bytes(buf, *n), server);
    REQUIRE(r.ok());
  }
  void handle_datagram(Instant now, const Datagram& d) override {
    stun::MessageView v;
    if (v.parse(d.payload) != stun::ParseError::none || !tx.matches(v)) return;
    ++responses;
    tx.handle_response(now, v);
    drain(now);
  }
  void handle_timeout(Instant now) override {
    tx.handle_timeout(now);
    drain(now);
  }
  std::optional<Transmit> poll_transmit(MutBytes buf) override { return tx.poll_transmit(buf); }
  std::optional<Instant> poll_timeout() override { return tx.poll_timeout(); }

  void drain(Instant now) {
    while (auto e = tx.poll_event()) {
      event = *e;
      event_at = now;
      if (e->kind == stun::TransactionEvent::Kind::success) {
        stun::MessageView v;
        REQUIRE(v.parse(tx.response()) == stun::ParseError::none);
        mapped = v.xor_mapped_address();
      }
    }
  }

  stun::ClientTransaction tx;
  std::optional<stun::TransactionEvent> event;
  Instant event_at{};
  std::optional<SocketAddress> mapped;
  int responses = 0;
};

// client (192.168.1.2:5000) -- port-restricted NAT 203.0.113.7, random ports --
// internet -- server 198.51.100.1:3478. One-way delay 10 + 20 = 30 ms; loss
// (when set) on the server's links in both directions.
struct Rig {
  explicit Rig(uint64_t seed, double loss = 0.0, bool server_present = true)
      : sim(SimConfig{.seed = seed}), rng(sim.machine_seed(0)) {
    NatConfig nat_cfg = NatConfig::port_restricted_cone();
    nat_cfg.port_allocation = PortAllocation::random;
    nat = sim.add_nat(nat_cfg, {kNatIp});
    client_ep = sim.attach({kClientPrivate.ip()}, client, nat.inside, kClientPrivate.port());
    if (server_present) {
      server_ep = sim.attach({kServer.ip()}, server, Simulator::internet(), kServer.port());
      LinkConfig l;
      l.latency = milliseconds(20);
      l.loss = loss;
      sim.set_links(sim.host_of(*server_ep), l);
    }
    sim.uplink(sim.host_of(client_ep)).config().latency = milliseconds(10);
    sim.downlink(sim.host_of(client_ep)).config().latency = milliseconds(10);
    sim.set_send_filter([this](const SentDatagram& d) {
      if (d.from == client_ep) client_sends.push_back(d.at);
      return true;
    });
  }
  // Starts the transaction at now() and runs until it is done (or 60 s).
  bool run() {
    started = sim.now();
    client.start(started, rng, kServer);
    sim.wake(client_ep);
    return sim.run_for([&] { return client.tx.done(); }, seconds(60));
  }

  Simulator sim;
  SeededRng rng;
  Simulator::NatHandle nat;
  BindingClient client;
  BindingResponder server;
  EndpointId client_ep;
  std::optional<EndpointId> server_ep;
  std::vector<Instant> client_sends;
  Instant started{};
};

bool on_schedule(Instant started, Instant at) {
  return std::find(kSchedule.begin(), kSchedule.end(), at - started) != kSchedule.end();
}

}  // namespace

TEST_CASE("Binding through a NAT without loss: one request, one response, the public address") {
  Rig rig(test_seed(1));
  INFO(seed_info(rig.sim.seed()));
  REQUIRE(rig.run());
  INFO(rig.sim.summary());

  REQUIRE(rig.client.event);
  CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::success);
  CHECK(rig.client.tx.transmissions() == 1);
  CHECK(rig.client_sends.size() == 1);
  CHECK(rig.server.requests == 1);
  CHECK(rig.client.responses == 1);
  CHECK(rig.sim.stats().dropped == 0);
  // 30 ms there, 30 ms back.
  CHECK(rig.client.event_at == rig.started + milliseconds(60));
  REQUIRE(rig.client.event->rtt);
  CHECK(*rig.client.event->rtt == milliseconds(60));

  // XOR-MAPPED-ADDRESS is the NAT's mapping for the client, not its private address.
  const auto mapping = rig.sim.nat(rig.nat.node).mapping_for(rig.sim.now(), kClientPrivate, kServer);
  REQUIRE(mapping);
  REQUIRE(rig.client.mapped);
  CHECK(*rig.client.mapped == *mapping);
  CHECK(rig.client.mapped->ip() == kNatIp);
  CHECK(*rig.client.mapped != kClientPrivate);
}

TEST_CASE("Binding to an unreachable server: RFC 8489 §6.2.1 schedule, timeout at 39.5 s") {
  SECTION("no host at the address") {
    Rig rig(test_seed(1), 0.0, /*server_present=*/false);
    REQUIRE(rig.run());
    INFO(rig.sim.summary());
    REQUIRE(rig.client_sends.size() == kSchedule.size());
    for (size_t i = 0; i < kSchedule.size(); ++i) {
      CHECK(rig.client_sends[i] - rig.started == kSchedule[i]);
    }
    REQUIRE(rig.client.event);
    CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::timeout);
    CHECK(rig.client.event->error.code == Errc::timeout);
    CHECK(std::strlen(rig.client.event->error.message) > 0);
    CHECK(rig.client.event->transmissions == 7);
    CHECK(rig.client.event_at - rig.started == kTimeout);
    CHECK(rig.sim.now() - rig.started == kTimeout);
    CHECK(rig.client.tx.state() == stun::TransactionState::timed_out);
    CHECK(rig.sim.stats().drops(DropReason::no_route) == 7);
    // Nothing more is sent after the timeout.
    rig.sim.run_for(seconds(60));
    CHECK(rig.client_sends.size() == 7);
  }
  SECTION("the server's link is down") {
    Rig rig(test_seed(2));
    rig.sim.downlink(rig.sim.host_of(*rig.server_ep)).config().down = true;
    REQUIRE(rig.run());
    REQUIRE(rig.client_sends.size() == kSchedule.size());
    for (size_t i = 0; i < kSchedule.size(); ++i) {
      CHECK(rig.client_sends[i] - rig.started == kSchedule[i]);
    }
    CHECK(rig.client.event_at - rig.started == kTimeout);
    CHECK(rig.server.requests == 0);
  }
}

TEST_CASE("Binding under 0/10/30/50 % loss over many seeds: on schedule, success or timeout") {
  const std::vector<uint64_t> seeds = test_seeds(200, 1);
  for (double loss : {0.0, 0.1, 0.3, 0.5}) {
    size_t successes = 0, timeouts = 0, total_transmissions = 0;
    for (uint64_t seed : seeds) {
      Rig rig(seed, loss);
      INFO("loss " << loss << " " << seed_info(seed));
      REQUIRE(rig.run());
      INFO(rig.sim.summary());
      REQUIRE(rig.client.event);
      // Every transmission happens at one of the §6.2.1 instants, in order.
      REQUIRE(!rig.client_sends.empty());
      REQUIRE(rig.client_sends.size() <= kSchedule.size());
      for (size_t i = 0; i < rig.client_sends.size(); ++i) {
        CHECK(rig.client_sends[i] - rig.started == kSchedule[i]);
      }
      total_transmissions += rig.client_sends.size();
      if (rig.client.event->kind == stun::TransactionEvent::Kind::success) {
        ++successes;
        CHECK(rig.client.event_at - rig.started < kTimeout);
        // The answer to transmission k arrives 60 ms after it.
        CHECK(on_schedule(rig.started, rig.client.event_at - milliseconds(60)));
        REQUIRE(rig.client.mapped);
        CHECK(rig.client.mapped->ip() == kNatIp);
        // Karn: an RTT only when the request went out once.
        CHECK(rig.client.event->rtt.has_value() == (rig.client.event->transmissions == 1));
      } else {
        ++timeouts;
        CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::timeout);
        CHECK(rig.client.event_at - rig.started == kTimeout);
        CHECK(rig.client_sends.size() == kSchedule.size());
      }
      if (loss == 0.0) CHECK(rig.client_sends.size() == 1);
    }
    CHECK(successes + timeouts == seeds.size());
    char line[160];
    std::snprintf(line, sizeof line,
                  "STUN Binding, loss %2.0f%% each way: %zu/%zu succeeded (%.1f%%), "
                  "%.2f transmissions per transaction",
                  loss * 100, successes, seeds.size(), 100.0 * successes / seeds.size(),
                  double(total_transmissions) / seeds.size());
    INFO(line);
    std::printf("%s\n", line);
  }
}

TEST_CASE("Binding loss masks: losing the first k requests delays success to transmission k+1") {
  for (size_t k = 0; k < kSchedule.size(); ++k) {
    INFO("first " << k << " requests lost");
    Rig rig(test_seed(1));
    rig.sim.set_send_filter([&](const SentDatagram& d) {
      if (d.from != rig.client_ep) return true;
      rig.client_sends.push_back(d.at);
      return d.index >= k;
    });
    REQUIRE(rig.run());
    REQUIRE(rig.client.event);
    CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::success);
    CHECK(rig.client.event->transmissions == k + 1);
    CHECK(rig.client.event_at - rig.started == kSchedule[k] + milliseconds(60));
    CHECK(rig.client.event->rtt.has_value() == (k == 0));
    CHECK(rig.sim.stats().drops(DropReason::test_filter) == k);
  }
  SECTION("all seven lost: timeout") {
    Rig rig(test_seed(1));
    rig.sim.set_send_filter([&](const SentDatagram& d) { return d.from != rig.client_ep; });
    REQUIRE(rig.run());
    CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::timeout);
    CHECK(rig.client.event_at - rig.started == kTimeout);
  }
}

TEST_CASE("Binding loss masks: a lost response is recovered by the next retransmission") {
  for (size_t k = 0; k + 1 < kSchedule.size(); ++k) {
    INFO("first " << k + 1 << " responses lost");
    Rig rig(test_seed(1));
    rig.sim.set_send_filter([&](const SentDatagram& d) {
      return d.from == rig.client_ep || d.index > k;  // the server's first k+1 answers vanish
    });
    REQUIRE(rig.run());
    REQUIRE(rig.client.event);
    CHECK(rig.client.event->kind == stun::TransactionEvent::Kind::success);
    CHECK(rig.client.event->transmissions == k + 2);
    CHECK(rig.server.requests == int(k + 2));
    CHECK(rig.client.event_at - rig.started == kSchedule[k + 1] + milliseconds(60));
  }
}
