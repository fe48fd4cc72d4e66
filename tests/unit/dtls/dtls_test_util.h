// Shared helpers for the DTLS tests (unit, sim, oracle): identities,
// configurations and an in-memory two-peer driver.
#pragma once

#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "dtls/connection.h"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace sansrtc::dtls::test {

struct Identity {
  crypto::EcdsaP256Key key;
  crypto::Certificate cert;
};

inline std::unique_ptr<Identity> make_identity(Rng& rng, const char* cn = "sansrtc") {
  auto id = std::make_unique<Identity>();
  auto key = crypto::EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  id->key = std::move(key.value());
  auto cert = crypto::Certificate::self_signed(id->key, rng, cn, 1700000000, 30);
  REQUIRE(cert.ok());
  id->cert = std::move(cert.value());
  return id;
}

inline Config make_config(Role role, const Identity& self, const Identity& peer) {
  Config c;
  c.role = role;
  c.certificate = &self.cert;
  c.private_key = &self.key;
  (void)c.remote_fingerprints.push_back(peer.cert.fingerprint(crypto::HashAlg::sha256));
  return c;
}

using Datagram = std::vector<uint8_t>;
// Decides the fate of one datagram: return false to drop it.
using Filter = std::function<bool(bool from_client, size_t index, Datagram&)>;

// Drives a client and a server over a perfect (or filtered) in-memory link.
struct Pair {
  Connection& client;
  Connection& server;
  Instant now = kTestEpoch;
  Filter filter;
  size_t sent[2] = {0, 0};
  std::vector<Datagram> to_server, to_client;
  size_t timeouts = 0;

  void collect(Connection& from, bool from_client) {
    uint8_t buf[2048];
    while (auto n = from.poll_transmit(MutBytes(buf, sizeof(buf)))) {
      Datagram d(buf, buf + *n);
      size_t idx = sent[from_client ? 0 : 1]++;
      if (filter && !filter(from_client, idx, d)) continue;
      (from_client ? to_server : to_client).push_back(std::move(d));
    }
  }
  // Delivers until nothing is in flight. Returns datagrams delivered.
  size_t exchange() {
    size_t delivered = 0;
    for (int round = 0; round < 1000; ++round) {
      collect(client, true);
      collect(server, false);
      if (to_server.empty() && to_client.empty()) break;
      auto ts = std::move(to_server);
      auto tc = std::move(to_client);
      to_server.clear();
      to_client.clear();
      for (auto& d : ts) server.handle_datagram(now, d), ++delivered;
      for (auto& d : tc) client.handle_datagram(now, d), ++delivered;
    }
    return delivered;
  }
  static bool settled(const Connection& c) {
    return c.state() == TransportState::connected || c.state() == TransportState::failed ||
           c.state() == TransportState::closed;
  }
  // Runs until both are settled or `limit` of virtual time passed.
  void drive(Duration limit = std::chrono::seconds(120)) {
    Instant end = now + limit;
    while (true) {
      exchange();
      if (settled(client) && settled(server) && !client.poll_timeout() && !server.poll_timeout()) break;
      auto t = earliest(client.poll_timeout(), server.poll_timeout());
      if (!t || *t > end) break;
      if (*t > now) now = *t;
      client.handle_timeout(now);
      server.handle_timeout(now);
      ++timeouts;
    }
  }
};

// Starts both ends, runs the handshake over a perfect link and requires
// both connected.
inline void handshake(Pair& p) {
  REQUIRE(p.server.start(p.now).ok());
  REQUIRE(p.client.start(p.now).ok());
  p.drive();
  REQUIRE(p.client.state() == TransportState::connected);
  REQUIRE(p.server.state() == TransportState::connected);
}

struct Events {
  std::vector<TransportState> states;
  std::vector<SrtpKeyingMaterial> keys;
  std::vector<std::vector<uint8_t>> data;
  std::vector<Event> errors;
};
inline Events drain(Connection& c) {
  Events e;
  while (auto ev = c.poll_event()) {
    switch (ev->kind) {
      case EventKind::state_changed: e.states.push_back(ev->state); break;
      case EventKind::srtp_keys: e.keys.push_back(*ev->srtp); break;
      case EventKind::application_data: e.data.emplace_back(ev->data.begin(), ev->data.end()); break;
      case EventKind::error: e.errors.push_back(*ev); break;
    }
  }
  return e;
}

}  // namespace sansrtc::dtls::test
