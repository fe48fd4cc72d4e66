// The client side of the DTLS 1.2 handshake (RFC 6347 §4.2.4 flights 1, 3
// and 5; RFC 5246 §7.3), plus the key derivation both sides share.
#include "dtls/connection.h"

#include <cstring>

namespace sansrtc::dtls {

namespace {
constexpr Error kUnexpected = make_error(Errc::malformed, "dtls: unexpected handshake message");
}  // namespace

void Connection::transcript_hash(crypto::HashAlg alg, uint8_t* out) const {
  crypto::hash(alg, transcript_.bytes(), out);
}

void Connection::finished_verify_data(bool client, uint8_t out[kVerifyDataSize]) const {
  uint8_t th[crypto::kMaxHashSize];
  transcript_hash(suite_params_->prf_hash, th);
  // compute_verify_data(), with the PRF called here (one call site fewer).
  tls12_prf(suite_params_->prf_hash, master_secret_.expose(), client ? "client finished" : "server finished",
            Bytes(th, crypto::hash_size(suite_params_->prf_hash)), {}, MutBytes(out, kVerifyDataSize));
}

bool Connection::peer_finished_verifies(Bytes verify_data, bool peer_is_client) const {
  uint8_t expected[kVerifyDataSize];
  finished_verify_data(peer_is_client, expected);
  return constant_time_equal(Bytes(expected, kVerifyDataSize), verify_data);
}

Result<void> Connection::push_ccs_and_finished() {
  push_ccs();
  uint8_t verify[kVerifyDataSize];
  finished_verify_data(settings_.role == Role::client, verify);
  return push_handshake(HandshakeType::finished, Bytes(verify, kVerifyDataSize));
}

Result<void> Connection::push_signed(HandshakeType type, ByteWriter& w, const uint8_t digest[32]) {
  uint8_t sig[crypto::kMaxEcdsaSigDerSize];
  auto len = settings_.private_key->sign_digest(Bytes(digest, 32), MutBytes(sig, sizeof(sig)), rng_);
  if (!len.ok()) return len.error();
  //  SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>;
  w.u16(kSigEcdsaSecp256r1Sha256);
  w.u16(uint16_t(*len));
  w.bytes(Bytes(sig, *len));
  return push_written(type, w);
}

void Connection::append_transcript(Bytes message) { transcript_.append(message); }

void Connection::ske_digest(Bytes params, uint8_t out[32]) const {
  crypto::Hasher h(crypto::HashAlg::sha256);
  h.update(client_random_);
  h.update(server_random_);
  h.update(params);
  h.finish(out);
}

bool Connection::check_renegotiation_info(const HelloExtensions& ext) {
  // RFC 5746 §3.4/§3.6: on an initial handshake the extension is empty.
  if (!ext.has_renegotiation_info || ext.renegotiated_connection.empty()) return true;
  fail(Failure::non_empty_renegotiation_info_on_an_initial_handshake);
  return false;
}

void Connection::process_message(Instant now, const FragmentReassembler::Message& m) {
  // The message each state waits for (idle, done and s_wait_client_hello
  // never get here).
  static constexpr HandshakeType kExpected[] = {
      HandshakeType::hello_request,        HandshakeType::server_hello,       HandshakeType::certificate,
      HandshakeType::server_key_exchange,  HandshakeType::certificate_request, HandshakeType::server_hello_done,
      HandshakeType::finished,             HandshakeType::client_hello,       HandshakeType::certificate,
      HandshakeType::client_key_exchange,  HandshakeType::certificate_verify, HandshakeType::finished,
      HandshakeType::hello_request,
  };
  static_assert(sizeof(kExpected) == size_t(Hs::done) + 1);
  const bool expected =
      (hs_ != Hs::idle && hs_ != Hs::done && hs_ != Hs::s_wait_client_hello && m.type == kExpected[size_t(hs_)]) ||
      (hs_ == Hs::c_wait_server_hello && m.type == HandshakeType::hello_verify_request) ||
      (hs_ == Hs::c_wait_certificate_request_or_done && m.type == HandshakeType::server_hello_done);
  if (!expected) return fail(AlertDescription::unexpected_message, kUnexpected);
  // The transcript (RFC 5246 §7.4.9 handshake_messages) takes each message
  // as it arrives, except the two checked against the messages before them
  // (CertificateVerify, Finished), added after their check. A
  // HelloVerifyRequest is dropped again when the ClientHello restarts it
  // (RFC 6347 §4.2.6).
  if (m.type != HandshakeType::certificate_verify && m.type != HandshakeType::finished) append_transcript(m.full);
  const bool server = settings_.role == Role::server;
  if (m.type == HandshakeType::certificate) {
    // Both sides: the peer's certificate, authenticated by the fingerprint
    // from the signalling channel (RFC 8122 §5, RFC 5763 §5), not by its
    // signature.
    Bytes der;
    if (!parse_first_certificate(m.body, der)) return fail(Failure::malformed_handshake_message);
    if (der.empty() && server)
      return fail(Failure::the_client_sent_no_certificate);
    bool match = false;
    if (!der.empty()) {
      match = fingerprint_matches(der);
      if (match) {
        auto key = crypto::certificate_public_key(der);
        match = key.ok() && key->size() == peer_cert_key_.size();
        if (match) std::memcpy(peer_cert_key_.data(), key->data(), peer_cert_key_.size());
      }
    }
    if (!match)
      return fail(Failure::peer_certificate_does_not_match_the_sdp_fingerprint);
    have_peer_cert_ = true;
    // c_wait_certificate -> c_wait_server_key_exchange,
    // s_wait_certificate -> s_wait_client_key_exchange.
    hs_ = static_cast<Hs>(uint8_t(hs_) + 1);
    return;
  }
  if (m.type == HandshakeType::finished) {
    //  struct { opaque verify_data[12]; } Finished;
    if (m.body.size() != kVerifyDataSize) return fail(Failure::malformed_handshake_message);
    if (!peer_finished_verifies(m.body, /*peer_is_client=*/server))
      return fail(server ? Failure::client_finished_does_not_verify : Failure::server_finished_does_not_verify);
    if (!server) return handshake_complete(now);
    append_transcript(m.full);
    auto r = server_send_flight6(now);
    if (!r.ok()) fail(AlertDescription::internal_error, r.error());
    return;
  }
  if (server)
    server_process(now, m);
  else
    client_process(now, m);
}

Result<void> Connection::derive_keys(Bytes peer_public) {
  Secret<32> pre_master;
  SANSRTC_TRY(ecdh_.compute_shared(peer_public, pre_master, rng_));
  // RFC 7627 §3: session_hash = Hash(handshake_messages) up to and including
  // the ClientKeyExchange.
  uint8_t session_hash[crypto::kMaxHashSize];
  transcript_hash(suite_params_->prf_hash, session_hash);
  // derive_extended_master_secret(), straight into master_secret_.
  master_secret_.resize(kMasterSecretSize);
  tls12_prf(suite_params_->prf_hash, pre_master.expose(), "extended master secret",
            Bytes(session_hash, crypto::hash_size(suite_params_->prf_hash)), {}, master_secret_.expose_mut());
  // RFC 5246 §6.3: key_block = client_write_key, server_write_key,
  // client_write_IV, server_write_IV (derive_traffic_keys' layout, kept in
  // one local block here instead of four Secrets).
  const SuiteParams& sp = *suite_params_;
  const size_t k = sp.key_len, iv = sp.fixed_iv_len;
  uint8_t block[2 * 32 + 2 * 12];
  tls12_prf(sp.prf_hash, master_secret_.expose(), "key expansion", server_random_, client_random_,
            MutBytes(block, 2 * k + 2 * iv));
  // Our write keys are the client's or the server's; the peer's the others.
  RecordProtection* const prot[2] = {&write_prot_, &read_prot_};
  size_t side = settings_.role == Role::client ? 0 : 1;
  Result<void> r;
  for (RecordProtection* p : prot) {
    r = p->init(suite_, Bytes(block + side * k, k), Bytes(block + 2 * k + side * iv, iv));
    if (!r.ok()) break;
    side ^= 1;
  }
  secure_zero(block, sizeof(block));
  SANSRTC_TRY(r);
#if SANSRTC_NO_MEDIA
  // Without media nothing uses the SRTP keys (the transport does not keep
  // them): use_srtp is still negotiated as before, and the srtp_keys event
  // carries the profile with empty keys.
  srtp_keys_.profile = srtp_profile_;
#else
  SANSRTC_TRY(derive_srtp_keys(suite_params_->prf_hash, master_secret_.expose(), client_random_, server_random_,
                               srtp_profile_, srtp_keys_));
#endif
  return ok_result();
}

void Connection::handshake_complete(Instant now) {
  (void)now;
  hs_ = Hs::done;
  timers_.disarm(Timer::handshake);
  if (settings_.role == Role::client) {
    // The server's Finished acknowledges our last flight.
    timers_.disarm(Timer::retransmit);
    flight_sending_ = false;
    flight_.clear();
    flight_buf_.release();
  }
  if (settings_.role == Role::server) {
    // Our last flight (CCS, Finished) is kept for retransmission when the
    // client repeats its Finished (RFC 6347 §4.2.4): keep just its bytes, not
    // the capacity that held the server's first flight.
    flight_buf_.shrink_to_fit();
  }
  transcript_.release();
  scratch_.release();
  reassembler_.release();  // keeps next_seq: later repeats are recognised as old
  // The ephemeral key pair did its work in derive_keys() (no renegotiation).
  ecdh_.clear();
  ecdh_ready_ = false;
  push_event(EventKind::srtp_keys);
  set_state(TransportState::connected);
}

Result<void> Connection::client_send_client_hello(Instant now) {
  // x25519 (29) when we have it, then secp256r1 (23).
  static constexpr uint8_t kGroups[] = {0, 29, 0, 23};
  static constexpr uint8_t kSignatureAlgorithms[] = {4, 3};  // ecdsa_secp256r1_sha256
  static constexpr uint8_t kUncompressedPoints[] = {0};       // RFC 8422 §5.1.2
  ClientHello ch;
  ch.random = client_random_;
  ch.cookie = Bytes(cookie_.data(), cookie_len_);
  ch.cipher_suites = settings_.suites();
  HelloExtensions& ext = ch.extensions;
  ext.has_supported_groups = true;
  ext.supported_groups.raw = settings_.x25519 ? Bytes(kGroups) : Bytes(kGroups + 2, 2);
  ext.has_ec_point_formats = true;
  ext.ec_point_formats = Bytes(kUncompressedPoints);
  ext.has_signature_algorithms = true;
  ext.signature_algorithms.raw = Bytes(kSignatureAlgorithms);
  ext.extended_master_secret = true;
  ext.has_renegotiation_info = true;  // RFC 5746 §3.4: empty on the initial handshake
  ext.has_use_srtp = true;
  ext.srtp_profiles = settings_.profiles();

  ByteWriter w(scratch_.mut_bytes());
  write_client_hello(w, ch);
  if (!w.ok()) return make_error(Errc::internal, "dtls: ClientHello does not fit");
  begin_flight();
  transcript_.clear();
  SANSRTC_TRY(push_handshake(HandshakeType::client_hello, w.written()));
  send_flight(now, true);
  return ok_result();
}

// Flights 2 and 4 as the client sees them. process_message() has checked
// the message type and handled Certificate and Finished.
void Connection::client_process(Instant now, const FragmentReassembler::Message& m) {
  switch (m.type) {
    case HandshakeType::hello_verify_request: {
      HelloVerifyRequest hvr;
      if (!parse_hello_verify_request_into(m.body, hvr)) return fail(Failure::malformed_handshake_message);
      if (++hello_verify_count_ > settings_.max_hello_verify_requests)
        return fail(Failure::too_many_hello_verify_requests);
      std::memcpy(cookie_.data(), hvr.cookie.data(), hvr.cookie.size());
      cookie_len_ = hvr.cookie.size();
      // RFC 6347 §4.2.1: the client MUST use the same parameter values
      // (random included) in the second ClientHello. The first
      // ClientHello and the HelloVerifyRequest stay out of the transcript
      // (§4.2.6), which client_send_client_hello restarts.
      auto r = client_send_client_hello(now);
      if (!r.ok()) fail(AlertDescription::internal_error, r.error());
      return;
    }
    case HandshakeType::server_hello: {
      ServerHello sh;
      if (!parse_server_hello_into(m.body, sh)) return fail(Failure::malformed_handshake_message);
      if (sh.server_version != kDtls12Version)
        return fail(Failure::server_did_not_select_dtls_1_2);
      if (!settings_.suites().contains(sh.cipher_suite) || sh.compression_method != 0)
        return fail(Failure::server_selected_a_suite_we_did_not_offer);
      // RFC 7627 §5.3: a client that requires EMS aborts when the server
      // does not send the extension.
      if (!sh.extensions.extended_master_secret)
        return fail(Failure::server_does_not_support_extended_master_secret);
      const auto& profiles = sh.extensions.srtp_profiles;
      if (!sh.extensions.has_use_srtp || profiles.size() != 1)
        return fail(Failure::server_selected_no_srtp_protection_profile);
      // RFC 5764 §4.1.1: the MKI must match what we sent (empty).
      if (!settings_.profiles().contains(profiles[0]) || !sh.extensions.srtp_mki.empty())
        return fail(Failure::server_selected_an_srtp_profile_we_did_not_offer);
      if (!check_renegotiation_info(sh.extensions)) return;
      suite_ = sh.cipher_suite;
      suite_params_ = suite_params(suite_);
      srtp_profile_ = profiles[0];
      server_random_ = sh.random;
      break;
    }
    case HandshakeType::server_key_exchange: {
      ServerKeyExchange ske;
      if (!parse_server_key_exchange_into(m.body, ske)) return fail(Failure::malformed_handshake_message);
      const uint16_t g = ske.named_curve;
      if (!(g == kGroupSecp256r1 || (g == kGroupX25519 && settings_.x25519)) ||
          ske.public_key.size() > peer_ecdh_public_.size())
        return fail(Failure::server_chose_a_group_we_did_not_offer);
      if (ske.signature_algorithm != kSigEcdsaSecp256r1Sha256)
        return fail(Failure::unsupported_server_key_exchange_signature_algorithm);
      // RFC 8422 §5.4: the signature covers ClientHello.random +
      // ServerHello.random + ServerECDHParams.
      uint8_t digest[32];
      ske_digest(ske.params, digest);
      if (!crypto::ecdsa_p256_verify(peer_cert_key_, Bytes(digest, 32), ske.signature).ok())
        return fail(Failure::server_key_exchange_signature_does_not_verify);
      group_ = g;
      std::memcpy(peer_ecdh_public_.data(), ske.public_key.data(), ske.public_key.size());
      peer_ecdh_public_len_ = ske.public_key.size();
      break;
    }
    case HandshakeType::certificate_request: {
      CertificateRequest cr;
      if (!parse_certificate_request_into(m.body, cr)) return fail(Failure::malformed_handshake_message);
      bool type_ok = false;
      for (uint8_t t : cr.certificate_types) type_ok |= t == kCertTypeEcdsaSign;
      if (!type_ok || !cr.signature_algorithms.contains(kSigEcdsaSecp256r1Sha256))
        return fail(Failure::server_cannot_accept_an_ecdsa_p_256_certificate);
      certificate_requested_ = true;
      break;
    }
    default: {  // server_hello_done
      //  struct { } ServerHelloDone;
      if (!m.body.empty()) return fail(Failure::malformed_handshake_message);
      auto r = client_send_flight5(now);
      if (!r.ok()) {
        AlertDescription a = r.error().code == Errc::malformed ? AlertDescription::illegal_parameter
                                                               : AlertDescription::internal_error;
        fail(a, r.error());
      }
      return;
    }
  }
  // ServerHello -> Certificate, ServerKeyExchange -> CertificateRequest or
  // ServerHelloDone, CertificateRequest -> ServerHelloDone.
  hs_ = m.type == HandshakeType::server_hello         ? Hs::c_wait_certificate
        : m.type == HandshakeType::server_key_exchange ? Hs::c_wait_certificate_request_or_done
                                                       : Hs::c_wait_server_hello_done;
}

Result<void> Connection::client_send_flight5(Instant now) {
  SANSRTC_TRY(ensure_ecdh(group_));
  begin_flight();
  // The flight answers the server's flight ending with ServerHelloDone.
  have_peer_prev_flight_ = true;
  peer_prev_flight_last_seq_ = uint16_t(reassembler_.next_seq() - 1);
  if (certificate_requested_) {
    SANSRTC_TRY(push_certificate());
  }
  {
    ByteWriter w(scratch_.mut_bytes());
    write_client_key_exchange(w, ClientKeyExchange{ecdh_.public_key()});
    SANSRTC_TRY(push_written(HandshakeType::client_key_exchange, w));
  }
  SANSRTC_TRY(derive_keys(Bytes(peer_ecdh_public_.data(), peer_ecdh_public_len_)));
  if (certificate_requested_) {
    // RFC 5246 §7.4.8: the signature covers all handshake messages so far.
    uint8_t digest[32];
    transcript_hash(crypto::HashAlg::sha256, digest);
    ByteWriter w(scratch_.mut_bytes());
    SANSRTC_TRY(push_signed(HandshakeType::certificate_verify, w, digest));
  }
  SANSRTC_TRY(push_ccs_and_finished());
  hs_ = Hs::c_wait_finished;
  send_flight(now, true);
  return ok_result();
}

}  // namespace sansrtc::dtls
