// The server side of the DTLS 1.2 handshake (RFC 6347 §4.2.1 cookies and
// §4.2.4 flights 2, 4 and 6; RFC 5246 §7.3).
#include "dtls/connection.h"

#include <cstring>

namespace sansrtc::dtls {

namespace {
// The first of `ours` (our preference order) that `theirs` lists, or 0.
uint16_t first_common(U16List ours, const U16List& theirs) {
  for (size_t i = 0; i < ours.size(); ++i)
    if (theirs.contains(ours[i])) return ours[i];
  return 0;
}
}  // namespace

void Connection::compute_cookie(const ClientHello& ch, const uint8_t secret[32], uint8_t out[32]) const {
  // RFC 6347 §4.2.1: Cookie = HMAC(Secret, Client-IP, Client-Parameters).
  // The Connection is per peer already (the transport below demultiplexes
  // by address), so the address adds nothing here; the parameters are the
  // ones the client must repeat unchanged.
  crypto::Hmac mac(crypto::HashAlg::sha256, Bytes(secret, 32));
  uint8_t v[2];
  store_be16(v, ch.client_version);
  mac.update(Bytes(v, 2));
  mac.update(ch.random);
  uint8_t len = uint8_t(ch.session_id.size());
  mac.update(Bytes(&len, 1));
  mac.update(ch.session_id);
  mac.update(ch.cipher_suites.raw);
  mac.update(ch.compression_methods);
  mac.finish(out);
}

void Connection::maybe_rotate_cookie_secret(Instant now) {
  if (!cookie_secret_since_) cookie_secret_since_ = now;
  const Duration age = now - *cookie_secret_since_;
  if (age < settings_.cookie_secret_lifetime) return;
  // A cookie stays valid for one to two lifetimes: the previous secret is
  // kept for one more period, unless that period is over as well.
  prev_cookie_secret_ = cookie_secret_;
  have_prev_cookie_secret_ = age < 2 * settings_.cookie_secret_lifetime;
  rng_.fill(cookie_secret_);
  cookie_secret_since_ = now;
}

void Connection::server_handle_client_hello(Instant now, const FragmentReassembler::Message& m,
                                            uint64_t record_seq) {
  ClientHello hello;
  if (!parse_client_hello_into(m.body, hello)) {
    // Before a valid cookie nothing is known about the sender: drop.
    bump(stats_.dropped_fragments);
    return;
  }
  const ClientHello& ch = hello;
  if (settings_.use_cookie) {
    maybe_rotate_cookie_secret(now);
    uint8_t expected[32];
    compute_cookie(ch, cookie_secret_.data(), expected);
    bool valid = ch.cookie.size() == 32 && constant_time_equal(ch.cookie, Bytes(expected, 32));
    if (!valid && have_prev_cookie_secret_ && ch.cookie.size() == 32) {
      uint8_t prev[32];
      compute_cookie(ch, prev_cookie_secret_.data(), prev);
      valid = constant_time_equal(ch.cookie, Bytes(prev, 32));
    }
    if (!valid) {
      if (ch.cookie.empty())
        bump(stats_.cookieless_hellos);
      else
        bump(stats_.bad_cookies);
      // Stateless answer: one pending slot, overwritten by the next hello.
      std::memcpy(hvr_cookie_.data(), expected, 32);
      hvr_record_seq_ = record_seq;
      hvr_message_seq_ = m.message_seq;
      hvr_pending_ = true;
      return;
    }
  }
  hvr_pending_ = false;
  // Our HelloVerifyRequest reused the first ClientHello's record sequence
  // number; continue from this hello's, so the ServerHello's record is not
  // taken for a replay of the HelloVerifyRequest's (mbedTLS does the same).
  if (record_seq > write_seq_[0]) write_seq_[0] = record_seq;
  allocate_handshake_state();
  set_state(TransportState::connecting);
  timers_.arm(Timer::handshake, now + settings_.handshake_timeout);
  transcript_.clear();
  append_transcript(m.full);
  // RFC 6347 §4.2.2: the ServerHello takes the ClientHello's message_seq
  // (the server's first message after the stateless exchange).
  next_send_seq_ = m.message_seq;
  have_peer_prev_flight_ = true;
  peer_prev_flight_last_seq_ = m.message_seq;

  if (ch.client_version > kDtls12Version)  // versions count down: 0xFEFF is DTLS 1.0
    return fail(Failure::client_does_not_offer_dtls_1_2);
  // RFC 7627 §5.3: a server that requires EMS aborts a handshake without it.
  if (!ch.extensions.extended_master_secret)
    return fail(Failure::client_does_not_offer_extended_master_secret);
  suite_ = first_common(settings_.suites(), ch.cipher_suites);
  if (!suite_)
    return fail(Failure::no_common_cipher_suite);
  suite_params_ = suite_params(suite_);
  bool null_compression = false;
  for (uint8_t c : ch.compression_methods)
    if (c == 0) null_compression = true;
  if (!null_compression)
    return fail(Failure::no_null_compression);
  // Group: ours first (X25519, then P-256). RFC 8422 §4: without the
  // extension, assume the client supports secp256r1.
  const U16List& groups = ch.extensions.supported_groups;
  group_ = 0;
  if (!ch.extensions.has_supported_groups || groups.contains(kGroupSecp256r1)) group_ = kGroupSecp256r1;
  if (settings_.x25519 && groups.contains(kGroupX25519)) group_ = kGroupX25519;
  if (!group_)
    return fail(Failure::no_common_group);
  if (ch.extensions.has_signature_algorithms &&
      !ch.extensions.signature_algorithms.contains(kSigEcdsaSecp256r1Sha256))
    return fail(Failure::client_cannot_verify_ecdsa_secp256r1_sha256);
  // Without use_srtp the list is empty: no common profile.
  srtp_profile_ = first_common(settings_.profiles(), ch.extensions.srtp_profiles);
  if (!srtp_profile_)
    return fail(Failure::no_common_srtp_protection_profile);
  if (!check_renegotiation_info(ch.extensions)) return;
  peer_offered_reneg_info_ =
      ch.extensions.has_renegotiation_info || ch.cipher_suites.contains(kEmptyRenegotiationInfoScsv);
  client_random_ = ch.random;
  auto r = server_send_flight4(now);
  if (!r.ok()) fail(AlertDescription::internal_error, r.error());
}

Result<void> Connection::server_send_flight4(Instant now) {
  SANSRTC_TRY(ensure_ecdh(group_));
  rng_.fill(server_random_);
  begin_flight();
  {
    static constexpr uint8_t kUncompressedPoints[] = {0};  // RFC 8422 §5.1.2
    uint8_t profile[2];
    store_be16(profile, srtp_profile_);
    ServerHello sh;
    sh.random = server_random_;
    sh.cipher_suite = suite_;
    HelloExtensions& ext = sh.extensions;
    ext.has_renegotiation_info = peer_offered_reneg_info_;
    ext.has_ec_point_formats = true;
    ext.ec_point_formats = Bytes(kUncompressedPoints);
    ext.extended_master_secret = true;
    ext.has_use_srtp = true;
    ext.srtp_profiles.raw = Bytes(profile);
    ByteWriter w(scratch_.mut_bytes());
    write_server_hello(w, sh);
    SANSRTC_TRY(push_written(HandshakeType::server_hello, w));
  }
  SANSRTC_TRY(push_certificate());
  {
    // RFC 8422 §5.4: the signature covers ClientHello.random +
    // ServerHello.random + ServerECDHParams.
    ByteWriter w(scratch_.mut_bytes());
    write_ecdh_params(w, group_, ecdh_.public_key());
    uint8_t digest[32];
    ske_digest(w.written(), digest);
    SANSRTC_TRY(push_signed(HandshakeType::server_key_exchange, w, digest));
  }
  // WebRTC needs certificates on both sides (RFC 8827 §6.5). A constant
  // CertificateRequest: certificate_types {ecdsa_sign},
  // supported_signature_algorithms {ecdsa_secp256r1_sha256,
  // ecdsa_secp384r1_sha384}, no certificate_authorities.
  static constexpr uint8_t kCertificateRequest[] = {1, kCertTypeEcdsaSign, 0, 4, 4, 3, 5, 3, 0, 0};
  SANSRTC_TRY(push_handshake(HandshakeType::certificate_request, Bytes(kCertificateRequest)));
  SANSRTC_TRY(push_handshake(HandshakeType::server_hello_done, {}));
  hs_ = Hs::s_wait_certificate;
  send_flight(now, true);
  return ok_result();
}

// Flight 5 as the server sees it. process_message() has checked the
// message type and handled Certificate and Finished.
void Connection::server_process(Instant now, const FragmentReassembler::Message& m) {
  (void)now;
  if (m.type == HandshakeType::client_key_exchange) {
    ClientKeyExchange cke;
    if (!parse_client_key_exchange_into(m.body, cke)) return fail(Failure::malformed_handshake_message);
    auto r = derive_keys(cke.public_key);
    if (!r.ok()) return fail(AlertDescription::illegal_parameter, r.error());
    hs_ = Hs::s_wait_certificate_verify;
    return;
  }
  // certificate_verify
  CertificateVerify cv;
  if (!parse_certificate_verify_into(m.body, cv)) return fail(Failure::malformed_handshake_message);
  const bool sha384 = cv.signature_algorithm == kSigEcdsaSecp384r1Sha384;
  if (cv.signature_algorithm != kSigEcdsaSecp256r1Sha256 && !sha384)
    return fail(Failure::unsupported_certificate_verify_algorithm);
  // RFC 5246 §7.4.8: the signature covers handshake_messages so far.
  uint8_t digest[48];
  transcript_hash(sha384 ? crypto::HashAlg::sha384 : crypto::HashAlg::sha256, digest);
  if (!crypto::ecdsa_p256_verify(peer_cert_key_, Bytes(digest, sha384 ? 48 : 32), cv.signature).ok())
    return fail(Failure::certificate_verify_signature_does_not_verify);
  append_transcript(m.full);
  hs_ = Hs::s_wait_finished;
}

Result<void> Connection::server_send_flight6(Instant now) {
  begin_flight();
  // Repeat this flight whenever the client repeats its Finished.
  have_peer_prev_flight_ = true;
  peer_prev_flight_last_seq_ = uint16_t(reassembler_.next_seq() - 1);
  SANSRTC_TRY(push_ccs_and_finished());
  send_flight(now, false);
  handshake_complete(now);
  return ok_result();
}

}  // namespace sansrtc::dtls
