// STUN codec: RFC 5769 vectors both ways, every attribute round trip, and
// each malformed input rejected with its own reason.
#include "stun/integrity.h"
#include "stun/message.h"
#include "stun/message_builder.h"
#include "unit/stun/rfc5769_vectors.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::stun;
using namespace sansrtc::stun::test;

namespace {

std::vector<uint8_t> vec(Bytes b) { return std::vector<uint8_t>(b.begin(), b.end()); }

ParseError parse_error_of(Bytes b) {
  MessageView v;
  return v.parse(b);
}

IntegrityKey key_of(std::string_view password) {
  auto k = short_term_key(password);
  REQUIRE(k.ok());
  return *k;
}

TransactionId sample_tid() { return TransactionId::from(Bytes(kSampleRequest).subspan(8, 12)); }

// Appends a raw attribute to a message and fixes the header length.
std::vector<uint8_t> append_attr(Bytes msg, uint16_t type, std::vector<uint8_t> value) {
  std::vector<uint8_t> out = vec(msg);
  out.push_back(uint8_t(type >> 8));
  out.push_back(uint8_t(type));
  out.push_back(uint8_t(value.size() >> 8));
  out.push_back(uint8_t(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  while (out.size() % 4) out.push_back(0);
  store_be16(&out[2], uint16_t(out.size() - kHeaderSize));
  return out;
}

std::vector<uint8_t> header_only(uint16_t type = 0x0001) {
  std::vector<uint8_t> m(20, 0);
  store_be16(&m[0], type);
  store_be32(&m[4], kMagicCookie);
  for (int i = 0; i < 12; ++i) m[8 + i] = uint8_t(i + 1);
  return m;
}

}  // namespace

TEST_CASE("message type encodes method and class bits (RFC 8489 §5)", "[stun]") {
  CHECK(MessageType{Method::binding, MessageClass::request}.encode() == 0x0001);
  CHECK(MessageType{Method::binding, MessageClass::indication}.encode() == 0x0011);
  CHECK(MessageType{Method::binding, MessageClass::success_response}.encode() == 0x0101);
  CHECK(MessageType{Method::binding, MessageClass::error_response}.encode() == 0x0111);
  CHECK(MessageType{Method::allocate, MessageClass::request}.encode() == 0x0003);
  CHECK(MessageType{Method::data, MessageClass::indication}.encode() == 0x0017);
  CHECK(MessageType{Method::send, MessageClass::indication}.encode() == 0x0016);
  CHECK(MessageType{Method::channel_bind, MessageClass::error_response}.encode() == 0x0119);
  for (uint16_t m = 0; m < 0x1000; m += 7)
    for (uint8_t c = 0; c < 4; ++c) {
      MessageType t{static_cast<Method>(m), static_cast<MessageClass>(c)};
      CHECK(MessageType::decode(t.encode()) == t);
    }
}

TEST_CASE("RFC 5769 §2.1 sample request parses, verifies and rebuilds byte for byte", "[stun][rfc5769]") {
  MessageView v;
  REQUIRE(v.parse(kSampleRequest) == ParseError::none);
  CHECK(v.method() == Method::binding);
  CHECK(v.is_request());
  CHECK(v.transaction_id() == sample_tid());
  CHECK(v.software() == "STUN test client");
  CHECK(v.priority() == 0x6e0001ffu);
  CHECK(v.ice_controlled() == 0x932ff9b151263b36ull);
  CHECK(!v.ice_controlling());
  CHECK(v.username() == "evtj:h6vY");
  CHECK(v.fingerprint() == 0xe57a3bcfu);
  const auto key = key_of(kSamplePassword);
  CHECK(verify_integrity(v, key.expose()) == IntegrityStatus::ok);
  CHECK(verify_message_integrity_sha256(v, key.expose()) == IntegrityStatus::missing);
  CHECK(verify_integrity(v, as_bytes("wrong password")) == IntegrityStatus::mismatch);

  uint8_t buf[256];
  MessageBuilder b(buf, {Method::binding, MessageClass::request}, sample_tid());
  b.set_padding_byte(0x20);  // the vector pads with spaces
  b.add_software("STUN test client");
  b.add_priority(0x6e0001ff);
  b.add_ice_controlled(0x932ff9b151263b36ull);
  b.add_username("evtj:h6vY");
  b.add_message_integrity(key.expose());
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  CHECK(vec(b.written()) == vec(kSampleRequest));
}

TEST_CASE("RFC 5769 §2.2 sample IPv4 response parses, verifies and rebuilds byte for byte", "[stun][rfc5769]") {
  MessageView v;
  REQUIRE(v.parse(kSampleIpv4Response) == ParseError::none);
  CHECK(v.is_success_response());
  CHECK(v.software() == "test vector");
  const SocketAddress expected(IpAddress::v4(192, 0, 2, 1), 32853);
  CHECK(v.xor_mapped_address() == expected);
  const auto key = key_of(kSamplePassword);
  CHECK(verify_integrity(v, key.expose()) == IntegrityStatus::ok);

  uint8_t buf[256];
  MessageBuilder b(buf, {Method::binding, MessageClass::success_response}, sample_tid());
  b.set_padding_byte(0x20);
  b.add_software("test vector");
  b.add_xor_mapped_address(expected);
  b.add_message_integrity(key.expose());
  b.add_fingerprint();
  REQUIRE(b.finish().ok());
  CHECK(vec(b.written()) == vec(kSampleIpv4Response));
}

TEST_CASE("RFC 5769 §2.3 sample IPv6 response parses, verifies and rebuilds byte for byte", "[stun][rfc5769]") {
  MessageView v;
  REQUIRE(v.parse(kSampleIpv6Response) == ParseError::none);
  const auto ip = IpAddress::parse("2001:db8:1234:5678:11:2233:4455:6677");
  REQUIRE(ip.ok());
  const SocketAddress expected(*ip, 32853);
  CHECK(v.xor_mapped_address() == expected);
  const auto key = key_of(kSamplePassword);
  CHECK(verify_integrity(v, key.expose()) == IntegrityStatus::ok);

  uint8_t buf[256];
  MessageBuilder b(buf, {Method::binding, MessageClass::success_response}, sample_tid());
  b.set_padding_byte(0x20);
  b.add_software("test vector");
  b.add_xor_mapped_address(expected);
  b.add_message_integrity(key.expose());
  b.add_fingerprint();
  REQUIRE(b.finish().ok());
  CHECK(vec(b.written()) == vec(kSampleIpv6Response));
}

TEST_CASE("RFC 5769 §2.4 long-term request verifies with the SASLprep'd password and rebuilds",
          "[stun][rfc5769]") {
  MessageView v;
  REQUIRE(v.parse(kSampleLongTermRequest) == ParseError::none);
  CHECK(v.username() == kLongTermUsername);
  CHECK(v.nonce() == kLongTermNonce);
  CHECK(v.realm() == kLongTermRealm);
  CHECK(!v.fingerprint());
  auto key = long_term_key(kLongTermUsername, kLongTermRealm, kLongTermPasswordPrepared);
  REQUIRE(key.ok());
  CHECK(key->size() == 16);
  CHECK(verify_integrity(v, key->expose()) == IntegrityStatus::ok);

  uint8_t buf[256];
  MessageBuilder b(buf, {Method::binding, MessageClass::request},
                   TransactionId::from(Bytes(kSampleLongTermRequest).subspan(8, 12)));
  b.add_username(kLongTermUsername);
  b.add_nonce(kLongTermNonce);
  b.add_realm(kLongTermRealm);
  b.add_message_integrity(key->expose());
  REQUIRE(b.finish().ok());
  CHECK(vec(b.written()) == vec(kSampleLongTermRequest));
}

TEST_CASE("the unprepared §2.4 password is refused, not silently mis-keyed", "[stun][rfc5769]") {
  // "The<U+00AD>M<U+00AA>tr<U+2168>" in UTF-8.
  const char unprepared[] = "The\xc2\xad" "M\xc2\xaa" "tr\xe2\x85\xa8";
  auto key = long_term_key(kLongTermUsername, kLongTermRealm, unprepared);
  REQUIRE(!key.ok());
  CHECK(key.error().code == Errc::invalid_argument);
  CHECK(std::string_view(key.error().message).find("SASLprep") != std::string_view::npos);
  CHECK(!short_term_key(unprepared).ok());
  CHECK(!short_term_key("tab\there").ok());
  CHECK(!short_term_key("").ok());
  CHECK(!long_term_key("user", "r\xc3\xa9" "alm", "password").ok());
  CHECK(short_term_key("plain ASCII password ~!").ok());
}

TEST_CASE("every attribute round-trips through the builder and the parser", "[stun]") {
  const TransactionId tid = TransactionId::from(as_bytes("0123456789ab"));
  const SocketAddress v4(IpAddress::v4(203, 0, 113, 7), 4242);
  const auto v6ip = IpAddress::parse("2001:db8::1:2:3");
  REQUIRE(v6ip.ok());
  const SocketAddress v6(*v6ip, 65535);
  const SocketAddress v4b(IpAddress::v4(198, 51, 100, 1), 1);
  const uint8_t userhash[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
  const uint16_t unknown[] = {0x0033, 0x7abc, 0x0042};
  const uint8_t params[] = {0xAA, 0xBB, 0xCC};
  const PasswordAlgorithmParam algs[] = {{uint16_t(PasswordAlgorithm::md5), {}},
                                         {uint16_t(PasswordAlgorithm::sha256), {}},
                                         {0x1234, Bytes(params)}};
  const uint8_t payload[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
  const auto key = key_of("round-trip-password");

  uint8_t buf[kMaxMessageSize];
  MessageBuilder b(buf, {Method::allocate, MessageClass::error_response}, tid);
  b.add_mapped_address(v4);
  b.add_xor_mapped_address(v6);
  b.add_alternate_server(v6);
  b.add_xor_peer_address(v4);
  b.add_xor_peer_address(v6);
  b.add_xor_relayed_address(v4b);
  b.add_username("alice:bob");
  b.add_userhash(Bytes(userhash));
  b.add_realm("example.org");
  b.add_nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
  b.add_software("sansrtc test");
  b.add_alternate_domain("turn.example.org");
  b.add_error_code(438, "Stale Nonce");
  b.add_unknown_attributes(unknown);
  b.add_password_algorithm(uint16_t(PasswordAlgorithm::sha256));
  b.add_password_algorithms(algs);
  b.add_priority(0x7e7fff00);
  b.add_use_candidate();
  b.add_ice_controlling(0x0102030405060708ull);
  b.add_channel_number(0x4001);
  b.add_lifetime(600);
  b.add_data(Bytes(payload));
  b.add_requested_address_family(IpFamily::v6);
  b.add_additional_address_family(IpFamily::v4);
  b.add_even_port(true);
  b.add_requested_transport(17);
  b.add_dont_fragment();
  b.add_reservation_token(0xfedcba9876543210ull);
  b.add_connection_id(0xabcdef01);
  b.add_raw(0xC057, as_bytes("opt"));  // unknown comprehension-optional: skipped
  b.add_message_integrity(key.expose());
  b.add_message_integrity_sha256(key.expose(), 16);
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  REQUIRE(*n % 4 == 0);

  MessageView v;
  REQUIRE(v.parse(Bytes(buf, *n)) == ParseError::none);
  CHECK(v.method() == Method::allocate);
  CHECK(v.is_error_response());
  CHECK(v.transaction_id() == tid);
  CHECK(v.mapped_address() == v4);
  CHECK(v.xor_mapped_address() == v6);
  CHECK(v.alternate_server() == v6);
  CHECK(v.xor_peer_address() == v4);
  auto peers = v.xor_peer_addresses();
  REQUIRE(peers.size() == 2);
  CHECK(peers[1] == v6);
  CHECK(v.xor_relayed_address() == v4b);
  CHECK(v.username() == "alice:bob");
  CHECK(vec(*v.userhash()) == vec(Bytes(userhash)));
  CHECK(v.realm() == "example.org");
  CHECK(v.nonce() == "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
  CHECK(v.software() == "sansrtc test");
  CHECK(v.alternate_domain() == "turn.example.org");
  REQUIRE(v.error_code());
  CHECK(v.error_code()->code == 438);
  CHECK(v.error_code()->reason == "Stale Nonce");
  auto ua = v.unknown_attributes();
  REQUIRE(ua);
  REQUIRE(ua->size() == 3);
  CHECK((*ua)[0] == 0x0033);
  CHECK((*ua)[1] == 0x7abc);
  CHECK((*ua)[2] == 0x0042);
  CHECK(v.password_algorithm()->algorithm == uint16_t(PasswordAlgorithm::sha256));
  CHECK(v.password_algorithm()->params.empty());
  auto pas = v.password_algorithms();
  REQUIRE(pas);
  REQUIRE(pas->size() == 3);
  CHECK((*pas)[0].algorithm == 1);
  CHECK((*pas)[2].algorithm == 0x1234);
  CHECK(vec((*pas)[2].params) == vec(Bytes(params)));
  CHECK(v.priority() == 0x7e7fff00u);
  CHECK(v.use_candidate());
  CHECK(v.ice_controlling() == 0x0102030405060708ull);
  CHECK(v.channel_number() == 0x4001);
  CHECK(v.lifetime() == 600u);
  CHECK(vec(*v.data()) == vec(Bytes(payload)));
  CHECK(v.requested_address_family() == IpFamily::v6);
  CHECK(v.additional_address_family() == IpFamily::v4);
  CHECK(v.even_port() == true);
  CHECK(v.requested_transport() == 17);
  CHECK(v.dont_fragment());
  CHECK(v.reservation_token() == 0xfedcba9876543210ull);
  CHECK(v.connection_id() == 0xabcdef01u);
  CHECK(v.find(0xC057));
  CHECK(v.unknown_comprehension_required().empty());
  CHECK(v.message_integrity()->size() == 20);
  CHECK(v.message_integrity_sha256()->size() == 16);
  CHECK(v.fingerprint());
  CHECK(verify_message_integrity(v, key.expose()) == IntegrityStatus::ok);
  CHECK(verify_message_integrity_sha256(v, key.expose()) == IntegrityStatus::ok);
  CHECK(verify_integrity(v, key.expose()) == IntegrityStatus::ok);
  CHECK(verify_integrity(v, as_bytes("other")) == IntegrityStatus::mismatch);
}

TEST_CASE("absent attributes read as nullopt/false", "[stun]") {
  auto m = header_only();
  MessageView v;
  REQUIRE(v.parse(m) == ParseError::none);
  CHECK(v.attribute_count() == 0);
  CHECK(!v.username());
  CHECK(!v.xor_mapped_address());
  CHECK(!v.error_code());
  CHECK(!v.use_candidate());
  CHECK(!v.dont_fragment());
  CHECK(v.xor_peer_addresses().empty());
  CHECK(verify_integrity(v, as_bytes("k")) == IntegrityStatus::missing);
}

TEST_CASE("MESSAGE-INTEGRITY-SHA256 alone, full length, verifies", "[stun]") {
  auto key = long_term_key("user", "realm", "pass", PasswordAlgorithm::sha256);
  REQUIRE(key.ok());
  CHECK(key->size() == 32);
  uint8_t buf[128];
  MessageBuilder b(buf, {Method::refresh, MessageClass::request}, TransactionId::from(as_bytes("abcdefghijkl")));
  b.add_lifetime(0);
  b.add_message_integrity_sha256(key->expose());
  b.add_fingerprint();
  auto n = b.finish();
  REQUIRE(n.ok());
  MessageView v;
  REQUIRE(v.parse(Bytes(buf, *n)) == ParseError::none);
  CHECK(v.message_integrity_sha256()->size() == 32);
  CHECK(verify_integrity(v, key->expose()) == IntegrityStatus::ok);
  CHECK(verify_message_integrity(v, key->expose()) == IntegrityStatus::missing);
}

TEST_CASE("malformed messages are rejected with their specific reason", "[stun][malformed]") {
  SECTION("shorter than the header: truncated") {
    CHECK(parse_error_of(Bytes(kSampleRequest).first(19)) == ParseError::truncated);
    CHECK(parse_error_of(Bytes()) == ParseError::truncated);
  }
  SECTION("first two bits set: not_stun") {
    auto m = vec(kSampleRequest);
    m[0] |= 0x40;
    CHECK(parse_error_of(m) == ParseError::not_stun);
  }
  SECTION("wrong magic cookie") {
    auto m = vec(kSampleRequest);
    m[7] ^= 1;
    CHECK(parse_error_of(m) == ParseError::bad_magic_cookie);
  }
  SECTION("length not a multiple of 4: bad_padding") {
    auto m = vec(kSampleRequest);
    m[3] = 0x59;
    CHECK(parse_error_of(m) == ParseError::bad_padding);
  }
  SECTION("length larger than the datagram: bad_length") {
    auto m = vec(kSampleRequest);
    m[3] = 0x5c;
    CHECK(parse_error_of(m) == ParseError::bad_length);
  }
  SECTION("datagram cut short: bad_length") {
    CHECK(parse_error_of(Bytes(kSampleRequest).first(sizeof(kSampleRequest) - 4)) == ParseError::bad_length);
  }
  SECTION("trailing bytes after the message: bad_length") {
    auto m = vec(kSampleRequest);
    m.insert(m.end(), {0, 0, 0, 0});
    CHECK(parse_error_of(m) == ParseError::bad_length);
  }
  SECTION("attribute running past the end: attribute_overrun") {
    auto m = header_only();
    m.insert(m.end(), {0x80, 0x22, 0x00, 0x10, 'a', 'b', 'c', 'd'});  // claims 16, has 4
    store_be16(&m[2], 8);
    CHECK(parse_error_of(m) == ParseError::attribute_overrun);
  }
  SECTION("attribute padding running past the end: attribute_overrun") {
    auto m = header_only();
    m.insert(m.end(), {0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'});  // 5 bytes + 3 padding
    store_be16(&m[2], 8);
    CHECK(parse_error_of(m) == ParseError::attribute_overrun);
  }
  SECTION("FINGERPRINT mismatch") {
    auto m = vec(kSampleRequest);
    m[25] ^= 0x01;  // inside SOFTWARE
    CHECK(parse_error_of(m) == ParseError::fingerprint_mismatch);
    auto m2 = vec(kSampleIpv4Response);
    m2.back() ^= 0x80;  // the CRC itself
    CHECK(parse_error_of(m2) == ParseError::fingerprint_mismatch);
  }
  SECTION("duplicate known attribute") {
    uint8_t buf[128];
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, sample_tid());
    b.add_username("a:b");
    b.add_priority(1);
    b.add_username("c:d");
    auto n = b.finish();
    REQUIRE(n.ok());
    CHECK(parse_error_of(Bytes(buf, *n)) == ParseError::duplicate_attribute);
  }
  SECTION("duplicate MESSAGE-INTEGRITY") {
    auto m = append_attr(Bytes(kSampleLongTermRequest), 0x0008, std::vector<uint8_t>(20, 0));
    // MI after MI is also 'after integrity'; either way it must not parse.
    CHECK(parse_error_of(m) != ParseError::none);
  }
  SECTION("attribute after MESSAGE-INTEGRITY") {
    auto m = append_attr(Bytes(kSampleLongTermRequest), 0x8022, {'e', 'v', 'i', 'l'});
    CHECK(parse_error_of(m) == ParseError::attribute_after_integrity);
    // ...even an unknown comprehension-optional one.
    auto m2 = append_attr(Bytes(kSampleLongTermRequest), 0xC057, {1, 2, 3, 4});
    CHECK(parse_error_of(m2) == ParseError::attribute_after_integrity);
  }
  SECTION("attribute after MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT") {
    uint8_t buf[128];
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, sample_tid());
    b.add_message_integrity_sha256(as_bytes("key"));
    auto n = b.finish();
    REQUIRE(n.ok());
    auto m = append_attr(Bytes(buf, *n), 0x0024, {0, 0, 0, 1});
    CHECK(parse_error_of(m) == ParseError::attribute_after_integrity);
  }
  SECTION("attribute after FINGERPRINT") {
    auto m = append_attr(Bytes(kSampleRequest), 0x8022, {'e', 'v', 'i', 'l'});
    CHECK(parse_error_of(m) == ParseError::attribute_after_fingerprint);
  }
  SECTION("too many attributes") {
    auto m = header_only();
    for (size_t i = 0; i < kMaxAttributes + 1; ++i) m.insert(m.end(), {0xC0, 0x00, 0x00, 0x00});
    store_be16(&m[2], uint16_t(m.size() - 20));
    CHECK(parse_error_of(m) == ParseError::too_many_attributes);
    m.resize(m.size() - 4);
    store_be16(&m[2], uint16_t(m.size() - 20));
    CHECK(parse_error_of(m) == ParseError::none);
  }
  SECTION("bad attribute values") {
    const auto h = header_only();
    // XOR-MAPPED-ADDRESS with family 3, and IPv4 family with IPv6 length.
    CHECK(parse_error_of(append_attr(h, 0x0020, {0, 3, 0, 1, 1, 2, 3, 4})) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x0020, std::vector<uint8_t>{0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                                                     11, 12, 13, 14, 15, 16})) ==
          ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x0001, {0, 2, 0, 1, 1, 2, 3, 4})) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x0024, {1, 2, 3})) == ParseError::bad_attribute_value);       // PRIORITY
    CHECK(parse_error_of(append_attr(h, 0x8029, {1, 2, 3, 4})) == ParseError::bad_attribute_value);    // ICE-CONTROLLED
    CHECK(parse_error_of(append_attr(h, 0x0025, {1})) == ParseError::bad_attribute_value);             // USE-CANDIDATE
    CHECK(parse_error_of(append_attr(h, 0x0009, {0, 0, 7, 0})) == ParseError::bad_attribute_value);    // class 7
    CHECK(parse_error_of(append_attr(h, 0x0009, {0, 0, 4, 100})) == ParseError::bad_attribute_value);  // number 100
    CHECK(parse_error_of(append_attr(h, 0x0008, std::vector<uint8_t>(16, 0))) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x001C, std::vector<uint8_t>(12, 0))) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x000C, {0x30, 0, 0, 0})) == ParseError::bad_attribute_value);  // channel
    CHECK(parse_error_of(append_attr(h, 0x0017, {3, 0, 0, 0})) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x000A, {0, 1, 2})) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x001D, {0, 1, 0, 4, 1})) == ParseError::bad_attribute_value);
    CHECK(parse_error_of(append_attr(h, 0x0006, std::vector<uint8_t>(514, 'u'))) == ParseError::bad_attribute_value);
  }
  SECTION("a rejected parse leaves the view empty") {
    MessageView v;
    REQUIRE(v.parse(kSampleRequest) == ParseError::none);
    auto m = vec(kSampleRequest);
    m[4] = 0;
    CHECK(v.parse(m) == ParseError::bad_magic_cookie);
    CHECK(!v.valid());
    CHECK(v.attribute_count() == 0);
    auto r = MessageView::from(m);
    REQUIRE(!r.ok());
    CHECK(r.error().code == Errc::malformed);
  }
}

TEST_CASE("MESSAGE-INTEGRITY mismatch is reported by verify_integrity, not by parse", "[stun][malformed]") {
  auto m = vec(kSampleLongTermRequest);
  m[60] ^= 0x20;  // a NONCE byte: 'f' -> 'F'... still a valid string
  MessageView v;
  REQUIRE(v.parse(m) == ParseError::none);
  auto key = long_term_key(kLongTermUsername, kLongTermRealm, kLongTermPasswordPrepared);
  REQUIRE(key.ok());
  CHECK(verify_integrity(v, key->expose()) == IntegrityStatus::mismatch);
  // The MAC itself altered.
  auto m2 = vec(kSampleLongTermRequest);
  m2.back() ^= 1;
  REQUIRE(v.parse(m2) == ParseError::none);
  CHECK(verify_integrity(v, key->expose()) == IntegrityStatus::mismatch);
}

TEST_CASE("unknown attributes: optional skipped, required collected for a 420", "[stun]") {
  auto m = append_attr(header_only(), 0xC001, {1, 2});
  m = append_attr(m, 0x0033, {});
  m = append_attr(m, 0x7FFF, {9, 9, 9, 9});
  m = append_attr(m, 0x0033, {});  // unknown types may repeat; listed once
  MessageView v;
  REQUIRE(v.parse(m) == ParseError::none);
  REQUIRE(v.unknown_comprehension_required().size() == 2);
  CHECK(v.unknown_comprehension_required()[0] == 0x0033);
  CHECK(v.unknown_comprehension_required()[1] == 0x7FFF);
  CHECK(v.attribute_count() == 4);
  CHECK(v.attribute_at(0).type == 0xC001);
  CHECK(v.attribute_at(0).value.size() == 2);
}

TEST_CASE("builder refuses misuse with a clear error", "[stun]") {
  uint8_t buf[256];
  const auto tid = sample_tid();
  SECTION("attribute after FINGERPRINT") {
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, tid);
    b.add_fingerprint();
    b.add_priority(1);
    auto n = b.finish();
    REQUIRE(!n.ok());
    CHECK(n.error().code == Errc::invalid_argument);
  }
  SECTION("ordinary attribute after MESSAGE-INTEGRITY") {
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, tid);
    b.add_message_integrity(as_bytes("k"));
    b.add_username("x");
    CHECK(!b.finish().ok());
  }
  SECTION("MI, MI-SHA256, FINGERPRINT in that order is fine") {
    MessageBuilder b(buf, {Method::binding, MessageClass::request}, tid);
    b.add_message_integrity(as_bytes("k"));
    b.add_message_integrity_sha256(as_bytes("k"));
    b.add_fingerprint();
    auto n = b.finish();
    REQUIRE(n.ok());
    MessageView v;
    CHECK(v.parse(Bytes(buf, *n)) == ParseError::none);
  }
  SECTION("buffer too small") {
    MessageBuilder b(MutBytes(buf, 30), {Method::binding, MessageClass::request}, tid);
    b.add_software("this does not fit in ten bytes");
    auto n = b.finish();
    REQUIRE(!n.ok());
    CHECK(n.error().code == Errc::buffer_too_small);
    MessageBuilder b2(MutBytes(buf, 10), {Method::binding, MessageClass::request}, tid);
    CHECK(b2.finish().error().code == Errc::buffer_too_small);
  }
  SECTION("out-of-range values") {
    MessageBuilder b(buf, {Method::binding, MessageClass::error_response}, tid);
    b.add_error_code(200);
    CHECK(!b.finish().ok());
    MessageBuilder b2(buf, {Method::channel_bind, MessageClass::request}, tid);
    b2.add_channel_number(0x3FFF);
    CHECK(!b2.finish().ok());
    MessageBuilder b3(buf, {Method::binding, MessageClass::request}, tid);
    b3.add_raw(0x0008, as_bytes("12345678901234567890"));
    CHECK(!b3.finish().ok());
    MessageBuilder b4(buf, {Method::binding, MessageClass::request}, tid);
    b4.add_message_integrity_sha256(as_bytes("k"), 15);
    CHECK(!b4.finish().ok());
  }
  SECTION("error code uses the default reason phrase") {
    MessageBuilder b(buf, {Method::binding, MessageClass::error_response}, tid);
    b.add_error_code(487);
    auto n = b.finish();
    REQUIRE(n.ok());
    MessageView v;
    REQUIRE(v.parse(Bytes(buf, *n)) == ParseError::none);
    CHECK(v.error_code()->code == 487);
    CHECK(v.error_code()->reason == "Role Conflict");
  }
}

TEST_CASE("looks_like_stun and message_size for demultiplexing", "[stun]") {
  CHECK(looks_like_stun(kSampleRequest));
  CHECK(message_size(kSampleRequest) == sizeof(kSampleRequest));
  const uint8_t dtls[20] = {0x16, 0xfe, 0xfd};
  CHECK(!looks_like_stun(dtls));
  CHECK(!message_size(dtls));
  CHECK(!looks_like_stun(Bytes(kSampleRequest).first(10)));
}

TEST_CASE("parse stats count rejections by reason", "[stun]") {
  ParseStats stats;
  MessageView v;
  stats.count(v.parse(kSampleRequest));
  stats.count(v.parse(Bytes(kSampleRequest).first(5)));
  stats.count(v.parse(Bytes(kSampleRequest).first(5)));
  CHECK(stats.accepted == 1);
  CHECK(stats.rejected_by(ParseError::truncated) == 2);
  CHECK(stats.total_rejected() == 2);
  CHECK(std::string_view(parse_error_name(ParseError::fingerprint_mismatch)) == "fingerprint_mismatch");
}
