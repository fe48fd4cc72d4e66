// The send queue's scheduling: streams take turns message by message, FIFO
// within a stream, a started message finishes before the turn passes, and an
// expired message at its stream's head is dropped without a TSN.
#include "sctp/tx/send_queue.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::sctp;

namespace {

void queue_message(SendQueue& q, uint16_t stream, size_t size, uint8_t tag,
                   std::optional<Instant> expires = std::nullopt) {
  OutMessage* m = q.acquire();
  m->data.assign(size, tag);
  m->stream = stream;
  m->expires = expires;
  q.push(m);
}

// Drains the queue in fragments of `mtu`; returns "stream:tag" per fragment.
std::vector<std::string> drain(SendQueue& q, Instant now, size_t mtu, size_t* dropped = nullptr) {
  std::vector<std::string> out;
  size_t d = 0;
  while (auto f = q.next_fragment(now, mtu, &d)) {
    out.push_back(std::to_string(f->msg->stream) + ":" + char(f->msg->data[0]));
    q.release(f->msg);  // acked at once
  }
  if (dropped) *dropped = d;
  return out;
}

}  // namespace

TEST_CASE("streams take turns message by message", "[sctp][scheduling]") {
  SendQueue q;
  q.reset_streams_table(16);
  queue_message(q, 1, 100, 'a');
  queue_message(q, 1, 100, 'b');
  queue_message(q, 1, 100, 'c');
  queue_message(q, 3, 100, 'x');
  queue_message(q, 3, 100, 'y');
  queue_message(q, 5, 100, 'p');
  CHECK(drain(q, kTestEpoch, 1000) ==
        std::vector<std::string>{"1:a", "3:x", "5:p", "1:b", "3:y", "1:c"});
  CHECK(q.empty());
}

TEST_CASE("a started message finishes before the turn passes", "[sctp][scheduling]") {
  SendQueue q;
  q.reset_streams_table(16);
  queue_message(q, 0, 250, 'a');  // three fragments of 100
  queue_message(q, 2, 100, 'x');
  queue_message(q, 0, 100, 'b');
  CHECK(drain(q, kTestEpoch, 100) == std::vector<std::string>{"0:a", "0:a", "0:a", "2:x", "0:b"});
}

TEST_CASE("a time-limited stream is not starved by a busy one", "[sctp][scheduling]") {
  SendQueue q;
  q.reset_streams_table(16);
  for (int i = 0; i < 50; ++i) queue_message(q, 0, 1000, 'r');
  queue_message(q, 1, 10, 't', kTestEpoch + std::chrono::milliseconds(500));
  size_t dropped = 0;
  auto order = drain(q, kTestEpoch, 1000, &dropped);
  CHECK(dropped == 0);
  REQUIRE(order.size() == 51);
  CHECK(order[1] == "1:t");  // second, not 51st
}

TEST_CASE("an expired message at a stream's head is dropped unsent", "[sctp][scheduling]") {
  SendQueue q;
  q.reset_streams_table(16);
  queue_message(q, 4, 10, 'e', kTestEpoch + std::chrono::milliseconds(5));
  queue_message(q, 4, 10, 'f');
  size_t dropped = 0;
  CHECK(drain(q, kTestEpoch + std::chrono::milliseconds(10), 1000, &dropped) == std::vector<std::string>{"4:f"});
  CHECK(dropped == 1);
  CHECK(q.total_buffered() == 10);  // 'f' still counts until acked by the caller's rtx queue
}
