// What a hostile or broken peer can do to a Connection: each case ends in the
// right alert, event or silent drop — never a crash or unbounded memory.
#include "unit/dtls/dtls_test_util.h"

#include "dtls/record_layer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;

namespace {
struct World {
  SeededRng rng{7};
  std::unique_ptr<Identity> alice = make_identity(rng, "alice");
  std::unique_ptr<Identity> bob = make_identity(rng, "bob");
  std::unique_ptr<Identity> mallory = make_identity(rng, "mallory");
};
World& world() {
  static World w;
  return w;
}

struct Setup {
  SeededRng rng{99};
  Config cc, sc;
  std::unique_ptr<Connection> client, server;
  std::unique_ptr<Pair> pair;
  explicit Setup(const Identity& client_id, const Identity& server_id, const Identity& client_expects,
                 const Identity& server_expects) {
    cc = make_config(Role::client, client_id, client_expects);
    sc = make_config(Role::server, server_id, server_expects);
  }
  void start() {
    client = std::make_unique<Connection>(cc, rng);
    server = std::make_unique<Connection>(sc, rng);
    REQUIRE(server->start(kTestEpoch).ok());
    REQUIRE(client->start(kTestEpoch).ok());
    pair = std::make_unique<Pair>(Pair{*client, *server});
  }
};

std::optional<AlertDescription> last_alert(const Events& e) {
  if (e.errors.empty()) return std::nullopt;
  return e.errors.back().alert;
}
}  // namespace

TEST_CASE("the server presents a certificate other than the fingerprinted one: bad_certificate") {
  auto& w = world();
  // The client expects bob, but the server is mallory.
  Setup s(*w.alice, *w.mallory, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  CHECK(s.client->state() == TransportState::failed);
  auto ce = drain(*s.client);
  CHECK(last_alert(ce) == AlertDescription::bad_certificate);
  CHECK_FALSE(ce.errors.back().alert_from_peer);
  CHECK(ce.errors.back().error.code == Errc::auth_failed);
  // The server hears the alert and fails too.
  CHECK(s.server->state() == TransportState::failed);
  auto se = drain(*s.server);
  CHECK(last_alert(se) == AlertDescription::bad_certificate);
  CHECK(se.errors.back().alert_from_peer);
  CHECK(se.keys.empty());
  CHECK(ce.keys.empty());
}

TEST_CASE("the client presents an unexpected certificate: the server answers bad_certificate") {
  auto& w = world();
  Setup s(*w.mallory, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  CHECK(s.server->state() == TransportState::failed);
  CHECK(last_alert(drain(*s.server)) == AlertDescription::bad_certificate);
  CHECK(s.client->state() == TransportState::failed);
}

TEST_CASE("fingerprints in other hash forms (sha-1/384/512) are accepted") {
  auto& w = world();
  for (auto alg : {crypto::HashAlg::sha1, crypto::HashAlg::sha384, crypto::HashAlg::sha512}) {
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.cc.remote_fingerprints.clear();
    (void)s.cc.remote_fingerprints.push_back(w.bob->cert.fingerprint(alg));
    s.start();
    s.pair->drive();
    CHECK(s.client->state() == TransportState::connected);
  }
}

TEST_CASE("the cookie exchange happens and a cookieless ClientHello flood keeps no state") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  // Capture the client's first ClientHello and replay it 1000 times.
  uint8_t buf[1500];
  auto n = s.client->poll_transmit(MutBytes(buf, sizeof(buf)));
  REQUIRE(n);
  std::vector<uint8_t> hello(buf, buf + *n);
  for (int i = 0; i < 1000; ++i) {
    // Vary the random so each looks like a new client.
    hello[13 + 12 + 2] = uint8_t(i);
    hello[13 + 12 + 3] = uint8_t(i >> 8);
    s.server->handle_datagram(kTestEpoch, hello);
    auto hvr = s.server->poll_transmit(MutBytes(buf, sizeof(buf)));
    REQUIRE(hvr);  // each is answered with a HelloVerifyRequest
    CHECK(buf[13] == 3);
  }
  CHECK(s.server->stats().cookieless_hellos == 1000);
  CHECK(s.server->state() == TransportState::new_);
  CHECK_FALSE(s.server->handshake_state_allocated());
  CHECK_FALSE(s.server->poll_timeout());  // no timers either
  CHECK_FALSE(s.server->poll_event());
  // A hello with a wrong cookie is refused too.
  CHECK(s.server->stats().bad_cookies == 0);
  // The real client still gets through (its first hello was consumed above).
  s.pair->drive();
  CHECK(s.client->state() == TransportState::connected);
  CHECK(s.server->state() == TransportState::connected);
}

TEST_CASE("with cookies disabled the server answers the first ClientHello directly") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.sc.use_cookie = false;
  s.start();
  s.pair->drive();
  CHECK(s.server->state() == TransportState::connected);
  CHECK(s.server->stats().cookieless_hellos == 0);
}

TEST_CASE("a ClientHello fragmented by a small MTU (Chromium's 1.4 KB case) is reassembled") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.cc.mtu = 200;
  s.sc.mtu = 200;
  s.start();
  size_t max_seen = 0;
  s.pair->filter = [&](bool, size_t, const Datagram& d) {
    max_seen = std::max(max_seen, d.size());
    return true;
  };
  s.pair->drive();
  CHECK(s.client->state() == TransportState::connected);
  CHECK(max_seen <= 200);
  CHECK(s.pair->timeouts == 0);
}

TEST_CASE("tampered and replayed application records are dropped and counted") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  REQUIRE(s.server->state() == TransportState::connected);
  drain(*s.server);
  REQUIRE(s.client->send_application_data(s.pair->now, as_bytes("secret")).ok());
  uint8_t buf[1500];
  auto n = s.client->poll_transmit(MutBytes(buf, sizeof(buf)));
  REQUIRE(n);
  std::vector<uint8_t> rec(buf, buf + *n);
  auto bad = rec;
  bad.back() ^= 0x80;
  s.server->handle_datagram(s.pair->now, bad);
  CHECK(s.server->stats().dropped_auth == 1);
  CHECK(drain(*s.server).data.empty());
  s.server->handle_datagram(s.pair->now, rec);
  CHECK(drain(*s.server).data.size() == 1);
  s.server->handle_datagram(s.pair->now, rec);  // replay
  CHECK(s.server->stats().dropped_replay == 1);
  CHECK(drain(*s.server).data.empty());
  CHECK(s.server->state() == TransportState::connected);
  // Epoch 2 and plaintext application data are dropped too.
  auto e2 = rec;
  e2[4] = 2;
  s.server->handle_datagram(s.pair->now, e2);
  CHECK(s.server->stats().dropped_bad_epoch == 1);
  auto plain = rec;
  plain[4] = 0;
  s.server->handle_datagram(s.pair->now, plain);
  CHECK(drain(*s.server).data.empty());
}

TEST_CASE("renegotiation is refused with a no_renegotiation warning, the connection stays up") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  REQUIRE(s.server->state() == TransportState::connected);
  // A HelloRequest (RFC 5246 §7.4.1.1) asks the client to renegotiate.
  uint8_t hr[13 + 12];
  write_record_header(hr, ContentType::handshake, 0, 100, 12);
  write_handshake_header(hr + 13, HandshakeType::hello_request, 0, 50, 0, 0);
  s.client->handle_datagram(s.pair->now, Bytes(hr, sizeof(hr)));
  CHECK(s.client->state() == TransportState::connected);
  uint8_t buf[1500];
  auto n = s.client->poll_transmit(MutBytes(buf, sizeof(buf)));
  REQUIRE(n);  // the no_renegotiation warning alert (encrypted, epoch 1)
  CHECK(buf[0] == 21);
  CHECK(load_be16(buf + 3) == 1);
  s.server->handle_datagram(s.pair->now, Bytes(buf, *n));
  CHECK(s.server->state() == TransportState::connected);
  CHECK(s.server->stats().warning_alerts == 1);
}

TEST_CASE("close_notify closes both sides") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  drain(*s.client);
  drain(*s.server);
  s.client->close(s.pair->now);
  CHECK(s.client->state() == TransportState::closed);
  s.pair->exchange();
  CHECK(s.server->state() == TransportState::closed);
  CHECK(drain(*s.server).states == std::vector<TransportState>{TransportState::closed});
  CHECK(s.client->send_application_data(s.pair->now, as_bytes("x")).error().code == Errc::invalid_state);
}

TEST_CASE("a fatal alert at each step of the handshake fails the receiver") {
  auto& w = world();
  // Deliver k datagrams normally, then a fatal alert from the other side.
  for (int k = 0; k < 6; ++k) {
    for (bool to_client : {true, false}) {
      Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
      s.start();
      size_t delivered = 0;
      bool injected = false;
      s.pair->filter = [&](bool, size_t, const Datagram&) { return delivered++ < size_t(k); };
      s.pair->exchange();
      uint8_t alert[13 + 2];
      write_record_header(alert, ContentType::alert, 0, 500, 2);
      alert[13] = 2;
      alert[14] = uint8_t(AlertDescription::handshake_failure);
      Connection& victim = to_client ? *s.client : *s.server;
      if (victim.state() != TransportState::connected) {
        victim.handle_datagram(s.pair->now, Bytes(alert, sizeof(alert)));
        injected = true;
        CHECK(victim.state() == TransportState::failed);
        auto ev = drain(victim);
        if (victim.state() == TransportState::failed && !ev.errors.empty()) CHECK(ev.errors.back().alert_from_peer);
      }
      (void)injected;
    }
  }
}

TEST_CASE("an unauthenticated epoch-0 alert after the handshake is ignored") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  uint8_t alert[13 + 2];
  write_record_header(alert, ContentType::alert, 0, 500, 2);
  alert[13] = 2;
  alert[14] = uint8_t(AlertDescription::handshake_failure);
  s.client->handle_datagram(s.pair->now, Bytes(alert, sizeof(alert)));
  CHECK(s.client->state() == TransportState::connected);
}

TEST_CASE("truncated, oversized and bogus handshake fragments are dropped, memory stays bounded") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.sc.use_cookie = false;
  s.start();
  // Let the server reach s_wait_certificate (it got the client's hello).
  s.pair->filter = [&](bool from_client, size_t, const Datagram&) { return from_client; };
  s.pair->exchange();
  REQUIRE(s.server->state() == TransportState::connecting);
  const size_t mem_before = s.server->handshake_memory();
  auto send = [&](uint32_t length, uint16_t seq, uint32_t off, uint32_t frag_len, size_t actual) {
    std::vector<uint8_t> d(13 + 12 + actual, 0x55);
    write_record_header(d.data(), ContentType::handshake, 0, 1000 + seq, uint16_t(12 + actual));
    write_handshake_header(d.data() + 13, HandshakeType::certificate, length, seq, off, frag_len);
    s.server->handle_datagram(s.pair->now, d);
  };
  const uint64_t dropped0 = s.server->stats().dropped_fragments;
  send(100, 1, 90, 20, 20);       // offset + length beyond the message: bogus
  send(100, 1, 0, 50, 10);        // fragment_length beyond the record: truncated
  send(1 << 20, 1, 0, 10, 10);    // 1 MiB message: above max_handshake_message_size
  send(100, 500, 0, 10, 10);      // far in the future
  CHECK(s.server->stats().dropped_fragments == dropped0 + 4);
  // Thousands of future fragments cannot grow memory beyond the slots.
  for (uint16_t seq = 1; seq < 2000; ++seq) send(16000, uint16_t(1 + seq % 8), seq % 100, 10, 10);
  CHECK(s.server->handshake_memory() <= mem_before + s.sc.max_buffered_messages * (16000 + 2000 + 12 + 64));
  CHECK(s.server->state() == TransportState::connecting);
}

TEST_CASE("a malformed Certificate fails the handshake with decode_error") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.sc.use_cookie = false;
  s.start();
  s.pair->filter = [&](bool from_client, size_t, const Datagram&) { return from_client; };
  s.pair->exchange();
  std::vector<uint8_t> d(13 + 12 + 5, 0);
  write_record_header(d.data(), ContentType::handshake, 0, 77, 17);
  write_handshake_header(d.data() + 13, HandshakeType::certificate, 5, 1, 0, 5);
  d[25] = 0; d[26] = 0; d[27] = 9;  // list claims 9 bytes, has 2
  s.server->handle_datagram(s.pair->now, d);
  CHECK(s.server->state() == TransportState::failed);
  CHECK(last_alert(drain(*s.server)) == AlertDescription::decode_error);
}

TEST_CASE("a peer without extended master secret is refused") {
  // Hand-built ClientHello without EMS, no cookie exchange.
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.sc.use_cookie = false;
  s.start();
  const uint8_t suite[] = {0xC0, 0x2B};
  const uint8_t profile[] = {0, 1};
  ClientHello ch;
  ch.cipher_suites.raw = Bytes(suite);
  ch.extensions.has_use_srtp = true;
  ch.extensions.srtp_profiles.raw = Bytes(profile);
  std::vector<uint8_t> body(512);
  ByteWriter bw(body);
  write_client_hello(bw, ch);
  std::vector<uint8_t> d(13 + 12 + bw.position());
  write_record_header(d.data(), ContentType::handshake, 0, 0, uint16_t(12 + bw.position()));
  write_handshake_header(d.data() + 13, HandshakeType::client_hello, uint32_t(bw.position()), 0, 0,
                         uint32_t(bw.position()));
  std::memcpy(d.data() + 25, body.data(), bw.position());
  s.server->handle_datagram(kTestEpoch, d);
  CHECK(s.server->state() == TransportState::failed);
  CHECK(last_alert(drain(*s.server)) == AlertDescription::handshake_failure);
}

TEST_CASE("handshake timeout: a silent peer fails the client after back-off") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.cc.handshake_timeout = std::chrono::seconds(20);
  s.start();
  s.pair->filter = [](bool, size_t, const Datagram&) { return false; };  // black hole
  s.pair->drive(std::chrono::seconds(60));
  CHECK(s.client->state() == TransportState::failed);
  auto ce = drain(*s.client);
  REQUIRE_FALSE(ce.errors.empty());
  CHECK(ce.errors.back().error.code == Errc::timeout);
  // 1 + 2 + 4 + 8 s: retransmissions at 1, 3, 7, 15 s before the 20 s deadline.
  CHECK(s.client->stats().retransmissions == 4);
}

TEST_CASE("API misuse returns errors") {
  auto& w = world();
  SeededRng rng(1);
  Config c = make_config(Role::client, *w.alice, *w.bob);
  Connection conn(c, rng);
  CHECK(conn.send_application_data(kTestEpoch, as_bytes("x")).error().code == Errc::invalid_state);
  uint8_t out[16];
  CHECK(conn.export_keying_material("x", out).error().code == Errc::invalid_state);
  REQUIRE(conn.start(kTestEpoch).ok());
  CHECK(conn.start(kTestEpoch).error().code == Errc::invalid_state);
  Config nocert;
  Connection bad(nocert, rng);
  CHECK(bad.start(kTestEpoch).error().code == Errc::invalid_argument);
}

TEST_CASE("a certificate other than the one signed for: fingerprint matches, signatures do not") {
  auto& w = world();
  SECTION("server signs ServerKeyExchange with another key: client sends decrypt_error") {
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.sc.private_key = &w.mallory->key;  // presents bob's certificate, holds mallory's key
    s.start();
    s.pair->drive();
    CHECK(s.client->state() == TransportState::failed);
    auto ce = drain(*s.client);
    CHECK(last_alert(ce) == AlertDescription::decrypt_error);
    CHECK(ce.errors.back().error.code == Errc::auth_failed);
    CHECK(ce.keys.empty());
  }
  SECTION("client signs CertificateVerify with another key: server sends decrypt_error") {
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.cc.private_key = &w.mallory->key;
    s.start();
    s.pair->drive();
    CHECK(s.server->state() == TransportState::failed);
    CHECK(last_alert(drain(*s.server)) == AlertDescription::decrypt_error);
    CHECK(drain(*s.client).keys.empty());  // keys are announced only after both Finished
    CHECK(s.client->state() == TransportState::failed);
  }
}

TEST_CASE("an empty application data record is carried (found by fuzzing: no memmove from null)") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  drain(*s.server);
  REQUIRE(s.client->send_application_data(s.pair->now, {}).ok());
  s.pair->exchange();
  auto d = drain(*s.server).data;
  REQUIRE(d.size() == 1);
  CHECK(d[0].empty());
}

TEST_CASE("a tampered handshake message fails the handshake (signature / Finished check)") {
  auto& w = world();
  SECTION("ServerHello.random changed in flight: the ServerKeyExchange signature fails") {
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.start();
    s.pair->filter = [](bool from_client, size_t index, Datagram& d) {
      if (!from_client && index == 1) d[13 + 12 + 2 + 5] ^= 0x01;  // flight 4, ServerHello.random
      return true;
    };
    s.pair->drive();
    CHECK(s.client->state() == TransportState::failed);
    CHECK(last_alert(drain(*s.client)) == AlertDescription::decrypt_error);
  }
  SECTION("ClientKeyExchange changed in flight: Finished or key derivation fails, no keys") {
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.sc.use_cookie = false;
    s.start();
    s.pair->filter = [](bool from_client, size_t index, Datagram& d) {
      // Client flight 5 (datagram 1): flip the last byte of its first record
      // (inside the Certificate): the transcripts diverge.
      if (from_client && index == 1) {
        size_t len = load_be16(&d[11]);
        d[13 + len - 1] ^= 0x01;
      }
      return true;
    };
    s.pair->drive();
    CHECK(s.server->state() == TransportState::failed);
    CHECK(drain(*s.server).keys.empty());
    CHECK(drain(*s.client).keys.empty());
  }
}

TEST_CASE("cookie secrets rotate: a cookie is honoured for one extra lifetime, then refused") {
  auto& w = world();
  for (int lifetimes_x2 : {3, 5}) {  // the ClientHello with the cookie comes 1.5 or 2.5 lifetimes later
    Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
    s.sc.cookie_secret_lifetime = std::chrono::seconds(1);
    s.start();
    uint8_t buf[1500];
    auto n = s.client->poll_transmit(MutBytes(buf, sizeof(buf)));
    REQUIRE(n);
    s.server->handle_datagram(kTestEpoch, Bytes(buf, *n));
    n = s.server->poll_transmit(MutBytes(buf, sizeof(buf)));  // HelloVerifyRequest
    REQUIRE(n);
    s.client->handle_datagram(kTestEpoch, Bytes(buf, *n));
    n = s.client->poll_transmit(MutBytes(buf, sizeof(buf)));  // ClientHello with the cookie
    REQUIRE(n);
    const Instant later = kTestEpoch + std::chrono::milliseconds(500) * lifetimes_x2;
    s.server->handle_datagram(later, Bytes(buf, *n));
    if (lifetimes_x2 == 3) {
      CHECK(s.server->state() == TransportState::connecting);
      CHECK(s.server->stats().bad_cookies == 0);
    } else {
      CHECK(s.server->state() == TransportState::new_);
      CHECK(s.server->stats().bad_cookies == 1);
      CHECK_FALSE(s.server->handshake_state_allocated());
    }
  }
}

TEST_CASE("a new ClientHello after the handshake gets a no_renegotiation warning; the server stays up") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.start();
  s.pair->drive();
  REQUIRE(s.server->state() == TransportState::connected);
  const uint8_t suite[] = {0xC0, 0x2B};
  ClientHello ch;
  ch.cipher_suites.raw = Bytes(suite);
  ch.extensions.extended_master_secret = true;
  std::vector<uint8_t> body(512);
  ByteWriter bw(body);
  write_client_hello(bw, ch);
  std::vector<uint8_t> d(13 + 12 + bw.position());
  write_record_header(d.data(), ContentType::handshake, 0, 50, uint16_t(12 + bw.position()));
  write_handshake_header(d.data() + 13, HandshakeType::client_hello, uint32_t(bw.position()), 40, 0,
                         uint32_t(bw.position()));
  std::memcpy(d.data() + 25, body.data(), bw.position());
  s.server->handle_datagram(s.pair->now, d);
  CHECK(s.server->state() == TransportState::connected);
  uint8_t buf[1500];
  auto n = s.server->poll_transmit(MutBytes(buf, sizeof(buf)));
  REQUIRE(n);
  CHECK(buf[0] == 21);  // alert, protected under epoch 1
  CHECK(load_be16(buf + 3) == 1);
  s.client->handle_datagram(s.pair->now, Bytes(buf, *n));
  CHECK(s.client->state() == TransportState::connected);
  CHECK(s.client->stats().warning_alerts == 1);
  // Application data still flows.
  REQUIRE(s.client->send_application_data(s.pair->now, as_bytes("still here")).ok());
  s.pair->exchange();
  CHECK(drain(*s.server).data.size() == 1);
}

TEST_CASE("a reordered flight (Finished first) completes without waiting for a timer") {
  auto& w = world();
  Setup s(*w.alice, *w.bob, *w.bob, *w.alice);
  s.cc.mtu = 300;
  s.sc.mtu = 300;
  s.sc.use_cookie = false;
  s.start();
  uint8_t buf[1500];
  auto shuttle = [&](Connection& from, Connection& to, bool reverse) {
    std::vector<std::vector<uint8_t>> d;
    while (auto n = from.poll_transmit(MutBytes(buf, sizeof(buf)))) d.emplace_back(buf, buf + *n);
    if (reverse) std::reverse(d.begin(), d.end());
    for (auto& x : d) to.handle_datagram(kTestEpoch, x);
    return d.size();
  };
  shuttle(*s.client, *s.server, false);                 // ClientHello
  shuttle(*s.server, *s.client, true);                  // flight 4, reversed
  const size_t n5 = shuttle(*s.client, *s.server, true);  // flight 5, Finished first
  CHECK(n5 >= 2);
  CHECK(s.server->stats().early_records == 1);
  CHECK(s.server->state() == TransportState::connected);
  shuttle(*s.server, *s.client, true);                  // flight 6
  CHECK(s.client->state() == TransportState::connected);
  CHECK(s.client->stats().retransmissions == 0);
  CHECK(s.server->stats().retransmissions == 0);
}
