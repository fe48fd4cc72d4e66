// Steady state allocates nothing per packet (DESIGN §2): after a warm-up,
// moving 64 KiB messages between two associations costs a few allocations
// per *message* (the payload handed to the receiver, the sender's copy when
// send() takes a span) and none per packet.
#include "sctp/association.h"

#include <catch2/catch.hpp>

#include "support/alloc_counter.h"

#include <array>
#include <cstdio>

#define SCTP_COUNT_ALLOCS 1

using namespace sansrtc;
using namespace sansrtc::sctp;

TEST_CASE("steady state: no heap allocation per packet") {
  SeededRng ra(1), rb(2);
  Association a(Config{}, ra), b(Config{}, rb);
  Instant now = kTestEpoch;
  std::array<uint8_t, 1500> buf;
  uint64_t packets = 0;
  size_t received = 0;
  auto pump = [&] {
    for (int i = 0; i < 100000; ++i) {
      bool any = false;
      while (auto n = a.poll_transmit(MutBytes(buf))) {
        b.handle_packet(now, Bytes(buf.data(), *n));
        ++packets;
        any = true;
      }
      while (auto n = b.poll_transmit(MutBytes(buf))) {
        a.handle_packet(now, Bytes(buf.data(), *n));
        ++packets;
        any = true;
      }
      while (auto e = b.poll_event()) received += e->type == EventType::message;
      while (a.poll_event()) {
      }
      if (!any) break;
    }
  };
  REQUIRE(a.connect(now).ok());
  pump();
  REQUIRE(a.state() == State::established);
  std::vector<uint8_t> msg(64 * 1024, 0x5A);
  auto transfer = [&](int n) {
    for (int i = 0; i < n; ++i) {
      REQUIRE(a.send(now, StreamId(0), Ppid(53), Bytes(msg)).ok());
      pump();
      now += std::chrono::milliseconds(1);
    }
  };
  transfer(100);  // warm-up: rings, pools and slots reach their working size
  uint64_t allocs0 = sansrtc::test::allocation_count(), packets0 = packets;
  size_t received0 = received;
  transfer(100);
  uint64_t allocs = sansrtc::test::allocation_count() - allocs0;
  uint64_t pk = packets - packets0;
  INFO("allocations " << allocs << " for " << pk << " packets and " << (received - received0) << " messages");
  CHECK(received - received0 == 100);
  if (!SCTP_COUNT_ALLOCS) return;
  CHECK(pk > 5000);
  // Per message: the sender's copy and the receiver's reassembly buffer
  // (traced with return addresses: 2 per message in lib/sctp); the rest
  // comes from Catch's REQUIRE bookkeeping. Nothing scales with packets.
  CHECK(allocs <= 100 * 5);
  CHECK(allocs * 10 < pk);
}

TEST_CASE("steady state: messages given back with recycle() allocate nothing") {
  SeededRng ra(3), rb(4);
  Association a(Config{}, ra), b(Config{}, rb);
  Instant now = kTestEpoch;
  std::array<uint8_t, 1500> buf;
  size_t received = 0, bad = 0;
  auto pump = [&] {
    for (int i = 0; i < 100000; ++i) {
      bool any = false;
      while (auto n = a.poll_transmit(MutBytes(buf))) {
        b.handle_packet(now, Bytes(buf.data(), *n));
        any = true;
      }
      while (auto n = b.poll_transmit(MutBytes(buf))) {
        a.handle_packet(now, Bytes(buf.data(), *n));
        any = true;
      }
      for (Association* x : {&a, &b}) {
        while (auto e = x->poll_event()) {
          if (e->type != EventType::message) continue;
          ++received;
          for (size_t k = 0; k < e->payload.size(); ++k) bad += e->payload[k] != uint8_t(k + e->payload.size());
          x->recycle(std::move(e->payload));
        }
      }
      if (!any) break;
    }
  };
  REQUIRE(a.connect(now).ok());
  pump();
  REQUIRE(a.state() == State::established);
  // One chunk and several fragments, within the default pool bounds.
  const size_t sizes[] = {1, 300, 1100, 2000, 3500, 4000};
  std::vector<uint8_t> msg(4000);
  auto round = [&] {
    for (size_t s : sizes) {
      for (size_t k = 0; k < s; ++k) msg[k] = uint8_t(k + s);
      bool ok = a.send(now, StreamId(1), Ppid(53), Bytes(msg.data(), s)).ok();
      ok = b.send(now, StreamId(2), Ppid(53), Bytes(msg.data(), s)).ok() && ok;
      if (!ok) return false;
      pump();
      now += std::chrono::milliseconds(1);
    }
    return true;
  };
  for (int i = 0; i < 5; ++i) REQUIRE(round());
  const size_t received0 = received;
  const uint64_t allocs0 = sansrtc::test::allocation_count();
  bool sent = true;
  for (int i = 0; i < 50 && sent; ++i) sent = round();
  const uint64_t allocs = sansrtc::test::allocation_count() - allocs0;
  CHECK(sent);
  CHECK(received - received0 == 2 * 50 * std::size(sizes));
  CHECK(bad == 0);
  CHECK(allocs == 0);
}
