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
  Pair p{client, server};
  handshake(p);
  drain(client);
  drain(server);
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

// Issue 7: zero allocations per record once connected, and a connected
// connection keeps about one datagram's worth of record buffers after ANY
// traffic: full 2^14-byte records and bursts grow the queues, which give
// the growth back once drained.
TEST_CASE("after 16 KiB records and bursts: no allocation per record, and the record buffers shrink back") {
  SeededRng rng(6);
  auto a = make_identity(rng, "a");
  auto b = make_identity(rng, "b");
  Config cc = make_config(Role::client, *a, *b), sc = make_config(Role::server, *b, *a);
  Connection client(cc, rng), server(sc, rng);
  Pair p{client, server};
  handshake(p);
  drain(client);
  drain(server);
  std::vector<uint8_t> big(kMaxPlaintext, 0x5A);
  std::vector<uint8_t> buf(kMaxPlaintext + 64);  // one full record per datagram
  const int64_t live_connected = sansrtc::test::live_bytes();
  size_t received = 0;
  // `burst` records each way queued before anything is transmitted or
  // polled (how a driver that batches its calls behaves).
  auto exchange = [&](Bytes payload, int burst) {
    for (int i = 0; i < burst; ++i) {
      REQUIRE(client.send_application_data(p.now, payload).ok());
      REQUIRE(server.send_application_data(p.now, payload).ok());
    }
    while (auto n = client.poll_transmit(MutBytes(buf.data(), buf.size())))
      server.handle_datagram(p.now, Bytes(buf.data(), *n));
    while (auto n = server.poll_transmit(MutBytes(buf.data(), buf.size())))
      client.handle_datagram(p.now, Bytes(buf.data(), *n));
    while (auto e = server.poll_event()) received += e->data.size();
    while (auto e = client.poll_event()) received += e->data.size();
  };
  uint8_t mtu_record[1180] = {7};
  // Warm-up: full-size records, bursts of datagram-size records, then a few
  // of the steady traffic.
  for (int i = 0; i < 4; ++i) exchange(Bytes(big.data(), big.size()), 1);
  for (int i = 0; i < 4; ++i) exchange(Bytes(big.data(), big.size()), 3);
  for (int i = 0; i < 4; ++i) exchange(Bytes(mtu_record, sizeof(mtu_record)), 20);
  CHECK(received == 2 * (4 * kMaxPlaintext + 12 * kMaxPlaintext + 80 * sizeof(mtu_record)));
  // Drained: the grown buffers are given back.
  CHECK(client.record_buffer_memory() <= 2 * (RecordQueue::kEntryHeader + 1500));
  CHECK(server.record_buffer_memory() <= 2 * (RecordQueue::kEntryHeader + 1500));

  // Steady state: records one at a time (how the TransportStack drives it),
  // datagram-sized and small ones mixed.
  uint8_t small_record[40] = {9};
  for (int i = 0; i < 4; ++i) exchange(Bytes(mtu_record, sizeof(mtu_record)), 1);
  received = 0;
  const uint64_t before = sansrtc::test::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    exchange(Bytes(mtu_record, sizeof(mtu_record)), 1);
    exchange(Bytes(small_record, sizeof(small_record)), 1);
  }
  CHECK(sansrtc::test::allocation_count() - before == 0);
  CHECK(received == 2 * 1000 * (sizeof(mtu_record) + sizeof(small_record)));
  // What each connection keeps: one datagram-size buffer per direction at
  // most (the entry header plus the record), nothing else.
  CHECK(client.record_buffer_memory() <= 2 * (RecordQueue::kEntryHeader + 1500));
  CHECK(server.record_buffer_memory() <= 2 * (RecordQueue::kEntryHeader + 1500));
  const int64_t grown = sansrtc::test::live_bytes() - live_connected;
  CHECK(grown <= 2 * 2 * 1600);  // two connections, two directions, malloc rounding
  CHECK(client.handshake_memory() == 0);
}

TEST_CASE("a burst costs a few allocations, not one per record") {
  SeededRng rng(7);
  auto a = make_identity(rng, "a");
  auto b = make_identity(rng, "b");
  Config cc = make_config(Role::client, *a, *b), sc = make_config(Role::server, *b, *a);
  Connection client(cc, rng), server(sc, rng);
  Pair p{client, server};
  handshake(p);
  drain(client);
  drain(server);
  uint8_t payload[1180] = {3};
  uint8_t buf[1500];
  for (int round = 0; round < 3; ++round) {
    const uint64_t before = sansrtc::test::allocation_count();
    for (int i = 0; i < 32; ++i) REQUIRE(client.send_application_data(p.now, Bytes(payload, sizeof(payload))).ok());
    while (auto n = client.poll_transmit(MutBytes(buf, sizeof(buf)))) server.handle_datagram(p.now, Bytes(buf, *n));
    size_t records = 0;
    while (auto e = server.poll_event()) records += e->kind == EventKind::application_data;
    CHECK(records == 32);
    // Doubling from one record to 32: 6 buffers each way at most.
    CHECK(sansrtc::test::allocation_count() - before <= 12);
    // The grown buffers are given back (a handshake record's scratch room may stay).
    CHECK(client.record_buffer_memory() <= RecordQueue::kEntryHeader + 1500);
    CHECK(server.record_buffer_memory() <= RecordQueue::kEntryHeader + 1500);
  }
}
