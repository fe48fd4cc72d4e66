// BindingServer and the response builders: a client's request in, the
// right response (or nothing) out.
#include "stun/binding_server.h"
#include "stun/client_transaction.h"
#include "stun/message_builder.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;

namespace {

const SocketAddress kServerAddr(IpAddress::v4(127, 0, 0, 1), 3478);
const SocketAddress kClientAddr(IpAddress::v4(127, 0, 0, 2), 61000);
const auto kTid = TransactionId::from(as_bytes("txn-id-12345"));

std::vector<uint8_t> request(void (*fill)(MessageBuilder&), Method m = Method::binding) {
  std::vector<uint8_t> out(256);
  MessageBuilder b(out, {m, MessageClass::request}, kTid);
  fill(b);
  auto n = b.finish();
  REQUIRE(n.ok());
  out.resize(*n);
  return out;
}

struct Reply {
  std::vector<uint8_t> bytes;
  Transmit t;
  MessageView view() const {
    MessageView v;
    REQUIRE(v.parse(bytes) == ParseError::none);
    return v;
  }
};

std::optional<Reply> ask(BindingServer& s, Bytes payload) {
  s.handle_packet(kTestEpoch, Datagram{kClientAddr, kServerAddr, payload});
  uint8_t buf[kMaxMessageSize];
  auto t = s.poll_transmit(buf);
  if (!t) return std::nullopt;
  Reply r;
  r.t = *t;
  r.bytes.assign(buf, buf + t->size);
  return r;
}

}  // namespace

TEST_CASE("plain Binding: the server answers with the client's reflexive address", "[stun][server]") {
  BindingServer s(BindingServerConfig{4, "sansrtc", true});
  auto req = request([](MessageBuilder&) {});
  auto r = ask(s, req);
  REQUIRE(r);
  CHECK(r->t.destination == kClientAddr);
  CHECK(r->t.source == kServerAddr);
  auto v = r->view();
  CHECK(v.is_success_response());
  CHECK(v.transaction_id() == kTid);
  CHECK(v.xor_mapped_address() == kClientAddr);
  CHECK(v.software() == "sansrtc");
  CHECK(v.fingerprint());
  CHECK(!v.message_integrity());
  CHECK(s.stats().success_sent == 1);
}

TEST_CASE("a client transaction and the server talk to each other", "[stun][server][transaction]") {
  BindingServer s;
  ClientTransaction tx;
  auto req = request([](MessageBuilder& b) { b.add_fingerprint(); });
  REQUIRE(tx.start(kTestEpoch, req, kServerAddr, kClientAddr).ok());
  uint8_t buf[kMaxMessageSize];
  auto t = tx.poll_transmit(buf);
  REQUIRE(t);
  s.handle_packet(kTestEpoch, Datagram{t->source, t->destination, Bytes(buf, t->size)});
  auto back = s.poll_transmit(buf);
  REQUIRE(back);
  CHECK(back->destination == kClientAddr);
  MessageView v;
  REQUIRE(v.parse(Bytes(buf, back->size)) == ParseError::none);
  tx.handle_response(kTestEpoch + milliseconds(3), v);
  auto e = tx.poll_event();
  REQUIRE(e);
  CHECK(e->kind == TransactionEvent::Kind::success);
  MessageView kept;
  REQUIRE(kept.parse(tx.response()) == ParseError::none);
  CHECK(kept.xor_mapped_address() == kClientAddr);
}

TEST_CASE("short-term credentials: 400 without, 401 wrong, MI-protected success when right", "[stun][server]") {
  BindingServer s;
  REQUIRE(s.set_short_term_credentials("local:", "server-password-0123456789").ok());
  auto key = short_term_key("server-password-0123456789");
  REQUIRE(key.ok());

  SECTION("no USERNAME/MESSAGE-INTEGRITY: 400 without MESSAGE-INTEGRITY") {
    auto r = ask(s, request([](MessageBuilder&) {}));
    REQUIRE(r);
    auto v = r->view();
    CHECK(v.is_error_response());
    CHECK(v.error_code()->code == 400);
    CHECK(!v.message_integrity());
    CHECK(s.stats().bad_request_sent == 1);
  }
  SECTION("wrong password: 401") {
    auto req = request([](MessageBuilder& b) {
      b.add_username("local:remote");
      b.add_message_integrity(as_bytes("not-the-password"));
      b.add_fingerprint();
    });
    auto r = ask(s, req);
    REQUIRE(r);
    CHECK(r->view().error_code()->code == 401);
    CHECK(!r->view().message_integrity());
    CHECK(s.stats().unauthorized_sent == 1);
  }
  SECTION("wrong username: 401") {
    std::vector<uint8_t> out(256);
    MessageBuilder b(out, {Method::binding, MessageClass::request}, kTid);
    b.add_username("other:remote");
    b.add_message_integrity(key->expose());
    out.resize(*b.finish());
    auto r = ask(s, out);
    REQUIRE(r);
    CHECK(r->view().error_code()->code == 401);
  }
  SECTION("right credentials: success with MESSAGE-INTEGRITY") {
    std::vector<uint8_t> out(256);
    MessageBuilder b(out, {Method::binding, MessageClass::request}, kTid);
    b.add_username("local:remote");
    b.add_priority(12345);
    b.add_message_integrity(key->expose());
    b.add_fingerprint();
    out.resize(*b.finish());
    auto r = ask(s, out);
    REQUIRE(r);
    auto v = r->view();
    CHECK(v.is_success_response());
    CHECK(verify_integrity(v, key->expose()) == IntegrityStatus::ok);
  }
  SECTION("non-ASCII password refused when configuring") {
    CHECK(!s.set_short_term_credentials("x:", "p\xc3\xa4ss").ok());
  }
}

TEST_CASE("unknown comprehension-required attributes: 420 listing them", "[stun][server]") {
  BindingServer s;
  auto req = request([](MessageBuilder& b) {
    b.add_raw(0x0031, as_bytes("abcd"));
    b.add_raw(0xC001, as_bytes("optional is fine"));
    b.add_raw(0x7001, {});
  });
  auto r = ask(s, req);
  REQUIRE(r);
  auto v = r->view();
  CHECK(v.error_code()->code == 420);
  auto ua = v.unknown_attributes();
  REQUIRE(ua);
  REQUIRE(ua->size() == 2);
  CHECK((*ua)[0] == 0x0031);
  CHECK((*ua)[1] == 0x7001);
  CHECK(s.stats().unknown_attribute_sent == 1);
}

TEST_CASE("the server drops what it must not answer, counting why", "[stun][server]") {
  BindingServer s(BindingServerConfig{2, {}, true});
  uint8_t buf[kMaxMessageSize];
  SECTION("garbage and DTLS") {
    const uint8_t dtls[] = {0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(!ask(s, dtls));
    CHECK(s.stats().not_stun == 1);
  }
  SECTION("bad fingerprint") {
    auto req = request([](MessageBuilder& b) { b.add_fingerprint(); });
    req[req.size() - 1] ^= 1;
    CHECK(!ask(s, req));
    CHECK(s.stats().parse.rejected_by(ParseError::fingerprint_mismatch) == 1);
  }
  SECTION("indication (keepalive)") {
    std::vector<uint8_t> ind(64);
    MessageBuilder b(ind, {Method::binding, MessageClass::indication}, kTid);
    ind.resize(*b.finish());
    CHECK(!ask(s, ind));
    CHECK(s.stats().not_request == 1);
  }
  SECTION("another method: 400") {
    auto r = ask(s, request([](MessageBuilder&) {}, Method::allocate));
    REQUIRE(r);
    CHECK(r->view().method() == Method::allocate);
    CHECK(r->view().error_code()->code == 400);
    CHECK(s.stats().unsupported_method == 1);
  }
  SECTION("queue bound") {
    auto req = request([](MessageBuilder&) {});
    for (int i = 0; i < 5; ++i) s.handle_packet(kTestEpoch, Datagram{kClientAddr, kServerAddr, req});
    CHECK(s.pending() == 2);
    CHECK(s.stats().queue_full == 3);
    CHECK(s.poll_transmit(buf));
    CHECK(s.poll_transmit(buf));
    CHECK(!s.poll_transmit(buf));
  }
  SECTION("a too-small transmit buffer loses the response, counted") {
    s.handle_packet(kTestEpoch, Datagram{kClientAddr, kServerAddr, request([](MessageBuilder&) {})});
    CHECK(!s.poll_transmit(MutBytes(buf, 16)));
    CHECK(s.stats().build_failed == 1);
  }
}

TEST_CASE("build_binding_success for IPv6 with integrity, and error builders", "[stun][server]") {
  auto req = request([](MessageBuilder&) {});
  MessageView rv;
  REQUIRE(rv.parse(req) == ParseError::none);
  const auto ip = IpAddress::parse("::1");
  REQUIRE(ip.ok());
  const SocketAddress mapped(*ip, 9);
  uint8_t buf[256];
  ResponseOptions opts;
  opts.integrity_key = as_bytes("k3y");
  opts.software = "sw";
  auto n = build_binding_success(rv, mapped, buf, opts);
  REQUIRE(n.ok());
  MessageView v;
  REQUIRE(v.parse(Bytes(buf, *n)) == ParseError::none);
  CHECK(v.xor_mapped_address() == mapped);
  CHECK(verify_integrity(v, as_bytes("k3y")) == IntegrityStatus::ok);
  CHECK(v.fingerprint());

  auto e = build_error_response(rv, 438, buf, {}, "Stale Nonce, try again");
  REQUIRE(e.ok());
  REQUIRE(v.parse(Bytes(buf, *e)) == ParseError::none);
  CHECK(v.error_code()->code == 438);
  CHECK(v.error_code()->reason == "Stale Nonce, try again");
  CHECK(!build_error_response(rv, 99, buf).ok());
  CHECK(build_error_response(rv, 400, MutBytes(buf, 20)).error().code == Errc::buffer_too_small);
}
