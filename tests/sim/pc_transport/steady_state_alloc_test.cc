// DESIGN.md §2: "Steady state allocates nothing per packet". Two
// TransportStacks back to back in memory (no simulator); after the channel
// is open and traffic has settled, a counting operator new watches an idle
// connection (ICE consent checks, SCTP heartbeats and SACKs, DTLS records).
// Then messages: SCTP and the channel manager hand each message over as an
// owned std::vector; a caller that gives each one back (recycle()) and sends
// with send_binary() makes no allocation per message either.
// Own executable: it replaces the global operator new.
#include "pc/transport/transport_stack.h"
#include "unit/dtls/dtls_test_util.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <cstdlib>
#include <new>

#include "support/alloc_counter.h"

using namespace sansrtc;
using namespace sansrtc::pc;
using std::chrono::seconds;

namespace {

const SocketAddress kAddrA(IpAddress::v4(198, 51, 100, 1), 4000);
const SocketAddress kAddrB(IpAddress::v4(203, 0, 113, 1), 4001);

struct Side {
  Side(Instant now, const TransportConfig& c, uint64_t seed) : rng(seed), stack(now, c, rng) {}
  SeededRng rng;
  TransportStack stack;
  std::vector<ice::Candidate> candidates;
  bool open = false;
  bool recycle = false;  // give each received message's buffer back
  size_t messages = 0;
  size_t bad = 0;
  void drain() {
    while (auto e = stack.poll_event()) {
      if (e->kind == TransportEvent::Kind::ice && e->ice.kind == ice::Event::Kind::local_candidate)
        candidates.push_back(e->ice.candidate);
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::open) open = true;
      if (e->kind == TransportEvent::Kind::channel && e->channel.type == datachannel::EventType::message) {
        ++messages;
        const auto& d = e->channel.data;
        for (size_t i = 0; i < d.size(); ++i) bad += d[i] != uint8_t(i * 7 + d.size());
        if (recycle) stack.recycle(std::move(e->channel.data));
      }
    }
  }
};

// Two stacks, default limits, connected with one open channel.
struct Pair {
  std::unique_ptr<dtls::test::Identity> ida, idb;
  TransportConfig ca, cb;
  Instant now = kTestEpoch;
  std::unique_ptr<Side> a, b;
  std::optional<datachannel::ChannelId> ch;
  std::vector<uint8_t> buf = std::vector<uint8_t>(2048);
  uint64_t datagrams = 0;

  Pair() {
    SeededRng id_rng(77);
    ida = dtls::test::make_identity(id_rng, "a");
    idb = dtls::test::make_identity(id_rng, "b");
    ca.ice.role = ice::Role::controlling;
    cb.ice.role = ice::Role::controlled;
    ca.dtls = dtls::test::make_config(dtls::Role::client, *ida, *idb);
    cb.dtls = dtls::test::make_config(dtls::Role::server, *idb, *ida);
  }
  void connect() {
    a = std::make_unique<Side>(now, ca, 21);
    b = std::make_unique<Side>(now, cb, 22);
    REQUIRE(a->stack.add_local_interface(now, kAddrA).ok());
    REQUIRE(b->stack.add_local_interface(now, kAddrB).ok());
    a->drain();
    b->drain();
    REQUIRE(a->stack.set_remote_credentials(now, b->stack.ice().local_ufrag(), b->stack.ice().local_pwd()).ok());
    REQUIRE(b->stack.set_remote_credentials(now, a->stack.ice().local_ufrag(), a->stack.ice().local_pwd()).ok());
    REQUIRE(a->stack.add_remote_candidate(now, b->candidates.at(0)).ok());
    REQUIRE(b->stack.add_remote_candidate(now, a->candidates.at(0)).ok());
    REQUIRE(a->stack.start(now).ok());
    REQUIRE(b->stack.start(now).ok());
    auto c = a->stack.create_data_channel(now, "steady");
    REQUIRE(c.ok());
    ch = *c;
    for (int i = 0; i < 100000 && !(a->open && b->open); ++i) step();
    REQUIRE(a->open);
    REQUIRE(b->open);
  }
  bool pump(Side& from, Side& to, const SocketAddress& src, const SocketAddress& dst) {
    bool any = false;
    while (auto t = from.stack.poll_transmit(MutBytes(buf.data(), buf.size()))) {
      any = true;
      ++datagrams;
      to.stack.handle_datagram(now, sansrtc::Datagram{src, dst, Bytes(buf.data(), t->size)});
      to.drain();
    }
    return any;
  }
  void step() {
    bool any = pump(*a, *b, kAddrA, kAddrB);
    any |= pump(*b, *a, kAddrB, kAddrA);
    a->drain();
    b->drain();
    if (!any) {
      auto t = earliest(a->stack.poll_timeout(), b->stack.poll_timeout());
      if (t && *t > now) now = *t;
      a->stack.handle_timeout(now);
      b->stack.handle_timeout(now);
      a->drain();
      b->drain();
    }
  }
};

// One message of `size` bytes each way, until both arrived.
void exchange(Pair& p, const std::vector<uint8_t>& pattern, size_t size) {
  const size_t ea = p.a->messages + 1, eb = p.b->messages + 1;
  REQUIRE(p.a->stack.send_binary(p.now, *p.ch, Bytes(pattern.data(), size)).ok());
  REQUIRE(p.b->stack.send_binary(p.now, *p.ch, Bytes(pattern.data(), size)).ok());
  for (int i = 0; i < 100000 && (p.a->messages < ea || p.b->messages < eb); ++i) p.step();
  REQUIRE(p.a->messages == ea);
  REQUIRE(p.b->messages == eb);
}

}  // namespace

TEST_CASE("steady state: an idle connection allocates nothing") {
  SeededRng id_rng(77);
  auto ida = dtls::test::make_identity(id_rng, "a");
  auto idb = dtls::test::make_identity(id_rng, "b");
  TransportConfig ca, cb;
  ca.ice.role = ice::Role::controlling;
  cb.ice.role = ice::Role::controlled;
  ca.dtls = dtls::test::make_config(dtls::Role::client, *ida, *idb);
  cb.dtls = dtls::test::make_config(dtls::Role::server, *idb, *ida);
  Instant now = kTestEpoch;
  const int64_t live_before = sansrtc::test::live_bytes();
  Side a(now, ca, 21), b(now, cb, 22);
  REQUIRE(a.stack.add_local_interface(now, kAddrA).ok());
  REQUIRE(b.stack.add_local_interface(now, kAddrB).ok());
  a.drain();
  b.drain();
  REQUIRE(a.stack.set_remote_credentials(now, b.stack.ice().local_ufrag(), b.stack.ice().local_pwd()).ok());
  REQUIRE(b.stack.set_remote_credentials(now, a.stack.ice().local_ufrag(), a.stack.ice().local_pwd()).ok());
  REQUIRE(a.stack.add_remote_candidate(now, b.candidates.at(0)).ok());
  REQUIRE(b.stack.add_remote_candidate(now, a.candidates.at(0)).ok());
  REQUIRE(a.stack.start(now).ok());
  REQUIRE(b.stack.start(now).ok());
  auto ch = a.stack.create_data_channel(now, "idle");
  REQUIRE(ch.ok());

  std::vector<uint8_t> buf(2048);
  uint64_t datagrams = 0;
  auto pump = [&](Side& from, Side& to, const SocketAddress& src, const SocketAddress& dst) {
    bool any = false;
    while (auto t = from.stack.poll_transmit(MutBytes(buf.data(), buf.size()))) {
      any = true;
      ++datagrams;
      to.stack.handle_datagram(now, sansrtc::Datagram{src, dst, Bytes(buf.data(), t->size)});
      to.drain();
    }
    return any;
  };
  auto step = [&] {
    bool any = pump(a, b, kAddrA, kAddrB);
    any |= pump(b, a, kAddrB, kAddrA);
    a.drain();
    b.drain();
    if (!any) {
      auto t = earliest(a.stack.poll_timeout(), b.stack.poll_timeout());
      if (t && *t > now) now = *t;
      a.stack.handle_timeout(now);
      b.stack.handle_timeout(now);
      a.drain();
      b.drain();
    }
  };
  for (int i = 0; i < 100000 && !(a.open && b.open); ++i) step();
  REQUIRE(a.open);
  REQUIRE(b.open);
  // Heap held by both stacks (and the test's small vectors) once the
  // channel is open, per side: a number for the report, not a pass/fail.
  std::printf("[pc_transport] heap per established stack with one open channel: %lld bytes (+ %zu inline)\n",
              (long long)(sansrtc::test::live_bytes() - live_before) / 2, sizeof(TransportStack));
  // Warm up: a 256 KiB message each way (more full-size records than the
  // DTLS rings have slots, which allocate on first use) and 40 s of idle
  // traffic (tables and queues reach their working size).
  std::vector<uint8_t> big(256 * 1024, 0x5a);
  REQUIRE(a.stack.send_binary(now, *ch, Bytes(big.data(), big.size())).ok());
  for (int i = 0; i < 100000 && b.messages < 1; ++i) step();
  REQUIRE(b.stack.send_binary(now, *ch, Bytes(big.data(), big.size())).ok());
  for (int i = 0; i < 100000 && a.messages < 1; ++i) step();
  const Instant warm_end = now + seconds(40);
  while (now < warm_end) step();
  REQUIRE(b.messages == 1);
  REQUIRE(a.messages == 1);

  const uint64_t datagrams_before = datagrams;
  const uint64_t allocs_before = sansrtc::test::allocation_count();
  const Instant end = now + seconds(120);
  while (now < end) step();
  const size_t idle_allocs = size_t(sansrtc::test::allocation_count() - allocs_before);
  std::printf("[pc_transport] idle 120 s virtual: %llu datagrams, %zu heap allocations\n",
              (unsigned long long)(datagrams - datagrams_before), idle_allocs);
  CHECK(datagrams > datagrams_before);  // consent checks did flow
  CHECK(a.stack.ice().connection_state() != ice::ConnectionState::failed);
  CHECK(idle_allocs == 0);
}

TEST_CASE("steady state: messages allocate nothing when their buffers are given back") {
  Pair p;
  p.connect();
  p.a->recycle = p.b->recycle = true;
  // Sizes of one chunk and of several fragments, all within the default
  // pool bounds (buffers up to 4 KiB, 16 KiB in total).
  const size_t kSizes[] = {1, 100, 1000, 1100, 2500, 4000};
  auto fill = [](size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 7 + n);
    return v;
  };
  std::vector<std::vector<uint8_t>> patterns;
  for (size_t s : kSizes) patterns.push_back(fill(s));
  // Warm-up: the pool, the SCTP and DTLS rings reach their working size.
  for (int round = 0; round < 3; ++round)
    for (size_t k = 0; k < std::size(kSizes); ++k) exchange(p, patterns[k], kSizes[k]);
  const uint64_t datagrams0 = p.datagrams;
  const size_t messages0 = p.a->messages + p.b->messages;
  const uint64_t allocs0 = sansrtc::test::allocation_count();
  for (int round = 0; round < 20; ++round)
    for (size_t k = 0; k < std::size(kSizes); ++k) {
      const size_t ea = p.a->messages + 1, eb = p.b->messages + 1;
      // No REQUIRE inside the counted loop (Catch allocates for its results).
      if (!p.a->stack.send_binary(p.now, *p.ch, Bytes(patterns[k].data(), kSizes[k])).ok()) break;
      if (!p.b->stack.send_binary(p.now, *p.ch, Bytes(patterns[k].data(), kSizes[k])).ok()) break;
      for (int i = 0; i < 100000 && (p.a->messages < ea || p.b->messages < eb); ++i) p.step();
    }
  const uint64_t allocs = sansrtc::test::allocation_count() - allocs0;
  const size_t messages = p.a->messages + p.b->messages - messages0;
  std::printf("[pc_transport] %zu messages (%llu datagrams) with recycled buffers: %llu heap allocations\n",
              messages, (unsigned long long)(p.datagrams - datagrams0), (unsigned long long)allocs);
  CHECK(messages == 2 * 20 * std::size(kSizes));
  CHECK(p.a->bad + p.b->bad == 0);
  CHECK(allocs == 0);
}

TEST_CASE("steady state: without recycling, one allocation per received message and none per packet") {
  Pair p;
  p.connect();
  std::vector<uint8_t> pattern(1000);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = uint8_t(i * 7 + pattern.size());
  for (int i = 0; i < 10; ++i) exchange(p, pattern, pattern.size());
  const uint64_t datagrams0 = p.datagrams;
  const size_t messages0 = p.a->messages + p.b->messages;
  const uint64_t allocs0 = sansrtc::test::allocation_count();
  for (int round = 0; round < 50; ++round) {
    const size_t ea = p.a->messages + 1, eb = p.b->messages + 1;
    if (!p.a->stack.send_binary(p.now, *p.ch, Bytes(pattern.data(), pattern.size())).ok()) break;
    if (!p.b->stack.send_binary(p.now, *p.ch, Bytes(pattern.data(), pattern.size())).ok()) break;
    for (int i = 0; i < 100000 && (p.a->messages < ea || p.b->messages < eb); ++i) p.step();
  }
  const uint64_t allocs = sansrtc::test::allocation_count() - allocs0;
  const size_t messages = p.a->messages + p.b->messages - messages0;
  std::printf("[pc_transport] %zu messages (%llu datagrams) not recycled: %llu heap allocations\n", messages,
              (unsigned long long)(p.datagrams - datagrams0), (unsigned long long)allocs);
  CHECK(messages == 100);
  CHECK(p.a->bad + p.b->bad == 0);
  CHECK(allocs == messages);
}
