// Storage that grows on demand keeps every limit and every order: the
// bounded rings (base RingBuffer, sctp Fifo), the receive queue's TSN ring
// (small at first, doubled up to the window when a chunk is held far
// ahead) and the per-stream send table (entries for the streams used).
#include "base/ring_buffer.h"
#include "sctp/association.h"
#include "sctp/fifo.h"
#include "sctp/rx/receive_queue.h"
#include "sim/sctp/sctp_harness.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sctp;
using namespace sansrtc::sctp::testing;

TEST_CASE("RingBuffer allocates on demand, doubles up to its capacity and keeps FIFO order across growth") {
  RingBuffer<std::string> r(10);
  CHECK(r.capacity() == 10);
  CHECK(r.allocated() == 0);  // nothing before the first push
  // Wrap the head before growing: 4 slots, head moved by 3.
  for (int i = 0; i < 4; ++i) REQUIRE(r.push_back("x" + std::to_string(i)));
  CHECK(r.allocated() == RingBuffer<std::string>::kInitialSlots);
  for (int i = 0; i < 3; ++i) REQUIRE(r.pop_front());
  for (int i = 4; i < 12; ++i) REQUIRE(r.push_back("x" + std::to_string(i)));  // grows 4 -> 8 -> 10
  CHECK(r.size() == 9);
  CHECK(r.allocated() == 10);  // capped at the capacity, not 16
  REQUIRE(r.push_back("x12"));
  CHECK(r.full());
  CHECK_FALSE(r.push_back("x13"));  // the limit holds
  CHECK(r[0] == "x3");
  CHECK(r.back() == "x12");
  for (int i = 3; i <= 12; ++i) CHECK(*r.pop_front() == "x" + std::to_string(i));
  CHECK_FALSE(r.pop_front());
  r.clear();
  CHECK(r.allocated() == 10);  // storage is kept: no allocation next time
  RingBuffer<int> z(0);
  CHECK_FALSE(z.push_back(1));
  RingBuffer<int> big(4096);
  big.reserve(100);
  CHECK(big.allocated() == 100);
}

TEST_CASE("Fifo keeps its order across growth with a wrapped head") {
  Fifo<int> f;
  for (int i = 0; i < 4; ++i) f.push_back(i);
  (void)f.pop_front();
  (void)f.pop_front();
  for (int i = 4; i < 40; ++i) f.push_back(i);
  for (int i = 2; i < 40; ++i) CHECK(f.pop_front() == i);
  CHECK(f.empty());
}

namespace {

DataChunk chunk(uint32_t tsn, const std::vector<uint8_t>& payload, uint8_t flags = kFlagBeginning | kFlagEnding) {
  DataChunk d;
  d.tsn = tsn;
  d.stream = 1;
  d.ppid = 53;
  d.flags = flags;
  d.payload = Bytes(payload.data(), payload.size());
  return d;
}

}  // namespace

TEST_CASE("receive queue: chunks held far beyond the initial ring, then the hole fills: all in TSN order") {
  const uint32_t first = 0xFFFFFF00u;  // the TSNs wrap during the test
  ReceiveQueue q(first, 1024, 1 << 20, 1 << 16);
  Fifo<ReceivedMessage> out;
  std::vector<std::vector<uint8_t>> payloads;
  for (int i = 0; i < 600; ++i) payloads.push_back(std::vector<uint8_t>(1 + i % 50, uint8_t(i)));
  // TSN `first` is lost; 1..599 arrive (the ring grows from 16 towards 1024).
  for (int i = 1; i < 600; ++i) REQUIRE(q.add(chunk(first + i, payloads[i]), out) == ReceiveQueue::Verdict::accepted);
  CHECK(out.empty());
  CHECK(q.is_consistent());
  GapAckBlock gaps[4];
  REQUIRE(q.gap_blocks(gaps, 4) == 1);
  CHECK(gaps[0] == GapAckBlock{2, 600});  // offsets from the cumulative TSN (first - 1)
  // A duplicate of a held chunk is still recognised after the growth.
  CHECK(q.add(chunk(first + 300, payloads[300]), out) == ReceiveQueue::Verdict::duplicate);
  // The window (1024 TSNs) still bounds what is held.
  CHECK(q.add(chunk(first + 1100, payloads[0]), out) == ReceiveQueue::Verdict::out_of_window);
  // The hole fills: 600 messages, in order.
  REQUIRE(q.add(chunk(first, payloads[0]), out) == ReceiveQueue::Verdict::accepted);
  REQUIRE(out.size() == 600);
  for (int i = 0; i < 600; ++i) {
    ReceivedMessage m = out.pop_front();
    CHECK(m.payload == payloads[i]);
  }
  CHECK(q.cumulative_tsn() == first + 599);
  CHECK(q.held_bytes() == 0);
  CHECK_FALSE(q.has_gaps());
  CHECK(q.is_consistent());
}

TEST_CASE("receive queue: FORWARD-TSN across a grown ring delivers what was held and skips the rest") {
  ReceiveQueue q(1000, 4096, 1 << 20, 1 << 16);
  Fifo<ReceivedMessage> out;
  std::vector<uint8_t> p(10, 7);
  for (uint32_t t = 1100; t < 1200; ++t) REQUIRE(q.add(chunk(t, p), out) == ReceiveQueue::Verdict::accepted);
  q.forward(1150, out);  // 1000..1099 abandoned; 1100..1150 delivered; 1151..1199 follow
  CHECK(out.size() == 100);
  CHECK(q.cumulative_tsn() == 1199);
  CHECK(q.is_consistent());
}

TEST_CASE("send side: a stream's table entry exists once used; every negotiated stream still works") {
  Pair p(Config{}, Config{}, 21);
  REQUIRE(p.connect());
  REQUIRE(p.a.assoc.outbound_streams() == 1024);
  // Never used: idle, and reading it does not create it.
  CHECK(p.a.assoc.buffered_amount(StreamId(1023)) == 0);
  CHECK(p.a.assoc.buffered_amount(StreamId(1024)) == 0);  // beyond the negotiated streams
  std::vector<uint8_t> m(100, 1);
  REQUIRE(p.a.assoc.send(p.now, StreamId(1023), Ppid(53), m).ok());
  REQUIRE(p.a.assoc.send(p.now, StreamId(3), Ppid(53), m).ok());
  CHECK_FALSE(p.a.assoc.send(p.now, StreamId(1024), Ppid(53), m).ok());
  CHECK(p.a.assoc.buffered_amount(StreamId(1023)) == 100);
  p.run_for(std::chrono::seconds(1));
  size_t got = 0;
  for (auto& e : p.b.events)
    if (e.type == EventType::message) ++got;
  CHECK(got == 2);
  CHECK(p.a.assoc.buffered_amount(StreamId(1023)) == 0);
  // A stream reset on a never-used stream is accepted and completes.
  const StreamId s[] = {StreamId(500)};
  REQUIRE(p.a.assoc.reset_streams(p.now, s).ok());
  p.run_for(std::chrono::seconds(1));
  bool reset = false;
  for (auto& e : p.a.events) reset |= e.type == EventType::outgoing_streams_reset;
  CHECK(reset);
  CHECK(p.a.assoc.is_consistent());
}
