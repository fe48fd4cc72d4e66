// Two associations over a lossy, reordering, duplicating pipe (virtual time):
// bulk transfers of mixed sizes, unordered and partially reliable streams,
// simultaneous open, shutdown/abort mid-transfer, stream reset in flight,
// peer restart. Every case prints its seed.
#include "sctp/association.h"
#include "sim/sctp/sctp_harness.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace sansrtc;
using namespace sansrtc::sctp;
using namespace sansrtc::sctp::testing;

namespace {

uint64_t seed_for(uint64_t base) {
  if (const char* s = std::getenv("SCTP_SIM_SEED")) return std::strtoull(s, nullptr, 10);
  return base;
}

// Message i's bytes are a function of (i, size): checked without storing them.
std::vector<uint8_t> body(uint32_t i, size_t size) {
  std::vector<uint8_t> v(size);
  uint64_t x = uint64_t(i) * 0x9E3779B97F4A7C15ull + size;
  size_t k = 0;
  for (; k + 8 <= size; k += 8) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    std::memcpy(&v[k], &x, 8);
  }
  for (; k < size; ++k) v[k] = uint8_t(x >> (8 * (k & 7)));
  return v;
}

// Log-uniform in [1, max]: many small messages, some very large ones.
size_t mixed_size(Rng& r, size_t max) {
  double l = r.next_double() * std::log(double(max));
  return std::max<size_t>(1, std::min<size_t>(max, size_t(std::exp(l))));
}

// The PPID of the last message event.
std::optional<uint32_t> last_message(const std::vector<Event>& ev) {
  for (auto it = ev.rbegin(); it != ev.rend(); ++it)
    if (it->type == EventType::message) return it->ppid.value();
  return std::nullopt;
}

struct BulkResult {
  size_t sent = 0, received = 0, bytes = 0;
  bool in_order = true, identical = true;
  Duration elapsed{0};
};

// Sends `n` messages over `streams` streams from A to B with `opts`; checks
// order per stream and content. Returns what arrived.
BulkResult bulk(Pair& p, size_t n, uint16_t streams, size_t max_size, SendOptions opts, uint64_t seed,
                Duration max_time, bool expect_all = true) {
  SeededRng sizes(seed);
  std::vector<size_t> size(n);
  for (auto& s : size) s = mixed_size(sizes, max_size);
  std::vector<std::vector<uint32_t>> expected(streams);  // per stream, in send order
  std::vector<size_t> next_rx(streams, 0);
  BulkResult r;
  size_t next = 0;
  size_t consumed = 0;
  std::vector<uint8_t> pending;
  Instant start = p.now, limit = p.now + max_time;
  for (;;) {
    while (next < n) {
      uint16_t st = uint16_t(next % streams);
      // The message number rides in the PPID. A rejected send (buffer
      // full) keeps its bytes for the next try.
      if (pending.empty()) pending = body(uint32_t(next), size[next]);
      auto res = p.a.assoc.send(p.now, StreamId(st), Ppid(uint32_t(next)), Bytes(pending), opts);
      if (!res.ok()) break;
      pending.clear();
      expected[st].push_back(uint32_t(next));
      ++next;
      ++r.sent;
    }
    for (; consumed < p.b.events.size(); ++consumed) {
      Event& e = p.b.events[consumed];
      if (e.type != EventType::message) continue;
      uint32_t i = e.ppid.value();
      uint16_t st = e.stream.value();
      ++r.received;
      r.bytes += e.payload.size();
      if (i >= n || e.payload.size() != size[i] || e.payload != body(i, size[i])) r.identical = false;
      if (!opts.unordered && st < streams) {
        // Ordered: message numbers increase on each stream (gaps only when
        // partially reliable).
        auto& exp = expected[st];
        size_t k = next_rx[st];
        while (k < exp.size() && exp[k] != i) {
          if (expect_all) r.in_order = false;
          ++k;
        }
        if (k == exp.size()) r.in_order = false;
        else next_rx[st] = k + 1;
      }
      e.payload = {};
    }
    if (r.received == n) break;
    if (next == n && !expect_all && p.a.assoc.buffered_amount(StreamId(0)) == 0) {
      bool empty = true;
      for (uint16_t s = 0; s < streams; ++s) empty = empty && p.a.assoc.buffered_amount(StreamId(s)) == 0;
      if (empty && p.inflight() == 0) break;
    }
    if (!p.step(limit)) break;
  }
  r.elapsed = p.now - start;
  return r;
}

}  // namespace

TEST_CASE("sim: reliable ordered mixed-size messages under 0/5/20/30 % loss with reordering and duplication") {
  const size_t kMessages = 10000;
  for (double loss : {0.0, 0.05, 0.20, 0.30}) {
    uint64_t seed = seed_for(1000 + uint64_t(loss * 100));
    std::printf("[sctp sim] reliable loss=%.0f%% seed=%llu messages=%zu\n", loss * 100,
                (unsigned long long)seed, kMessages);
    LinkParams link;
    link.loss = loss;
    link.jitter = std::chrono::milliseconds(loss > 0 ? 4 : 0);
    link.duplicate = loss > 0 ? 0.02 : 0.0;
    // At 30 % loss each way a round trip fails half the time: the RFC's
    // Association.Max.Retrans of 10 would, by chance, end an association that
    // lives for simulated hours. The lossy runs allow 30 consecutive failures.
    Config cfg;
    if (loss > 0) cfg.max_retransmits = cfg.max_init_retransmits = 30;
    Pair p(cfg, cfg, seed, link);
    REQUIRE(p.connect(std::chrono::hours(1)));
    auto r = bulk(p, kMessages, 8, 256 * 1024, SendOptions{}, seed, std::chrono::hours(200));
    INFO("seed " << seed << " loss " << loss);
    std::printf("[sctp sim]   received=%zu bytes=%zu virtual=%.1fs dropped=%llu dup=%llu rtx=%llu fast=%llu t3=%llu\n",
                r.received, r.bytes, to_millis(r.elapsed) / 1000.0, (unsigned long long)p.dropped,
                (unsigned long long)p.duplicated,
                (unsigned long long)p.a.assoc.stats().data_chunks_retransmitted,
                (unsigned long long)p.a.assoc.stats().fast_retransmits,
                (unsigned long long)p.a.assoc.stats().t3_expiries);
    if (p.a.assoc.state() != State::established)
      for (auto& e : p.a.events)
        if (e.type == EventType::closed) std::printf("[sctp sim]   A closed: %s (%s)\n", close_reason_name(e.reason), e.detail);
    CHECK(r.received == kMessages);
    CHECK(r.in_order);
    CHECK(r.identical);
    CHECK(p.a.assoc.is_consistent());
    CHECK(p.b.assoc.is_consistent());
    CHECK(p.a.assoc.state() == State::established);
  }
}

TEST_CASE("sim: unordered messages all arrive under 20 % loss") {
  uint64_t seed = seed_for(2000);
  std::printf("[sctp sim] unordered seed=%llu\n", (unsigned long long)seed);
  LinkParams link{std::chrono::milliseconds(5), std::chrono::milliseconds(4), 0.20, 0.02};
  Pair p(Config{}, Config{}, seed, link);
  REQUIRE(p.connect(std::chrono::minutes(5)));
  auto r = bulk(p, 2000, 4, 64 * 1024, SendOptions{.unordered = true}, seed, std::chrono::hours(1));
  INFO("seed " << seed);
  CHECK(r.received == 2000);
  CHECK(r.identical);
}

TEST_CASE("sim: partially reliable streams drop exactly what the policy allows") {
  for (int policy = 0; policy < 2; ++policy) {
    uint64_t seed = seed_for(3000 + policy);
    std::printf("[sctp sim] partial reliability %s seed=%llu\n", policy == 0 ? "max_retransmits=0" : "lifetime=3s",
                (unsigned long long)seed);
    LinkParams link{std::chrono::milliseconds(10), std::chrono::milliseconds(2), 0.20, 0.0};
    Pair p(Config{}, Config{}, seed, link);
    REQUIRE(p.connect(std::chrono::minutes(5)));
    SendOptions o;
    if (policy == 0) o.max_retransmits = 0;
    else o.lifetime = std::chrono::milliseconds(3000);
    auto r = bulk(p, 2000, 2, 4000, o, seed, std::chrono::minutes(30), /*expect_all=*/false);
    p.run_for(std::chrono::seconds(5));
    // Count what arrived after the run settled.
    size_t got = 0;
    for (auto& e : p.b.events) got += e.type == EventType::message;
    INFO("seed " << seed << " sent " << r.sent << " got " << got << " abandoned "
                 << p.a.assoc.stats().messages_abandoned);
    CHECK(r.identical);
    CHECK(r.in_order);
    CHECK(r.sent == 2000);
    // Every message that did not arrive was abandoned by the sender's policy
    // (an abandoned message may still arrive: its SACK was lost, not its data).
    CHECK(got <= r.sent);
    CHECK(r.sent - got <= p.a.assoc.stats().messages_abandoned);
    CHECK(got < r.sent);   // 20 % loss with no retransmission must lose some
    CHECK(got > (policy == 0 ? r.sent / 2 : r.sent / 20));
    CHECK(p.a.assoc.stats().forward_tsns_sent > 0);
    // The association is still healthy: a reliable message gets through.
    REQUIRE(p.a.assoc.send(p.now, StreamId(5), Ppid(1), std::vector<uint8_t>(3000, 7)).ok());
    p.run_for(std::chrono::seconds(20));
    CHECK(last_message(p.b.events).value_or(0) == 1u);
  }
}

TEST_CASE("sim: simultaneous open") {
  for (uint64_t s = 0; s < 20; ++s) {
    uint64_t seed = seed_for(4000 + s);
    LinkParams link{std::chrono::milliseconds(5), std::chrono::milliseconds(3), s >= 10 ? 0.2 : 0.0, 0.0};
    Pair p(Config{}, Config{}, seed, link);
    REQUIRE(p.a.assoc.connect(p.now).ok());
    REQUIRE(p.b.assoc.connect(p.now).ok());
    bool ok = p.run_until([&] {
      return p.a.assoc.state() == State::established && p.b.assoc.state() == State::established;
    }, std::chrono::minutes(2));
    INFO("seed " << seed);
    REQUIRE(ok);
    REQUIRE(p.a.assoc.send(p.now, StreamId(0), Ppid(1), std::vector<uint8_t>(5000, 1)).ok());
    REQUIRE(p.b.assoc.send(p.now, StreamId(0), Ppid(1), std::vector<uint8_t>(5000, 2)).ok());
    p.run_for(std::chrono::seconds(30));
    size_t ma = 0, mb = 0;
    for (auto& e : p.a.events) ma += e.type == EventType::message;
    for (auto& e : p.b.events) mb += e.type == EventType::message;
    CHECK(ma == 1);
    CHECK(mb == 1);
  }
  std::printf("[sctp sim] simultaneous open seeds=4000..4019\n");
}

TEST_CASE("sim: graceful shutdown in the middle of a transfer delivers everything first") {
  uint64_t seed = seed_for(5000);
  std::printf("[sctp sim] shutdown mid-transfer seed=%llu\n", (unsigned long long)seed);
  LinkParams link{std::chrono::milliseconds(5), std::chrono::milliseconds(3), 0.1, 0.01};
  Pair p(Config{}, Config{}, seed, link);
  REQUIRE(p.connect(std::chrono::minutes(1)));
  size_t total = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    auto m = body(i, 1000 + i * 37);
    total += m.size();
    REQUIRE(p.a.assoc.send(p.now, StreamId(i % 3), Ppid(i), std::move(m)).ok());
  }
  p.run_for(std::chrono::milliseconds(30));
  REQUIRE(p.a.assoc.shutdown(p.now).ok());
  p.run_for(std::chrono::minutes(2));
  size_t got = 0, bytes = 0;
  for (auto& e : p.b.events)
    if (e.type == EventType::message) {
      ++got;
      bytes += e.payload.size();
      CHECK(e.payload == body(e.ppid.value(), e.payload.size()));
    }
  CHECK(got == 200);
  CHECK(bytes == total);
  CHECK(p.a.assoc.state() == State::closed);
  CHECK(p.b.assoc.state() == State::closed);
  CHECK(p.a.events.back().reason == CloseReason::shutdown_complete);
}

TEST_CASE("sim: abort in the middle of a transfer closes both sides at once") {
  uint64_t seed = seed_for(5100);
  std::printf("[sctp sim] abort mid-transfer seed=%llu\n", (unsigned long long)seed);
  Pair p(Config{}, Config{}, seed, LinkParams{std::chrono::milliseconds(5), {}, 0.0, 0.0});
  REQUIRE(p.connect());
  for (uint32_t i = 0; i < 50; ++i) REQUIRE(p.a.assoc.send(p.now, StreamId(0), Ppid(i), body(i, 20000)).ok());
  p.run_for(std::chrono::milliseconds(12));
  p.b.assoc.abort(p.now);
  p.run_for(std::chrono::seconds(1));
  CHECK(p.a.assoc.state() == State::closed);
  CHECK(p.a.events.back().reason == CloseReason::peer_abort);
  CHECK(p.b.events.back().reason == CloseReason::local_abort);
  size_t got = 0;
  for (auto& e : p.b.events) got += e.type == EventType::message;
  CHECK(got < 50);
  CHECK(p.a.assoc.buffered_amount(StreamId(0)) == 0);
}

TEST_CASE("sim: stream reset while data is in flight, under loss") {
  uint64_t seed = seed_for(6000);
  std::printf("[sctp sim] stream reset in flight seed=%llu\n", (unsigned long long)seed);
  LinkParams link{std::chrono::milliseconds(5), std::chrono::milliseconds(3), 0.15, 0.02};
  Pair p(Config{}, Config{}, seed, link);
  REQUIRE(p.connect(std::chrono::minutes(1)));
  for (uint32_t i = 0; i < 30; ++i) REQUIRE(p.a.assoc.send(p.now, StreamId(2), Ppid(i), body(i, 7000)).ok());
  p.run_for(std::chrono::milliseconds(8));
  StreamId s[] = {StreamId(2)};
  REQUIRE(p.a.assoc.reset_streams(p.now, s).ok());
  bool done = p.run_until([&] {
    for (auto& e : p.a.events)
      if (e.type == EventType::outgoing_streams_reset) return true;
    return false;
  }, std::chrono::minutes(2));
  INFO("seed " << seed);
  REQUIRE(done);
  p.run_for(std::chrono::seconds(1));
  size_t got = 0;
  bool reset_seen = false, after = false;
  for (auto& e : p.b.events) {
    if (e.type == EventType::message) {
      ++got;
      if (reset_seen) after = true;
      CHECK(e.payload == body(e.ppid.value(), 7000));
    }
    if (e.type == EventType::incoming_streams_reset) reset_seen = true;
  }
  CHECK(got == 30);
  CHECK(reset_seen);
  CHECK_FALSE(after);  // every message sent before the reset arrives before it
  // The stream is reusable with SSN 0.
  REQUIRE(p.a.assoc.send(p.now, StreamId(2), Ppid(99), body(99, 100)).ok());
  p.run_for(std::chrono::seconds(10));
  CHECK(last_message(p.b.events).value_or(0) == 99u);
}

TEST_CASE("sim: peer restart is detected with tie-tags and reported") {
  uint64_t seed = seed_for(7000);
  std::printf("[sctp sim] peer restart seed=%llu\n", (unsigned long long)seed);
  Pair p(Config{}, Config{}, seed, LinkParams{std::chrono::milliseconds(5), {}, 0.0, 0.0});
  REQUIRE(p.connect());
  REQUIRE(p.a.assoc.send(p.now, StreamId(0), Ppid(1), body(1, 100)).ok());
  p.run_for(std::chrono::milliseconds(100));
  // B crashes and comes back, connecting to A again.
  p.b.restart(Config{});
  REQUIRE(p.b.assoc.connect(p.now).ok());
  bool ok = p.run_until([&] { return p.b.assoc.state() == State::established; }, std::chrono::seconds(30));
  REQUIRE(ok);
  bool restarted = false;
  for (auto& e : p.a.events) restarted = restarted || e.type == EventType::restarted;
  CHECK(restarted);
  CHECK(p.a.assoc.state() == State::established);
  REQUIRE(p.a.assoc.send(p.now, StreamId(0), Ppid(2), body(2, 3000)).ok());
  REQUIRE(p.b.assoc.send(p.now, StreamId(0), Ppid(3), body(3, 3000)).ok());
  p.run_for(std::chrono::seconds(1));
  CHECK(last_message(p.b.events).value_or(0) == 2u);
  CHECK(last_message(p.a.events).value_or(0) == 3u);
}
