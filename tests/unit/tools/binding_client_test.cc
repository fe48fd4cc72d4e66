// BindingClient (the sans-IO half of sansrtc-stun), on a virtual clock:
// "the client sends a Binding request, the server answers, the client
// reports its reflexive address"; and what it does with silence, errors,
// strangers and garbage.
#include "binding_client.h"

#include "stun/binding_server.h"
#include "stun/message_builder.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;
using sansrtc::tools::BindingClient;
using sansrtc::tools::BindingResult;

namespace {

const SocketAddress kClient(IpAddress::v4(192, 0, 2, 10), 40000);
const SocketAddress kServer(IpAddress::v4(192, 0, 2, 1), 3478);

struct Sent {
  Transmit t;
  std::vector<uint8_t> bytes;
};

std::vector<Sent> drain(BindingClient& c) {
  std::vector<Sent> out;
  std::array<uint8_t, 1500> buf;
  while (auto t = c.poll_transmit(MutBytes(buf.data(), buf.size())))
    out.push_back({*t, std::vector<uint8_t>(buf.begin(), buf.begin() + t->size)});
  return out;
}

Datagram to_server(const Sent& s) { return Datagram{kClient, kServer, Bytes(s.bytes)}; }

}  // namespace

TEST_CASE("the client learns its reflexive address from a BindingServer", "[tools][stun]") {
  SeededRng rng(1);
  BindingClient client;
  BindingServer server;
  Instant now = kTestEpoch;
  REQUIRE(client.start(now, rng, kServer).ok());

  auto sent = drain(client);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].t.destination == kServer);
  MessageView req;
  REQUIRE(req.parse(Bytes(sent[0].bytes)) == ParseError::none);
  CHECK(req.method() == Method::binding);
  CHECK(req.is_request());
  CHECK(req.fingerprint().has_value());
  CHECK(req.software() == std::string_view("sansrtc-stun 0.1"));

  // The server sees the request from the client's (NATed) address.
  now += milliseconds(30);
  server.handle_packet(now, to_server(sent[0]));
  std::array<uint8_t, 1500> buf;
  auto answer = server.poll_transmit(MutBytes(buf.data(), buf.size()));
  REQUIRE(answer);
  CHECK(answer->destination == kClient);

  now += milliseconds(30);
  client.handle_datagram(now, Datagram{kServer, kClient, Bytes(buf.data(), answer->size)});
  auto r = client.poll_event();
  REQUIRE(r);
  CHECK(r->kind == BindingResult::Kind::mapped);
  CHECK(r->mapped == kClient);
  CHECK(r->transmissions == 1);
  REQUIRE(r->rtt);
  CHECK(*r->rtt == milliseconds(60));
  CHECK_FALSE(client.poll_timeout());
  CHECK_FALSE(client.poll_event());
}

TEST_CASE("with nobody answering the client gives up after 7 transmissions at 39.5 s", "[tools][stun]") {
  SeededRng rng(2);
  BindingClient client;
  const Instant start = kTestEpoch;
  REQUIRE(client.start(start, rng, kServer).ok());
  std::vector<int64_t> sent_at_ms;
  std::optional<BindingResult> result;
  Instant now = start;
  for (int i = 0; i < 20 && !result; ++i) {
    for (auto& s : drain(client)) {
      (void)s;
      sent_at_ms.push_back(to_millis(now - start));
    }
    auto next = client.poll_timeout();
    if (!next) break;
    now = *next;
    client.handle_timeout(now);
    result = client.poll_event();
  }
  CHECK(sent_at_ms == std::vector<int64_t>{0, 500, 1500, 3500, 7500, 15500, 31500});
  REQUIRE(result);
  CHECK(result->kind == BindingResult::Kind::timeout);
  CHECK(result->transmissions == 7);
  CHECK(now - start == milliseconds(39500));
}

TEST_CASE("responses of other transactions and garbage are dropped and counted", "[tools][stun]") {
  SeededRng rng(3);
  BindingClient client;
  Instant now = kTestEpoch;
  REQUIRE(client.start(now, rng, kServer).ok());
  (void)drain(client);

  const uint8_t garbage[] = {'h', 'e', 'l', 'l', 'o'};
  client.handle_datagram(now, Datagram{kServer, kClient, Bytes(garbage, sizeof garbage)});

  std::array<uint8_t, 256> buf;
  MessageBuilder b(MutBytes(buf.data(), buf.size()), {Method::binding, MessageClass::success_response},
                   TransactionId::random(rng));  // not our ID
  b.add_xor_mapped_address(SocketAddress(IpAddress::v4(198, 51, 100, 1), 1));
  auto n = b.finish();
  REQUIRE(n.ok());
  client.handle_datagram(now, Datagram{kServer, kClient, Bytes(buf.data(), *n)});

  CHECK(client.stats().not_stun == 1);
  CHECK(client.stats().other_transaction == 1);
  CHECK_FALSE(client.poll_event());
  CHECK(client.poll_timeout().has_value());  // still waiting
}

TEST_CASE("an error response ends the request with its code", "[tools][stun]") {
  SeededRng rng(4);
  BindingClient client;
  Instant now = kTestEpoch;
  REQUIRE(client.start(now, rng, kServer).ok());
  auto sent = drain(client);
  REQUIRE(sent.size() == 1);
  MessageView req;
  REQUIRE(req.parse(Bytes(sent[0].bytes)) == ParseError::none);
  std::array<uint8_t, 256> buf;
  auto n = build_error_response(req, error_codes::kBadRequest, MutBytes(buf.data(), buf.size()));
  REQUIRE(n.ok());
  client.handle_datagram(now, Datagram{kServer, kClient, Bytes(buf.data(), *n)});
  auto r = client.poll_event();
  REQUIRE(r);
  CHECK(r->kind == BindingResult::Kind::error_response);
  CHECK(r->error_code == 400);
}

TEST_CASE("MAPPED-ADDRESS is accepted from a server without XOR-MAPPED-ADDRESS", "[tools][stun]") {
  SeededRng rng(5);
  BindingClient client;
  Instant now = kTestEpoch;
  REQUIRE(client.start(now, rng, kServer).ok());
  const TransactionId tid = client.transaction().transaction_id();
  (void)drain(client);

  std::array<uint8_t, 256> buf;
  MessageBuilder b(MutBytes(buf.data(), buf.size()), {Method::binding, MessageClass::success_response}, tid);
  b.add_mapped_address(kClient);
  auto n = b.finish();
  REQUIRE(n.ok());
  client.handle_datagram(now, Datagram{kServer, kClient, Bytes(buf.data(), *n)});
  auto r = client.poll_event();
  REQUIRE(r);
  CHECK(r->kind == BindingResult::Kind::mapped);
  CHECK(r->mapped == kClient);

  // A success response with no address at all is reported as such.
  BindingClient bare;
  REQUIRE(bare.start(now, rng, kServer).ok());
  (void)drain(bare);
  MessageBuilder e(MutBytes(buf.data(), buf.size()), {Method::binding, MessageClass::success_response},
                   bare.transaction().transaction_id());
  auto m = e.finish();
  REQUIRE(m.ok());
  bare.handle_datagram(now, Datagram{kServer, kClient, Bytes(buf.data(), *m)});
  auto br = bare.poll_event();
  REQUIRE(br);
  CHECK(br->kind == BindingResult::Kind::bad_response);
}
