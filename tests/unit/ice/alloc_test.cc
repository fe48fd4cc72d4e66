// Steady state allocates nothing: two connected agents exchanging consent
// checks for ten minutes of virtual time, driven by hand with fixed buffers,
// under a counting global operator new.
#include "ice/agent.h"

#include <catch2/catch.hpp>

#include "support/alloc_counter.h"

using namespace sansrtc;
using namespace sansrtc::ice;

TEST_CASE("connected agents allocate nothing per packet (consent, keepalive)", "[ice][agent][alloc]") {
  const SocketAddress addr_a(IpAddress::v4(10, 0, 0, 1), 5000), addr_b(IpAddress::v4(10, 0, 0, 2), 5000);
  Config ca, cb;
  ca.role = Role::controlling;
  cb.role = Role::controlled;
  ca.ta = cb.ta = std::chrono::milliseconds(5);
  SeededRng ra(1), rb(2);
  Agent a(kTestEpoch, ca, ra), b(kTestEpoch, cb, rb);
  Instant now = kTestEpoch;
  REQUIRE(a.add_local_interface(now, addr_a).ok());
  REQUIRE(b.add_local_interface(now, addr_b).ok());
  a.end_of_local_interfaces(now);
  b.end_of_local_interfaces(now);
  REQUIRE(a.set_remote_credentials(now, b.local_ufrag(), b.local_pwd()).ok());
  REQUIRE(b.set_remote_credentials(now, a.local_ufrag(), a.local_pwd()).ok());
  Candidate ha, hb;
  while (auto e = a.poll_event())
    if (e->kind == Event::Kind::local_candidate) ha = e->candidate;
  while (auto e = b.poll_event())
    if (e->kind == Event::Kind::local_candidate) hb = e->candidate;
  REQUIRE(a.add_remote_candidate(now, hb).ok());
  REQUIRE(b.add_remote_candidate(now, ha).ok());
  a.end_of_remote_candidates(now);
  b.end_of_remote_candidates(now);

  static uint8_t buf[1500];
  uint64_t delivered = 0;
  auto step = [&] {
    for (bool progress = true; progress;) {
      progress = false;
      while (auto t = a.poll_transmit(buf)) {
        b.handle_datagram(now, Datagram{t->source, t->destination, Bytes(buf, t->size)});
        progress = true;
        ++delivered;
      }
      while (auto t = b.poll_transmit(buf)) {
        a.handle_datagram(now, Datagram{t->source, t->destination, Bytes(buf, t->size)});
        progress = true;
        ++delivered;
      }
    }
    while (a.poll_event()) {
    }
    while (b.poll_event()) {
    }
    auto next = earliest(a.poll_timeout(), b.poll_timeout());
    REQUIRE(next);
    now = std::max(now, *next);
    a.handle_timeout(now);
    b.handle_timeout(now);
  };
  for (int i = 0; i < 200 && !(a.connection_state() == ConnectionState::completed &&
                               b.connection_state() == ConnectionState::completed);
       ++i)
    step();
  REQUIRE(a.connection_state() == ConnectionState::completed);
  REQUIRE(b.connection_state() == ConnectionState::completed);
  step();  // settle

  const uint64_t before = sansrtc::test::allocation_count();
  const uint64_t delivered_before = delivered;
  const Instant end = now + std::chrono::minutes(10);
  while (now < end) step();
  CHECK(delivered - delivered_before >= 200);  // ~2 consent transactions per 5 s, both ways
  CHECK(sansrtc::test::allocation_count() - before == 0);
  CHECK(a.connection_state() == ConnectionState::completed);
  CHECK(b.connection_state() == ConnectionState::completed);
}
