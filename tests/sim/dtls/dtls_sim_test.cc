// Our DTLS client against our server through the network simulator: loss
// from 0 to 30 %, reordering, duplication, a 576-byte path MTU, and loss-mask
// sweeps dropping each handshake datagram in turn in both directions.
#include "support/sim/simulator.h"
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const SocketAddress kClientAddr(IpAddress::v4(198, 51, 100, 1), 5000);
const SocketAddress kServerAddr(IpAddress::v4(203, 0, 113, 1), 5001);

// dtls::Connection as a simulator endpoint (it knows no addresses).
class DtlsEndpoint final : public sim::Endpoint {
 public:
  DtlsEndpoint(Connection& c, SocketAddress peer) : c_(c), peer_(peer) {}
  void handle_datagram(Instant now, const sansrtc::Datagram& d) override { c_.handle_datagram(now, d.payload); }
  void handle_timeout(Instant now) override { c_.handle_timeout(now); }
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    auto n = c_.poll_transmit(buf);
    if (!n) return std::nullopt;
    Transmit t;
    t.destination = peer_;
    t.size = *n;
    return t;
  }
  std::optional<Instant> poll_timeout() override { return c_.poll_timeout(); }

 private:
  Connection& c_;
  SocketAddress peer_;
};

struct Ids {
  SeededRng rng{77};
  std::unique_ptr<Identity> a = make_identity(rng, "a");
  std::unique_ptr<Identity> b = make_identity(rng, "b");
};
Ids& ids() {
  static Ids i;
  return i;
}

struct Scenario {
  sim::LinkConfig link;
  size_t dtls_mtu = 1200;
  Duration initial_rto = seconds(1);
  std::function<bool(const sim::SentDatagram&)> filter;
};

struct Outcome {
  bool connected = false;
  bool keys_equal = false;
  Duration elapsed{};
  std::string summary;
};

Outcome run(uint64_t seed, const Scenario& s) {
  sim::SimConfig sc;
  sc.seed = seed;
  sc.default_link = s.link;
  sim::Simulator simulator(sc);
  SeededRng rng_c(simulator.machine_seed(1)), rng_s(simulator.machine_seed(2));
  Config cc = make_config(Role::client, *ids().a, *ids().b);
  Config scfg = make_config(Role::server, *ids().b, *ids().a);
  for (Config* c : {&cc, &scfg}) {
    c->mtu = s.dtls_mtu;
    c->initial_rto = s.initial_rto;
    c->handshake_timeout = seconds(300);
  }
  Connection client(cc, rng_c), server(scfg, rng_s);
  DtlsEndpoint ce(client, kServerAddr), se(server, kClientAddr);
  auto sid = simulator.attach({kServerAddr.ip()}, se, sim::Simulator::internet(), kServerAddr.port());
  REQUIRE(server.start(simulator.now()).ok());
  simulator.wake(sid);
  auto cid = simulator.attach({kClientAddr.ip()}, ce, sim::Simulator::internet(), kClientAddr.port());
  REQUIRE(client.start(simulator.now()).ok());
  simulator.wake(cid);
  if (s.filter) simulator.set_send_filter(s.filter);
  const Instant start = simulator.now();
  auto done = [&] {
    return client.state() == TransportState::connected && server.state() == TransportState::connected;
  };
  Outcome o;
  // Run until connected, then a little longer so that the server's last
  // flight, if lost, is recovered and nothing misbehaves afterwards.
  o.connected = simulator.run_for(done, seconds(290));
  o.elapsed = simulator.now() - start;
  simulator.run_for(seconds(5));
  o.connected = o.connected && done();
  auto ck = drain(client).keys, sk = drain(server).keys;
  o.keys_equal = ck.size() == 1 && sk.size() == 1 &&
                 bytes_equal(ck[0].client_write_key.expose(), sk[0].client_write_key.expose()) &&
                 bytes_equal(ck[0].server_write_salt.expose(), sk[0].server_write_salt.expose());
  o.summary = simulator.summary();
  return o;
}

}  // namespace

TEST_CASE("handshake over a lossy link: 0, 10, 20 and 30 % loss, 25 seeds each") {
  for (double loss : {0.0, 0.1, 0.2, 0.3}) {
    int ok = 0;
    for (uint64_t seed = 1; seed <= 25; ++seed) {
      Scenario s;
      s.link.latency = milliseconds(20);
      s.link.jitter = milliseconds(5);
      // A datagram crosses two links (sender's uplink, receiver's downlink):
      // split the loss so that `loss` is the end-to-end probability.
      s.link.loss = 1.0 - std::sqrt(1.0 - loss);
      auto o = run(seed, s);
      INFO("loss " << loss << " " << o.summary);
      CHECK(o.connected);
      CHECK(o.keys_equal);
      if (loss == 0.0) CHECK(o.elapsed < milliseconds(300));  // two round trips, no timer
      ok += o.connected;
    }
    CHECK(ok == 25);
  }
}

TEST_CASE("handshake with reordering, duplication and jitter") {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    Scenario s;
    s.link.latency = milliseconds(30);
    s.link.jitter = milliseconds(40);
    s.link.reorder = 0.3;
    s.link.reorder_delay = milliseconds(50);
    s.link.duplicate = 0.3;
    s.link.duplicate_delay = milliseconds(10);
    auto o = run(seed, s);
    INFO(o.summary);
    CHECK(o.connected);
    CHECK(o.keys_equal);
  }
}

TEST_CASE("handshake over a 576-byte path MTU with loss: flights fragmented to fit") {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    Scenario s;
    s.link.latency = milliseconds(10);
    s.link.mtu = 576;
    s.link.loss = 1.0 - std::sqrt(1.0 - 0.1);
    s.dtls_mtu = 576 - 28;  // IPv4 + UDP headers
    auto o = run(seed, s);
    INFO(o.summary);
    CHECK(o.connected);
    CHECK(o.keys_equal);
  }
}

TEST_CASE("loss-mask sweep: dropping each handshake datagram in turn, both directions") {
  for (size_t mtu : {size_t(1200), size_t(300)}) {
    // Count the datagrams of a clean handshake per direction first.
    uint64_t sent[2] = {0, 0};
    {
      Scenario s;
      s.link.latency = milliseconds(10);
      s.dtls_mtu = mtu;
      s.filter = [&](const sim::SentDatagram& d) {
        ++sent[d.source.port() == kClientAddr.port() ? 0 : 1];
        return true;
      };
      REQUIRE(run(1, s).connected);
    }
    for (int dir = 0; dir < 2; ++dir) {
      for (uint64_t i = 0; i < sent[dir]; ++i) {
        Scenario s;
        s.link.latency = milliseconds(10);
        s.dtls_mtu = mtu;
        s.filter = [&, dir, i](const sim::SentDatagram& d) {
          const int from = d.source.port() == kClientAddr.port() ? 0 : 1;
          return !(from == dir && d.index == i);
        };
        auto o = run(1, s);
        INFO("mtu " << mtu << (dir == 0 ? " client" : " server") << " datagram " << i << " dropped; "
                    << o.summary);
        CHECK(o.connected);
        CHECK(o.keys_equal);
        // One loss costs at most one initial timeout (1 s) plus round trips.
        CHECK(o.elapsed < milliseconds(1500));
      }
    }
  }
}

TEST_CASE("loss-mask sweep: dropping every pair of the first datagrams") {
  for (uint64_t i = 0; i < 8; ++i) {
    for (uint64_t j = i + 1; j < 8; ++j) {
      Scenario s;
      s.link.latency = milliseconds(10);
      s.dtls_mtu = 400;
      uint64_t global = 0;
      s.filter = [&, i, j](const sim::SentDatagram&) {
        uint64_t k = global++;
        return k != i && k != j;
      };
      auto o = run(3, s);
      INFO("dropped global datagrams " << i << " and " << j << "; " << o.summary);
      CHECK(o.connected);
      CHECK(o.keys_equal);
    }
  }
}
