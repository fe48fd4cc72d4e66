// DESIGN.md §2: "Steady state allocates nothing per packet". A counting
// operator new watches application data flowing both ways after the
// handshake (own executable: it replaces the global operator new).
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include "support/alloc_counter.h"

using namespace sansrtc;
using namespace sansrtc::dtls;
using namespace sansrtc::dtls::test;

TEST_CASE("application data after the handshake allocates nothing per record") {
  SeededRng rng(5);
  auto a = make_identity(rng, "a");
  auto b = make_identity(rng, "b");
  Config cc = make_config(Role::client, *a, *b), sc = make_config(Role::server, *b, *a);
  Connection client(cc, rng), server(sc, rng);
  REQUIRE(server.start(kTestEpoch).ok());
  REQUIRE(client.start(kTestEpoch).ok());
  Pair p{client, server};
  p.drive();
  REQUIRE(client.state() == TransportState::connected);
  while (client.poll_event()) {
  }
  while (server.poll_event()) {
  }
  uint8_t payload[1100] = {1, 2, 3};
  uint8_t buf[1500];
  size_t received = 0;
  auto cycle = [&] {
    // Both directions, one record each, through the caller's buffer.
    (void)client.send_application_data(p.now, Bytes(payload, sizeof(payload)));
    (void)server.send_application_data(p.now, Bytes(payload, sizeof(payload)));
    while (auto n = client.poll_transmit(MutBytes(buf, sizeof(buf)))) server.handle_datagram(p.now, Bytes(buf, *n));
    while (auto n = server.poll_transmit(MutBytes(buf, sizeof(buf)))) client.handle_datagram(p.now, Bytes(buf, *n));
    while (auto e = server.poll_event()) received += e->data.size();
    while (auto e = client.poll_event()) received += e->data.size();
  };
  for (int i = 0; i < 200; ++i) cycle();  // warm-up: every ring slot has its capacity
  received = 0;
  const uint64_t before = sansrtc::test::allocation_count();
  for (int i = 0; i < 2000; ++i) cycle();
  const uint64_t allocations = sansrtc::test::allocation_count() - before;
  CHECK(received == 2 * 2000 * sizeof(payload));
  CHECK(allocations == 0);
}
