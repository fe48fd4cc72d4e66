// TransactionTable: several transactions at once, routed by ID, bounded.
#include "stun/message_builder.h"
#include "stun/transaction_table.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

const SocketAddress kPeerA(IpAddress::v4(127, 0, 0, 1), 1000);
const SocketAddress kPeerB(IpAddress::v4(127, 0, 0, 1), 2000);

std::vector<uint8_t> request(SeededRng& rng) {
  std::vector<uint8_t> out(64);
  MessageBuilder b(out, {Method::binding, MessageClass::request}, TransactionId::random(rng));
  out.resize(*b.finish());
  return out;
}

std::vector<uint8_t> success(const TransactionId& id) {
  std::vector<uint8_t> out(64);
  MessageBuilder b(out, {Method::binding, MessageClass::success_response}, id);
  b.add_xor_mapped_address(kPeerA);
  out.resize(*b.finish());
  return out;
}

}  // namespace

TEST_CASE("table: two transactions, the response finds its own", "[stun][table]") {
  SeededRng rng(42);
  TransactionTable table(TransactionTableConfig{2, {}});
  auto ra = request(rng), rb = request(rng), rc = request(rng);
  auto a = table.start(kTestEpoch, ra, kPeerA);
  auto b = table.start(kTestEpoch + milliseconds(100), rb, kPeerB);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(table.outstanding() == 2);
  CHECK(table.start(kTestEpoch, rc, kPeerA).error().code == Errc::limit_exceeded);
  CHECK(table.start(kTestEpoch, ra, kPeerA).error().code == Errc::invalid_state);

  uint8_t buf[kMaxMessageSize];
  std::vector<SocketAddress> dests;
  while (auto t = table.poll_transmit(buf)) dests.push_back(t->destination);
  CHECK(dests.size() == 2);
  CHECK(table.poll_timeout() == kTestEpoch + milliseconds(500));

  // B answers; a response with an unknown ID is counted.
  auto resp_b = success(*b);
  MessageView v;
  REQUIRE(v.parse(resp_b) == ParseError::none);
  CHECK(table.matches(v));
  table.handle_response(kTestEpoch + milliseconds(150), v);
  auto stray = success(TransactionId::random(rng));
  MessageView sv;
  REQUIRE(sv.parse(stray) == ParseError::none);
  CHECK(!table.matches(sv));
  table.handle_response(kTestEpoch, sv);
  CHECK(table.unmatched_responses() == 1);

  auto e = table.poll_event();
  REQUIRE(e);
  CHECK(e->id == *b);
  CHECK(e->kind == TransactionEvent::Kind::success);
  MessageView kept;
  REQUIRE(kept.parse(table.response(*b)) == ParseError::none);
  CHECK(kept.xor_mapped_address() == kPeerA);
  CHECK(!table.poll_event());  // frees B's slot
  CHECK(table.response(*b).empty());
  CHECK(table.start(kTestEpoch + milliseconds(200), rc, kPeerA).ok());

  // A runs to its timeout at 39.5 s while C keeps its own schedule.
  Instant now = kTestEpoch;
  int timeouts = 0;
  while (auto d = table.poll_timeout()) {
    now = *d;
    table.handle_timeout(now);
    while (table.poll_transmit(buf)) {}
    while (auto ev = table.poll_event()) {
      CHECK(ev->kind == TransactionEvent::Kind::timeout);
      if (ev->id == *a) CHECK(now == kTestEpoch + milliseconds(39500));
      ++timeouts;
    }
  }
  CHECK(timeouts == 2);
  CHECK(table.outstanding() == 0);
}

TEST_CASE("table: per-transaction schedule and cancel", "[stun][table]") {
  SeededRng rng(7);
  TransactionTable table;
  auto r = request(rng);
  TransactionConfig fast{milliseconds(50), 2, 2};
  auto id = table.start(kTestEpoch, r, kPeerA, {}, &fast);
  REQUIRE(id.ok());
  CHECK(table.poll_timeout() == kTestEpoch + milliseconds(50));
  CHECK(table.cancel(*id));
  CHECK(!table.cancel(*id));
  CHECK(!table.poll_timeout());
  CHECK(table.outstanding() == 0);
}
