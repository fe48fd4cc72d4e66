// Every handshake message round-trips: write -> parse -> write gives the same bytes.
#include "dtls/handshake_messages.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

namespace {
template <class Msg, class WriteFn>
std::vector<uint8_t> encode(const Msg& m, WriteFn write) {
  std::vector<uint8_t> buf(4096);
  ByteWriter w(buf);
  write(w, m);
  REQUIRE(w.ok());
  buf.resize(w.position());
  return buf;
}
const std::vector<uint8_t> kBlob = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
}  // namespace

TEST_CASE("handshake header and fragment parser") {
  uint8_t rec[12 + 4 + 12 + 0];
  write_handshake_header(rec, HandshakeType::finished, 12, 3, 8, 4);
  rec[12] = rec[13] = rec[14] = rec[15] = 0xAA;
  write_handshake_header(rec + 16, HandshakeType::server_hello_done, 0, 4, 0, 0);
  HandshakeFragmentParser p(Bytes(rec, sizeof(rec)));
  auto a = p.next();
  REQUIRE(a);
  CHECK(a->msg_type == 20);
  CHECK(a->length == 12);
  CHECK(a->message_seq == 3);
  CHECK(a->fragment_offset == 8);
  CHECK(a->fragment_length == 4);
  auto b = p.next();
  REQUIRE(b);
  CHECK(b->msg_type == 14);
  CHECK_FALSE(p.next());
  CHECK_FALSE(p.malformed());

  // A fragment extending past its message length is malformed (bogus offset).
  write_handshake_header(rec, HandshakeType::finished, 12, 3, 10, 4);
  HandshakeFragmentParser bad(Bytes(rec, 16));
  CHECK_FALSE(bad.next());
  CHECK(bad.malformed());
  // Truncated: fragment_length beyond the record.
  write_handshake_header(rec, HandshakeType::finished, 12, 3, 0, 12);
  HandshakeFragmentParser trunc(Bytes(rec, 16));
  CHECK_FALSE(trunc.next());
  CHECK(trunc.malformed());
}

TEST_CASE("ClientHello with cookie and every WebRTC extension round-trips") {
  ClientHello ch;
  for (int i = 0; i < 32; ++i) ch.random[i] = uint8_t(i);
  ch.cookie = Bytes(kBlob);
  const uint8_t suites[] = {0xC0, 0x2B, 0xC0, 0x2C, 0xCC, 0xA9, 0x00, 0xFF};
  const uint8_t groups[] = {0, kGroupX25519, 0, kGroupSecp256r1};
  const uint8_t formats[] = {0};
  const uint8_t algorithms[] = {4, 3};  // ecdsa_secp256r1_sha256
  const uint8_t profiles[] = {0, 7, 0, 8, 0, 1, 0, 2};
  ch.cipher_suites.raw = Bytes(suites);
  auto& e = ch.extensions;
  e.has_supported_groups = true;
  e.supported_groups.raw = Bytes(groups);
  e.has_ec_point_formats = true;
  e.ec_point_formats = Bytes(formats);
  e.has_signature_algorithms = true;
  e.signature_algorithms.raw = Bytes(algorithms);
  e.extended_master_secret = true;
  e.has_renegotiation_info = true;
  e.has_use_srtp = true;
  e.srtp_profiles.raw = Bytes(profiles);
  auto bytes = encode(ch, write_client_hello);
  auto parsed = parse_client_hello(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->client_version == kDtls12Version);
  CHECK(parsed->random == ch.random);
  CHECK(bytes_equal(parsed->cookie, kBlob));
  REQUIRE(parsed->cipher_suites.size() == 4);
  CHECK(parsed->cipher_suites[2] == 0xCCA9);
  CHECK(parsed->cipher_suites.contains(0x00FF));
  CHECK_FALSE(parsed->cipher_suites.contains(0xC02F));
  CHECK(parsed->compression_methods.size() == 1);
  const auto& pe = parsed->extensions;
  CHECK(pe.supported_groups.size() == 2);
  CHECK(pe.supported_groups[0] == kGroupX25519);
  CHECK(pe.ec_point_formats.size() == 1);
  CHECK(pe.signature_algorithms[0] == 0x0403);
  CHECK(pe.extended_master_secret);
  CHECK(pe.has_renegotiation_info);
  CHECK(pe.renegotiated_connection.empty());
  REQUIRE(pe.srtp_profiles.size() == 4);
  CHECK(pe.srtp_profiles[0] == 7);
  CHECK(pe.srtp_mki.empty());
  CHECK(encode(*parsed, write_client_hello) == bytes);

  // Truncating the message anywhere makes it malformed, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = parse_client_hello(Bytes(bytes).first(n));
    // Cutting exactly before the extensions block leaves a valid hello.
    if (r.ok()) CHECK(r->extensions.srtp_profiles.empty());
  }
}

TEST_CASE("duplicate extensions and bad lengths are malformed") {
  const uint8_t suite[] = {0xC0, 0x2B};
  ClientHello ch;
  ch.cipher_suites.raw = Bytes(suite);
  ch.extensions.extended_master_secret = true;
  auto bytes = encode(ch, write_client_hello);
  // Append a second EMS extension by hand: fix the extensions length.
  auto dup = bytes;
  dup.insert(dup.end(), {0x00, 0x17, 0x00, 0x00});
  size_t ext_len_at = dup.size() - 4 - 4 - 2;
  store_be16(&dup[ext_len_at], 8);
  CHECK_FALSE(parse_client_hello(dup).ok());
  // EMS with a body.
  auto body = bytes;
  body.insert(body.end(), {0x01});
  CHECK_FALSE(parse_client_hello(body).ok());
  // A u16 list with an odd length (supported_groups: 3 bytes).
  auto odd = bytes;
  odd.insert(odd.end(), {0x00, 0x0A, 0x00, 0x05, 0x00, 0x03, 0x00, 0x17, 0x00});
  store_be16(&odd[ext_len_at], 4 + 9);
  CHECK_FALSE(parse_client_hello(odd).ok());
  odd[odd.size() - 4] = 0x02;  // length 2, then 1 byte left over in the extension
  CHECK_FALSE(parse_client_hello(odd).ok());
}

TEST_CASE("ServerHello, HelloVerifyRequest, Certificate round-trip") {
  ServerHello sh;
  sh.random.fill(9);
  sh.cipher_suite = 0xC02C;
  sh.extensions.extended_master_secret = true;
  const uint8_t profile[] = {0, 8};
  const uint8_t formats[] = {0};
  sh.extensions.has_use_srtp = true;
  sh.extensions.srtp_profiles.raw = Bytes(profile);
  sh.extensions.has_renegotiation_info = true;
  sh.extensions.has_ec_point_formats = true;
  sh.extensions.ec_point_formats = Bytes(formats);
  auto b = encode(sh, write_server_hello);
  auto p = parse_server_hello(b);
  REQUIRE(p.ok());
  CHECK(p->cipher_suite == 0xC02C);
  CHECK(p->extensions.srtp_profiles[0] == 8);
  CHECK(encode(*p, write_server_hello) == b);

  HelloVerifyRequest hvr{kDtls10Version, Bytes(kBlob)};
  auto hb = encode(hvr, write_hello_verify_request);
  auto hp = parse_hello_verify_request(hb);
  REQUIRE(hp.ok());
  CHECK(hp->server_version == kDtls10Version);
  CHECK(bytes_equal(hp->cookie, kBlob));
  CHECK(encode(*hp, write_hello_verify_request) == hb);

  CertificateMsg cm;
  (void)cm.certificates.push_back(Bytes(kBlob));
  (void)cm.certificates.push_back(Bytes(kBlob).first(3));
  auto cb = encode(cm, write_certificate);
  CHECK(cb.size() == 3 + 3 + 10 + 3 + 3);
  auto cp = parse_certificate(cb);
  REQUIRE(cp.ok());
  CHECK(cp->certificates.size() == 2);
  CHECK(encode(*cp, write_certificate) == cb);
  // An empty ASN.1Cert is not allowed (<1..2^24-1>).
  const uint8_t empty_cert[] = {0, 0, 3, 0, 0, 0};
  CHECK_FALSE(parse_certificate(Bytes(empty_cert, 6)).ok());
  // An empty list is well-formed (the client without a certificate).
  const uint8_t empty_list[] = {0, 0, 0};
  CHECK(parse_certificate(Bytes(empty_list, 3)).ok());
  // The Connection's form: the peer's own (first) certificate, the same checks.
  Bytes first;
  REQUIRE(parse_first_certificate(cb, first));
  CHECK(bytes_equal(first, kBlob));
  CHECK_FALSE(parse_first_certificate(Bytes(empty_cert, 6), first));
  CHECK_FALSE(parse_first_certificate(Bytes(cb).first(cb.size() - 1), first));
  REQUIRE(parse_first_certificate(Bytes(empty_list, 3), first));
  CHECK(first.empty());
}

TEST_CASE("key exchange, CertificateRequest, CertificateVerify, Finished, ServerHelloDone, Alert round-trip") {
  std::vector<uint8_t> point(65, 4);
  ServerKeyExchange ske{kGroupSecp256r1, Bytes(point), {}, kSigEcdsaSecp256r1Sha256, Bytes(kBlob)};
  auto sb = encode(ske, write_server_key_exchange);
  auto sp = parse_server_key_exchange(sb);
  REQUIRE(sp.ok());
  CHECK(sp->named_curve == kGroupSecp256r1);
  CHECK(sp->public_key.size() == 65);
  CHECK(sp->params.size() == 1 + 2 + 1 + 65);  // what the signature covers
  CHECK(bytes_equal(sp->signature, kBlob));
  CHECK(encode(*sp, write_server_key_exchange) == sb);
  sb[0] = 1;  // explicit_prime curves are refused
  CHECK_FALSE(parse_server_key_exchange(sb).ok());

  const uint8_t types[] = {kCertTypeEcdsaSign};
  const uint8_t algorithms[] = {4, 3, 5, 3};
  CertificateRequest cr;
  cr.certificate_types = Bytes(types);
  cr.signature_algorithms.raw = Bytes(algorithms);
  auto rb = encode(cr, write_certificate_request);
  auto rp = parse_certificate_request(rb);
  REQUIRE(rp.ok());
  CHECK(rp->signature_algorithms.size() == 2);
  CHECK(rp->signature_algorithms[1] == 0x0503);
  CHECK(encode(*rp, write_certificate_request) == rb);

  ClientKeyExchange cke{Bytes(point).first(32)};
  auto kb = encode(cke, write_client_key_exchange);
  auto kp = parse_client_key_exchange(kb);
  REQUIRE(kp.ok());
  CHECK(kp->public_key.size() == 32);
  CHECK(encode(*kp, write_client_key_exchange) == kb);

  CertificateVerify cv{0x0403, Bytes(kBlob)};
  auto vb = encode(cv, write_certificate_verify);
  auto vp = parse_certificate_verify(vb);
  REQUIRE(vp.ok());
  CHECK(encode(*vp, write_certificate_verify) == vb);

  std::vector<uint8_t> vd(12, 7);
  auto fb = encode(Finished{Bytes(vd)}, write_finished);
  REQUIRE(parse_finished(fb).ok());
  CHECK_FALSE(parse_finished(Bytes(fb).first(11)).ok());
  CHECK(parse_server_hello_done({}).ok());
  CHECK_FALSE(parse_server_hello_done(Bytes(kBlob)).ok());

  auto ab = encode(Alert{AlertLevel::fatal, AlertDescription::bad_certificate}, write_alert);
  auto ap = parse_alert(ab);
  REQUIRE(ap.ok());
  CHECK(ap->description == AlertDescription::bad_certificate);
  CHECK_FALSE(parse_alert(Bytes(kBlob)).ok());
}
