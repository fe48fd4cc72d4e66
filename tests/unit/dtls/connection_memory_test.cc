// What a connection keeps once connected, and the in-place record path:
// handshake buffers are given back (the server keeps only its last flight,
// which it still re-sends, RFC 6347 §4.2.4), and a record that arrives
// while the receive ring is full is still authenticated and replay-marked
// before it is dropped (it is opened in a spare buffer, not in a slot).
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;

namespace {
struct Ids {
  SeededRng rng{4242};
  std::unique_ptr<Identity> a = make_identity(rng, "a");
  std::unique_ptr<Identity> b = make_identity(rng, "b");
};
Ids& ids() {
  static Ids i;
  return i;
}
}  // namespace

TEST_CASE("connected: handshake buffers are freed; the server's last flight is kept and re-sent when its loss shows") {
  auto& w = ids();
  SeededRng rng(1);
  Config cc = make_config(Role::client, *w.a, *w.b), sc = make_config(Role::server, *w.b, *w.a);
  Connection client(cc, rng), server(sc, rng);
  REQUIRE(server.start(kTestEpoch).ok());
  REQUIRE(client.start(kTestEpoch).ok());
  Pair p{client, server};
  // The server's flight 6 (CCS + Finished: the datagram that starts with a
  // ChangeCipherSpec record) is lost once.
  bool dropped = false;
  p.filter = [&](bool from_client, size_t, Datagram& d) {
    if (!from_client && !d.empty() && d[0] == uint8_t(ContentType::change_cipher_spec) && !dropped) {
      dropped = true;
      return false;
    }
    return true;
  };
  p.drive();
  REQUIRE(dropped);
  REQUIRE(client.state() == TransportState::connected);
  REQUIRE(server.state() == TransportState::connected);
  // The client retransmitted flight 5 on its timer; the (already connected)
  // server answered from the flight it kept.
  CHECK(client.stats().retransmissions >= 1);
  CHECK(server.stats().retransmissions >= 1);
  CHECK(client.handshake_memory() == 0);
  // CCS has no bytes; Finished is a 12-byte header and 12 bytes of verify_data.
  CHECK(server.handshake_memory() == 24);
  CHECK_FALSE(client.handshake_state_allocated());
  CHECK_FALSE(server.handshake_state_allocated());
  // Data flows both ways afterwards.
  drain(client);
  drain(server);
  const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
  REQUIRE(client.send_application_data(p.now, Bytes(hello, 5)).ok());
  REQUIRE(server.send_application_data(p.now, Bytes(hello, 5)).ok());
  p.exchange();
  auto ec = drain(client), es = drain(server);
  REQUIRE(ec.data.size() == 1);
  REQUIRE(es.data.size() == 1);
  CHECK(ec.data[0] == std::vector<uint8_t>(hello, hello + 5));
  CHECK(es.data[0] == std::vector<uint8_t>(hello, hello + 5));
}

TEST_CASE("a record arriving while the receive ring is full is authenticated, replay-marked and dropped") {
  auto& w = ids();
  SeededRng rng(2);
  Config cc = make_config(Role::client, *w.a, *w.b), sc = make_config(Role::server, *w.b, *w.a);
  sc.max_received_app_data = 2;
  Connection client(cc, rng), server(sc, rng);
  Pair p{client, server};
  handshake(p);
  drain(client);
  drain(server);

  // Four records, one datagram each; the server is not polled in between.
  std::vector<Datagram> dgrams;
  for (uint8_t i = 0; i < 4; ++i) {
    std::vector<uint8_t> msg(100 + i, uint8_t('a' + i));
    REQUIRE(client.send_application_data(p.now, Bytes(msg.data(), msg.size())).ok());
    uint8_t buf[1500];
    auto n = client.poll_transmit(MutBytes(buf, sizeof(buf)));
    REQUIRE(n);
    dgrams.emplace_back(buf, buf + *n);
  }
  Datagram forged = dgrams[3];
  forged.back() ^= 1;  // the AEAD tag no longer verifies
  for (size_t i = 0; i < 3; ++i) server.handle_datagram(p.now, dgrams[i]);
  server.handle_datagram(p.now, forged);
  CHECK(server.stats().dropped_app_data_full == 1);  // the third, authentic
  CHECK(server.stats().dropped_auth == 1);           // the forgery, checked even with the ring full
  auto es = drain(server);
  REQUIRE(es.data.size() == 2);
  CHECK(es.data[0] == std::vector<uint8_t>(100, 'a'));
  CHECK(es.data[1] == std::vector<uint8_t>(101, 'b'));
  // The dropped record was marked in the replay window: a copy is refused.
  server.handle_datagram(p.now, dgrams[2]);
  CHECK(server.stats().dropped_replay == 1);
  CHECK(drain(server).data.empty());
  // The forgery marked nothing: the authentic record with its sequence
  // number is accepted.
  server.handle_datagram(p.now, dgrams[3]);
  es = drain(server);
  REQUIRE(es.data.size() == 1);
  CHECK(es.data[0] == std::vector<uint8_t>(103, 'd'));
  // The ring works again, from its first slot.
  const uint8_t x[3] = {1, 2, 3};
  REQUIRE(client.send_application_data(p.now, Bytes(x, 3)).ok());
  p.exchange();
  es = drain(server);
  REQUIRE(es.data.size() == 1);
  CHECK(es.data[0] == std::vector<uint8_t>(x, x + 3));
}

TEST_CASE("events keep their order: records received before a close_notify come out before `closed`") {
  auto& w = ids();
  SeededRng rng(3);
  Config cc = make_config(Role::client, *w.a, *w.b), sc = make_config(Role::server, *w.b, *w.a);
  Connection client(cc, rng), server(sc, rng);
  Pair p{client, server};
  handshake(p);
  // The keys event refers to the keying material the connection holds (no
  // copy per event); both ends derived the same (RFC 5764 §4.2).
  auto ec = drain(client), es = drain(server);
  REQUIRE(ec.keys.size() == 1);
  REQUIRE(es.keys.size() == 1);
  REQUIRE(client.srtp_keying_material() != nullptr);
  CHECK(ec.keys[0].client_write_key.expose().size() == 16);  // AEAD_AES_128_GCM: 128-bit master key
  auto vec = [](Bytes b) { return std::vector<uint8_t>(b.begin(), b.end()); };
  CHECK(vec(ec.keys[0].client_write_key.expose()) == vec(es.keys[0].client_write_key.expose()));
  CHECK(vec(ec.keys[0].server_write_salt.expose()) ==
        vec(server.srtp_keying_material()->server_write_salt.expose()));

  // Two records, then close_notify; the server is polled only at the end.
  uint8_t buf[1500];
  std::vector<Datagram> dgrams;
  for (uint8_t i = 0; i < 2; ++i) {
    const uint8_t msg[3] = {i, i, i};
    REQUIRE(client.send_application_data(p.now, Bytes(msg, 3)).ok());
    auto n = client.poll_transmit(MutBytes(buf, sizeof(buf)));
    REQUIRE(n);
    dgrams.emplace_back(buf, buf + *n);
  }
  client.close(p.now);
  auto n = client.poll_transmit(MutBytes(buf, sizeof(buf)));
  REQUIRE(n);
  dgrams.emplace_back(buf, buf + *n);
  for (const auto& d : dgrams) server.handle_datagram(p.now, d);
  std::vector<std::string> order;
  while (auto e = server.poll_event()) {
    if (e->kind == EventKind::application_data)
      order.push_back("data " + std::to_string(e->data[0]));
    else if (e->kind == EventKind::state_changed)
      order.push_back(std::string("state ") + transport_state_name(e->state));
  }
  CHECK(order == std::vector<std::string>{"data 0", "data 1", "state closed"});
}
