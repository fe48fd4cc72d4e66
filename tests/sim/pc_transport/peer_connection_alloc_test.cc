// DESIGN.md §2 through the public API: two PeerConnections (offer/answer
// with candidates in the descriptions) over a perfect in-memory link. Once
// the channel is open, messages of several sizes each way cost no heap
// allocation when the application gives each received buffer back
// (PeerConnection::recycle) and sends with send_binary().
// Own executable: it replaces the global operator new.
#include <sansrtc/peer_connection.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <memory>
#include <vector>

#include "support/alloc_counter.h"

using namespace sansrtc;

namespace {

const SocketAddress kAddr[2] = {SocketAddress(IpAddress::v4(10, 0, 0, 1), 5000),
                                SocketAddress(IpAddress::v4(10, 0, 0, 2), 5000)};

uint8_t pattern(size_t i, size_t n, int side) { return uint8_t(i * 7 + n + side * 13); }

struct Side {
  std::unique_ptr<PeerConnection> pc;
  DataChannelHandle channel = 0;
  bool open = false;
  bool recycle = false;
  size_t received = 0, bad = 0;
};

struct Packet {
  int to = 0;
  SocketAddress from, dest;
  size_t size = 0;
  uint8_t bytes[1500] = {};
};

struct Pair {
  Side side[2];
  Instant now = kTestEpoch;
  Packet link[16];  // a fixed ring: the link itself allocates nothing
  size_t head = 0, count = 0;
  uint8_t buf[1500] = {};

  void drain(int i) {
    Side& s = side[i];
    while (auto t = s.pc->poll_transmit(MutBytes(buf, sizeof buf))) {
      if (count == std::size(link)) continue;  // full: dropped, the stacks retransmit
      Packet& p = link[(head + count++) % std::size(link)];
      p.to = 1 - i;
      p.from = t->source;
      p.dest = t->destination;
      p.size = t->size;
      std::memcpy(p.bytes, buf, t->size);
    }
    while (auto e = s.pc->poll_event()) {
      using T = PeerConnectionEvent::Type;
      if (e->type == T::data_channel) s.channel = e->channel;
      if (e->type == T::channel_open) s.open = true;
      if (e->type == T::channel_message) {
        ++s.received;
        const size_t n = e->data.size();
        for (size_t j = 0; j < n; ++j) s.bad += e->data[j] != pattern(j, n, 1 - i);
        if (s.recycle) s.pc->recycle(std::move(e->data));
      }
    }
  }
  template <class F>
  void run(F done) {
    for (int spin = 0; spin < 200000 && !done(); ++spin) {
      drain(0);
      drain(1);
      if (count) {
        Packet& p = link[head];
        head = (head + 1) % std::size(link);
        --count;
        side[p.to].pc->handle_datagram(now, Datagram{p.from, p.dest, Bytes(p.bytes, p.size)});
        continue;
      }
      std::optional<Instant> next = side[0].pc->poll_timeout();
      if (auto t = side[1].pc->poll_timeout(); t && (!next || *t < *next)) next = t;
      if (!next) break;
      if (*next > now) now = *next;
      for (auto& s : side) s.pc->handle_timeout(now);
    }
  }
};

// Connects a pair: offer/answer, ICE, DTLS, SCTP, one in-band channel.
void connect(Pair& p) {
  static SeededRng rng_a(11), rng_b(22);
  Rng* rngs[2] = {&rng_a, &rng_b};
  PeerConnectionOptions o;
  o.unix_time_seconds = 1'790'000'000;
  for (int i = 0; i < 2; ++i) {
    auto pc = PeerConnection::create(p.now, Configuration{}, *rngs[i], o);
    REQUIRE(pc.ok());
    p.side[i].pc = std::move(pc.value());
    REQUIRE(p.side[i].pc->add_local_address(p.now, kAddr[i]).ok());
    p.side[i].pc->end_of_local_addresses(p.now);
  }
  auto ch = p.side[0].pc->create_data_channel(p.now, "alloc");
  REQUIRE(ch.ok());
  p.side[0].channel = ch.value();
  REQUIRE(p.side[0].pc->set_local_description(p.now).ok());
  p.drain(0);
  REQUIRE(p.side[1].pc->set_remote_description(p.now, *p.side[0].pc->local_description()).ok());
  REQUIRE(p.side[1].pc->set_local_description(p.now).ok());
  p.drain(1);
  REQUIRE(p.side[0].pc->set_remote_description(p.now, *p.side[1].pc->local_description()).ok());
  p.run([&] { return p.side[0].open && p.side[1].open; });
  REQUIRE(p.side[0].open);
  REQUIRE(p.side[1].open);
}

}  // namespace

TEST_CASE("PeerConnection: recycled messages allocate nothing once connected") {
  Pair p;
  connect(p);
  for (auto& s : p.side) s.recycle = true;
  // One chunk and several fragments, within the default pool (4 KiB buffers).
  const size_t kSizes[] = {0, 1, 100, 1000, 1200, 2500, 4000};
  std::vector<std::vector<uint8_t>> msgs[2];
  for (int i = 0; i < 2; ++i)
    for (size_t n : kSizes) {
      std::vector<uint8_t> m(n);
      for (size_t j = 0; j < n; ++j) m[j] = pattern(j, n, i);
      msgs[i].push_back(std::move(m));
    }
  auto round = [&] {
    for (size_t k = 0; k < std::size(kSizes); ++k) {
      const size_t want0 = p.side[0].received + 1, want1 = p.side[1].received + 1;
      for (int i = 0; i < 2; ++i)
        if (!p.side[i].pc->send_binary(p.now, p.side[i].channel, Bytes(msgs[i][k])).ok()) return false;
      p.run([&] { return p.side[0].received >= want0 && p.side[1].received >= want1; });
    }
    return true;
  };
  for (int r = 0; r < 3; ++r) REQUIRE(round());  // warm-up
  const size_t received0 = p.side[0].received + p.side[1].received;
  const uint64_t allocs0 = sansrtc::test::allocation_count();
  bool sent = true;
  for (int r = 0; r < 10 && sent; ++r) sent = round();
  const uint64_t allocs = sansrtc::test::allocation_count() - allocs0;
  const size_t messages = p.side[0].received + p.side[1].received - received0;
  INFO("allocations " << allocs << " for " << messages << " messages");
  CHECK(sent);
  CHECK(messages == 2 * 10 * std::size(kSizes));
  CHECK(p.side[0].bad + p.side[1].bad == 0);
  CHECK(allocs == 0);
}
