// ClientTransaction: the RFC 8489 §6.2.1 schedule on the virtual clock,
// response matching, error responses, cancellation.
#include "stun/client_transaction.h"
#include "stun/binding_server.h"
#include "stun/message_builder.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

const SocketAddress kServer(IpAddress::v4(127, 0, 0, 1), 3478);
const SocketAddress kClient(IpAddress::v4(127, 0, 0, 1), 50000);

struct Request {
  uint8_t buf[128];
  size_t size = 0;
  TransactionId tid;
  Bytes bytes() const { return Bytes(buf, size); }
};

Request binding_request(uint64_t seed = 1) {
  Request r;
  SeededRng rng(seed);
  r.tid = TransactionId::random(rng);
  MessageBuilder b(r.buf, {Method::binding, MessageClass::request}, r.tid);
  b.add_software("test");
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  r.size = *n;
  return r;
}

std::vector<uint8_t> success_for(const TransactionId& tid, const SocketAddress& mapped) {
  std::vector<uint8_t> out(128);
  MessageBuilder b(out, {Method::binding, MessageClass::success_response}, tid);
  b.add_xor_mapped_address(mapped);
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  out.resize(*n);
  return out;
}

MessageView view(const std::vector<uint8_t>& b) {
  MessageView v;
  REQUIRE(v.parse(b) == ParseError::none);
  return v;
}

// Drives the transaction only at its own deadlines; returns the send times
// (ms after start) and the time it gave up.
struct Schedule {
  std::vector<int64_t> sends;
  int64_t gave_up = -1;
};
Schedule run_to_timeout(ClientTransaction& tx, Instant t0) {
  Schedule s;
  uint8_t out[kMaxMessageSize];
  Instant now = t0;
  for (int guard = 0; guard < 100; ++guard) {
    while (auto t = tx.poll_transmit(out)) s.sends.push_back(to_millis(now - t0));
    while (auto e = tx.poll_event()) {
      REQUIRE(e->kind == TransactionEvent::Kind::timeout);
      CHECK(e->error.code == Errc::timeout);
      s.gave_up = to_millis(now - t0);
    }
    auto deadline = tx.poll_timeout();
    if (!deadline) break;
    REQUIRE(*deadline > now);
    now = *deadline;
    tx.handle_timeout(now);
  }
  return s;
}

}  // namespace

TEST_CASE("default schedule: sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms, gives up at 39500",
          "[stun][transaction]") {
  // RFC 8489 §6.2.1: "with an RTO of 500 ms, requests would be sent at
  // times 0 ms, 500 ms, 1500 ms, 3500 ms, 7500 ms, 15500 ms, and 31500 ms.
  // If the client has not received a response after 39500 ms, the client
  // will consider the transaction to have timed out."
  auto req = binding_request();
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  CHECK(tx.state() == TransactionState::waiting);
  const Schedule s = run_to_timeout(tx, kTestEpoch);
  CHECK(s.sends == std::vector<int64_t>{0, 500, 1500, 3500, 7500, 15500, 31500});
  CHECK(s.gave_up == 39500);
  CHECK(tx.state() == TransactionState::timed_out);
  CHECK(tx.transmissions() == 7);
  CHECK(!tx.poll_timeout());
}

TEST_CASE("configured schedule: RTO 100 ms, Rc 3, Rm 4", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx(TransactionConfig{milliseconds(100), 3, 4});
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  const Schedule s = run_to_timeout(tx, kTestEpoch);
  CHECK(s.sends == std::vector<int64_t>{0, 100, 300});
  CHECK(s.gave_up == 700);
}

TEST_CASE("reliable-transport settings: one transmission, Ti = 39.5 s", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx(TransactionConfig{milliseconds(500), 1, 79});
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  const Schedule s = run_to_timeout(tx, kTestEpoch);
  CHECK(s.sends == std::vector<int64_t>{0});
  CHECK(s.gave_up == 39500);
}

TEST_CASE("early and spurious timeouts change nothing", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  uint8_t out[kMaxMessageSize];
  auto t = tx.poll_transmit(out);
  REQUIRE(t);
  CHECK(t->destination == kServer);
  CHECK(t->size == req.size);
  CHECK(bytes_equal(Bytes(out, t->size), req.bytes()));
  CHECK(!tx.poll_transmit(out));
  tx.handle_timeout(kTestEpoch + milliseconds(499));
  CHECK(!tx.poll_transmit(out));
  CHECK(tx.poll_timeout() == kTestEpoch + milliseconds(500));
  // A clock going backwards is clamped.
  tx.handle_timeout(kTestEpoch - milliseconds(1000));
  CHECK(!tx.poll_transmit(out));
  tx.handle_timeout(kTestEpoch + milliseconds(500));
  CHECK(tx.poll_transmit(out));
  CHECK(tx.transmissions() == 2);
}

TEST_CASE("a success response with the right ID completes the transaction", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer, kClient).ok());
  uint8_t out[kMaxMessageSize];
  auto t = tx.poll_transmit(out);
  REQUIRE(t);
  CHECK(t->source == kClient);

  SECTION("first try: RTT reported") {
    auto resp = success_for(req.tid, kClient);
    CHECK(tx.matches(view(resp)));
    tx.handle_response(kTestEpoch + milliseconds(40), view(resp));
    auto e = tx.poll_event();
    REQUIRE(e);
    CHECK(e->kind == TransactionEvent::Kind::success);
    CHECK(e->id == req.tid);
    CHECK(e->transmissions == 1);
    REQUIRE(e->rtt);
    CHECK(to_millis(*e->rtt) == 40);
    CHECK(tx.state() == TransactionState::succeeded);
    CHECK(!tx.poll_timeout());
    CHECK(!tx.poll_event());
    // The caller re-parses the kept response.
    MessageView v;
    REQUIRE(v.parse(tx.response()) == ParseError::none);
    CHECK(v.xor_mapped_address() == kClient);
    // A duplicate is counted and ignored.
    tx.handle_response(kTestEpoch + milliseconds(50), view(resp));
    CHECK(tx.stats().after_completion == 1);
    CHECK(!tx.poll_event());
  }
  SECTION("after a retransmission: no RTT (Karn)") {
    tx.handle_timeout(kTestEpoch + milliseconds(500));
    REQUIRE(tx.poll_transmit(out));
    auto resp = success_for(req.tid, kClient);
    tx.handle_response(kTestEpoch + milliseconds(600), view(resp));
    auto e = tx.poll_event();
    REQUIRE(e);
    CHECK(e->transmissions == 2);
    CHECK(!e->rtt);
  }
}

TEST_CASE("responses with another transaction ID, method or class are ignored", "[stun][transaction]") {
  auto req = binding_request(1);
  auto other = binding_request(2);
  REQUIRE(!(req.tid == other.tid));
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  uint8_t out[kMaxMessageSize];
  REQUIRE(tx.poll_transmit(out));

  auto wrong_id = success_for(other.tid, kClient);
  CHECK(!tx.matches(view(wrong_id)));
  tx.handle_response(kTestEpoch + milliseconds(10), view(wrong_id));
  CHECK(tx.stats().wrong_transaction_id == 1);

  // Same ID, but the request itself (e.g. reflected back).
  MessageView reflected;
  REQUIRE(reflected.parse(req.bytes()) == ParseError::none);
  tx.handle_response(kTestEpoch + milliseconds(10), reflected);
  CHECK(tx.stats().not_a_response == 1);

  // Same ID, another method.
  std::vector<uint8_t> alloc(64);
  MessageBuilder b(alloc, {Method::allocate, MessageClass::success_response}, req.tid);
  alloc.resize(*b.finish());
  tx.handle_response(kTestEpoch + milliseconds(10), view(alloc));
  CHECK(tx.stats().wrong_method == 1);

  // Error response lacking ERROR-CODE.
  std::vector<uint8_t> bare(64);
  MessageBuilder b2(bare, {Method::binding, MessageClass::error_response}, req.tid);
  bare.resize(*b2.finish());
  tx.handle_response(kTestEpoch + milliseconds(10), view(bare));
  CHECK(tx.stats().missing_error_code == 1);

  CHECK(tx.state() == TransactionState::waiting);
  CHECK(!tx.poll_event());
  // The schedule continues as if nothing arrived.
  CHECK(tx.poll_timeout() == kTestEpoch + milliseconds(500));
}

TEST_CASE("an error response ends the transaction with its code", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  MessageView req_view;
  REQUIRE(req_view.parse(req.bytes()) == ParseError::none);

  SECTION("487 Role Conflict") {
    std::vector<uint8_t> resp(128);
    auto n = build_error_response(req_view, error_codes::kRoleConflict, resp);
    REQUIRE(n.ok());
    resp.resize(*n);
    tx.handle_response(kTestEpoch + milliseconds(5), view(resp));
    auto e = tx.poll_event();
    REQUIRE(e);
    CHECK(e->kind == TransactionEvent::Kind::error_response);
    CHECK(e->error_code == 487);
    CHECK(tx.state() == TransactionState::failed);
    MessageView v;
    REQUIRE(v.parse(tx.response()) == ParseError::none);
    CHECK(v.error_code()->reason == "Role Conflict");
  }
  SECTION("401 maps to auth_failed") {
    std::vector<uint8_t> resp(128);
    auto n = build_error_response(req_view, error_codes::kUnauthorized, resp);
    REQUIRE(n.ok());
    resp.resize(*n);
    tx.handle_response(kTestEpoch + milliseconds(5), view(resp));
    auto e = tx.poll_event();
    REQUIRE(e);
    CHECK(e->error_code == 401);
    CHECK(e->error.code == Errc::auth_failed);
  }
}

TEST_CASE("start validates its input and the state", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx;
  CHECK(tx.start(kTestEpoch, Bytes(req.buf, 10), kServer).error().code == Errc::malformed);
  auto resp = success_for(req.tid, kClient);
  CHECK(tx.start(kTestEpoch, resp, kServer).error().code == Errc::invalid_argument);
  std::vector<uint8_t> huge(kMaxMessageSize + 4, 0);
  CHECK(tx.start(kTestEpoch, huge, kServer).error().code == Errc::buffer_too_small);
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  CHECK(tx.start(kTestEpoch, req.bytes(), kServer).error().code == Errc::invalid_state);
  ClientTransaction bad(TransactionConfig{milliseconds(0), 7, 16});
  CHECK(bad.start(kTestEpoch, req.bytes(), kServer).error().code == Errc::invalid_argument);
}

TEST_CASE("cancel stops everything; a finished transaction can be restarted", "[stun][transaction]") {
  auto req = binding_request();
  ClientTransaction tx;
  REQUIRE(tx.start(kTestEpoch, req.bytes(), kServer).ok());
  tx.cancel();
  uint8_t out[kMaxMessageSize];
  CHECK(tx.state() == TransactionState::cancelled);
  CHECK(!tx.poll_transmit(out));
  CHECK(!tx.poll_timeout());
  CHECK(!tx.poll_event());
  auto req2 = binding_request(7);
  REQUIRE(tx.start(kTestEpoch + seconds(1), req2.bytes(), kServer).ok());
  CHECK(tx.transaction_id() == req2.tid);
  CHECK(tx.poll_transmit(out));
  CHECK(tx.poll_timeout() == kTestEpoch + seconds(1) + milliseconds(500));
}

TEST_CASE("a transaction stays within one message buffer plus a little state", "[stun][transaction]") {
  // The request/response buffer dominates; there is no heap member.
  CHECK(sizeof(ClientTransaction) <= kMaxMessageSize + 320);  // 1536 on x86-64 (gcc 12)
}
