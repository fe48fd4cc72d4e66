// The client side of the DTLS 1.2 handshake (RFC 6347 §4.2.4 flights 1, 3
// and 5; RFC 5246 §7.3), plus the key derivation both sides share.
#include "dtls/connection.h"

#include <cstring>

namespace sansrtc::dtls {

namespace {
constexpr Error kUnexpected = make_error(Errc::malformed, "dtls: unexpected handshake message");
constexpr Error kDecode = make_error(Errc::malformed, "dtls: malformed handshake message");
}  // namespace

void Connection::transcript_hash(crypto::HashAlg alg, uint8_t* out) const {
  crypto::hash(alg, Bytes(transcript_.data(), transcript_.size()), out);
}

bool Connection::peer_finished_verifies(Bytes verify_data, bool peer_is_client) const {
  uint8_t th[crypto::kMaxHashSize];
  transcript_hash(suite_params_->prf_hash, th);
  uint8_t expected[kVerifyDataSize];
  compute_verify_data(suite_params_->prf_hash, master_secret_.expose(), peer_is_client,
                      Bytes(th, crypto::hash_size(suite_params_->prf_hash)), expected);
  return constant_time_equal(Bytes(expected, kVerifyDataSize), verify_data);
}

bool Connection::check_peer_certificate(const CertificateMsg& cert) {
  if (cert.certificates.empty()) return false;
  Bytes der = cert.certificates[0];
  // RFC 8122 §5 / RFC 5763 §5: the certificate is authenticated by the
  // fingerprint from the signalling channel, not by its signature.
  bool match = false;
  for (const auto& fp : config_.remote_fingerprints)
    if (fp.matches(der)) match = true;
  if (!match) return false;
  auto parsed = crypto::Certificate::from_der(der);
  if (!parsed.ok() || parsed->public_key().size() != peer_cert_key_.size()) return false;
  std::memcpy(peer_cert_key_.data(), parsed->public_key().data(), peer_cert_key_.size());
  have_peer_cert_ = true;
  return true;
}

Result<void> Connection::derive_keys(Bytes peer_public) {
  Secret<32> pre_master;
  SANSRTC_TRY(ecdh_.compute_shared(peer_public, pre_master, rng_));
  // RFC 7627 §3: session_hash = Hash(handshake_messages) up to and including
  // the ClientKeyExchange.
  uint8_t session_hash[crypto::kMaxHashSize];
  transcript_hash(suite_params_->prf_hash, session_hash);
  derive_extended_master_secret(suite_params_->prf_hash, pre_master.expose(),
                                Bytes(session_hash, crypto::hash_size(suite_params_->prf_hash)), master_secret_);
  TrafficKeys keys;
  derive_traffic_keys(*suite_params_, master_secret_.expose(), client_random_, server_random_, keys);
  const bool client = config_.role == Role::client;
  SANSRTC_TRY(write_prot_.init(suite_, client ? keys.client_write_key.expose() : keys.server_write_key.expose(),
                               client ? keys.client_write_iv.expose() : keys.server_write_iv.expose()));
  SANSRTC_TRY(read_prot_.init(suite_, client ? keys.server_write_key.expose() : keys.client_write_key.expose(),
                              client ? keys.server_write_iv.expose() : keys.client_write_iv.expose()));
  SANSRTC_TRY(derive_srtp_keys(suite_params_->prf_hash, master_secret_.expose(), client_random_, server_random_,
                               srtp_profile_, srtp_keys_));
  return ok_result();
}

void Connection::handshake_complete(Instant now) {
  (void)now;
  hs_ = Hs::done;
  timers_.disarm(Timer::handshake);
  if (config_.role == Role::client) {
    // The server's Finished acknowledges our last flight.
    timers_.disarm(Timer::retransmit);
    flight_sending_ = false;
    flight_.clear();
    flight_buf_ = std::vector<uint8_t>();
  }
  if (config_.role == Role::server) {
    // Our last flight (CCS, Finished) is kept for retransmission when the
    // client repeats its Finished (RFC 6347 §4.2.4): keep just its bytes, not
    // the capacity that held the server's first flight.
    // (Not shrink_to_fit(): without exceptions libstdc++ makes it a no-op.)
    flight_buf_ = std::vector<uint8_t>(flight_buf_.begin(), flight_buf_.end());
  }
  transcript_ = std::vector<uint8_t>();
  scratch_ = std::vector<uint8_t>();
  reassembler_.release();  // keeps next_seq: later repeats are recognised as old
  // The ephemeral key pair did its work in derive_keys() (no renegotiation).
  ecdh_ = crypto::Ecdh();
  ecdh_ready_ = false;
  Event keys;
  keys.kind = EventKind::srtp_keys;
  push_event(keys);
  set_state(TransportState::connected);
}

Result<void> Connection::client_send_client_hello(Instant now) {
  ClientHello ch;
  ch.random = client_random_;
  ch.cookie = Bytes(cookie_.data(), cookie_len_);
  for (CipherSuite s : config_.cipher_suites) (void)ch.cipher_suites.push_back(static_cast<uint16_t>(s));
  HelloExtensions& ext = ch.extensions;
  ext.has_supported_groups = true;
  if (config_.enable_x25519 && crypto::ecdh_group_available(crypto::EcdhGroup::x25519))
    (void)ext.supported_groups.push_back(kGroupX25519);
  (void)ext.supported_groups.push_back(kGroupSecp256r1);
  ext.has_ec_point_formats = true;
  (void)ext.ec_point_formats.push_back(0);  // uncompressed
  ext.has_signature_algorithms = true;
  (void)ext.signature_algorithms.push_back(kSigEcdsaSecp256r1Sha256);
  ext.extended_master_secret = true;
  ext.has_renegotiation_info = true;  // RFC 5746 §3.4: empty on the initial handshake
  ext.has_use_srtp = true;
  for (SrtpProfile p : config_.srtp_profiles) (void)ext.srtp_profiles.push_back(static_cast<uint16_t>(p));

  ByteWriter w(MutBytes(scratch_.data(), scratch_.size()));
  write_client_hello(w, ch);
  if (!w.ok()) return make_error(Errc::internal, "dtls: ClientHello does not fit");
  begin_flight();
  transcript_.clear();
  SANSRTC_TRY(push_handshake(HandshakeType::client_hello, w.written()));
  send_flight(now, true);
  return ok_result();
}

void Connection::client_process(Instant now, const FragmentReassembler::Message& m) {
  switch (hs_) {
    case Hs::c_wait_server_hello: {
      if (m.type == HandshakeType::hello_verify_request) {
        auto hvr = parse_hello_verify_request(m.body);
        if (!hvr.ok()) return fail(now, AlertDescription::decode_error, hvr.error());
        if (++hello_verify_count_ > config_.max_hello_verify_requests)
          return fail(now, AlertDescription::unexpected_message,
                      make_error(Errc::limit_exceeded, "dtls: too many HelloVerifyRequests"));
        std::memcpy(cookie_.data(), hvr->cookie.data(), hvr->cookie.size());
        cookie_len_ = hvr->cookie.size();
        // RFC 6347 §4.2.1: the client MUST use the same parameter values
        // (random included) in the second ClientHello. The first
        // ClientHello and the HelloVerifyRequest stay out of the transcript
        // (§4.2.6), which client_send_client_hello restarts.
        auto r = client_send_client_hello(now);
        if (!r.ok()) fail(now, AlertDescription::internal_error, r.error());
        return;
      }
      if (m.type != HandshakeType::server_hello) return fail(now, AlertDescription::unexpected_message, kUnexpected);
      auto sh = parse_server_hello(m.body);
      if (!sh.ok()) return fail(now, AlertDescription::decode_error, sh.error());
      if (sh->server_version != kDtls12Version)
        return fail(now, AlertDescription::protocol_version,
                    make_error(Errc::unsupported, "dtls: server did not select DTLS 1.2"));
      bool offered = false;
      for (CipherSuite s : config_.cipher_suites)
        if (static_cast<uint16_t>(s) == sh->cipher_suite) offered = true;
      if (!offered || sh->compression_method != 0)
        return fail(now, AlertDescription::illegal_parameter,
                    make_error(Errc::unsupported, "dtls: server selected a suite we did not offer"));
      // RFC 7627 §5.3: a client that requires EMS aborts when the server
      // does not send the extension.
      if (!sh->extensions.extended_master_secret)
        return fail(now, AlertDescription::handshake_failure,
                    make_error(Errc::unsupported, "dtls: server does not support extended master secret"));
      const auto& profiles = sh->extensions.srtp_profiles;
      if (!sh->extensions.has_use_srtp || profiles.size() != 1)
        return fail(now, AlertDescription::handshake_failure,
                    make_error(Errc::unsupported, "dtls: server selected no SRTP protection profile"));
      bool profile_ok = false;
      for (SrtpProfile p : config_.srtp_profiles)
        if (static_cast<uint16_t>(p) == profiles[0]) profile_ok = true;
      // RFC 5764 §4.1.1: the MKI must match what we sent (empty).
      if (!profile_ok || !sh->extensions.srtp_mki.empty())
        return fail(now, AlertDescription::illegal_parameter,
                    make_error(Errc::unsupported, "dtls: server selected an SRTP profile we did not offer"));
      if (sh->extensions.has_renegotiation_info && !sh->extensions.renegotiated_connection.empty())
        return fail(now, AlertDescription::handshake_failure,
                    make_error(Errc::malformed, "dtls: non-empty renegotiation_info on an initial handshake"));
      suite_ = sh->cipher_suite;
      suite_params_ = suite_params(suite_);
      srtp_profile_ = profiles[0];
      server_random_ = sh->random;
      transcript_.insert(transcript_.end(), m.full.begin(), m.full.end());
      hs_ = Hs::c_wait_certificate;
      return;
    }
    case Hs::c_wait_certificate: {
      if (m.type != HandshakeType::certificate) return fail(now, AlertDescription::unexpected_message, kUnexpected);
      auto cert = parse_certificate(m.body);
      if (!cert.ok()) return fail(now, AlertDescription::decode_error, cert.error());
      if (!check_peer_certificate(*cert))
        return fail(now, AlertDescription::bad_certificate,
                    make_error(Errc::auth_failed, "dtls: peer certificate does not match the SDP fingerprint"));
      transcript_.insert(transcript_.end(), m.full.begin(), m.full.end());
      hs_ = Hs::c_wait_server_key_exchange;
      return;
    }
    case Hs::c_wait_server_key_exchange: {
      if (m.type != HandshakeType::server_key_exchange)
        return fail(now, AlertDescription::unexpected_message, kUnexpected);
      auto ske = parse_server_key_exchange(m.body);
      if (!ske.ok()) return fail(now, AlertDescription::decode_error, ske.error());
      bool group_ok = ske->named_curve == kGroupSecp256r1 ||
                      (ske->named_curve == kGroupX25519 && config_.enable_x25519 &&
                       crypto::ecdh_group_available(crypto::EcdhGroup::x25519));
      if (!group_ok || ske->public_key.size() > peer_ecdh_public_.size())
        return fail(now, AlertDescription::illegal_parameter,
                    make_error(Errc::unsupported, "dtls: server chose a group we did not offer"));
      if (ske->signature_algorithm != kSigEcdsaSecp256r1Sha256)
        return fail(now, AlertDescription::illegal_parameter,
                    make_error(Errc::unsupported, "dtls: unsupported ServerKeyExchange signature algorithm"));
      // RFC 8422 §5.4: the signature covers ClientHello.random +
      // ServerHello.random + ServerECDHParams.
      uint8_t digest[32];
      crypto::Hasher h(crypto::HashAlg::sha256);
      h.update(client_random_);
      h.update(server_random_);
      h.update(ske->params);
      h.finish(digest);
      if (!crypto::ecdsa_p256_verify(peer_cert_key_, Bytes(digest, 32), ske->signature).ok())
        return fail(now, AlertDescription::decrypt_error,
                    make_error(Errc::auth_failed, "dtls: ServerKeyExchange signature does not verify"));
      group_ = ske->named_curve;
      std::memcpy(peer_ecdh_public_.data(), ske->public_key.data(), ske->public_key.size());
      peer_ecdh_public_len_ = ske->public_key.size();
      transcript_.insert(transcript_.end(), m.full.begin(), m.full.end());
      hs_ = Hs::c_wait_certificate_request_or_done;
      return;
    }
    case Hs::c_wait_certificate_request_or_done:
      if (m.type == HandshakeType::certificate_request) {
        auto cr = parse_certificate_request(m.body);
        if (!cr.ok()) return fail(now, AlertDescription::decode_error, cr.error());
        bool type_ok = false, alg_ok = false;
        for (uint8_t t : cr->certificate_types)
          if (t == kCertTypeEcdsaSign) type_ok = true;
        for (uint16_t a : cr->signature_algorithms)
          if (a == kSigEcdsaSecp256r1Sha256) alg_ok = true;
        if (!type_ok || !alg_ok)
          return fail(now, AlertDescription::handshake_failure,
                      make_error(Errc::unsupported, "dtls: server cannot accept an ECDSA P-256 certificate"));
        certificate_requested_ = true;
        transcript_.insert(transcript_.end(), m.full.begin(), m.full.end());
        hs_ = Hs::c_wait_server_hello_done;
        return;
      }
      [[fallthrough]];
    case Hs::c_wait_server_hello_done: {
      if (m.type != HandshakeType::server_hello_done)
        return fail(now, AlertDescription::unexpected_message, kUnexpected);
      if (!parse_server_hello_done(m.body).ok()) return fail(now, AlertDescription::decode_error, kDecode);
      transcript_.insert(transcript_.end(), m.full.begin(), m.full.end());
      auto r = client_send_flight5(now);
      if (!r.ok()) {
        AlertDescription a = r.error().code == Errc::malformed ? AlertDescription::illegal_parameter
                                                               : AlertDescription::internal_error;
        return fail(now, a, r.error());
      }
      return;
    }
    case Hs::c_wait_finished: {
      if (m.type != HandshakeType::finished) return fail(now, AlertDescription::unexpected_message, kUnexpected);
      auto fin = parse_finished(m.body);
      if (!fin.ok()) return fail(now, AlertDescription::decode_error, fin.error());
      if (!peer_finished_verifies(fin->verify_data, /*peer_is_client=*/false))
        return fail(now, AlertDescription::decrypt_error,
                    make_error(Errc::auth_failed, "dtls: server Finished does not verify"));
      handshake_complete(now);
      return;
    }
    default: return fail(now, AlertDescription::unexpected_message, kUnexpected);
  }
}

Result<void> Connection::client_send_flight5(Instant now) {
  SANSRTC_TRY(ensure_ecdh(group_));
  begin_flight();
  // The flight answers the server's flight ending with ServerHelloDone.
  have_peer_prev_flight_ = true;
  peer_prev_flight_last_seq_ = uint16_t(reassembler_.next_seq() - 1);
  if (certificate_requested_) {
    CertificateMsg cm;
    (void)cm.certificates.push_back(config_.certificate->der());
    ByteWriter w(MutBytes(scratch_.data(), scratch_.size()));
    write_certificate(w, cm);
    if (!w.ok()) return make_error(Errc::internal, "dtls: certificate too large");
    SANSRTC_TRY(push_handshake(HandshakeType::certificate, w.written()));
  }
  {
    ByteWriter w(MutBytes(scratch_.data(), scratch_.size()));
    write_client_key_exchange(w, ClientKeyExchange{ecdh_.public_key()});
    SANSRTC_TRY(push_handshake(HandshakeType::client_key_exchange, w.written()));
  }
  SANSRTC_TRY(derive_keys(Bytes(peer_ecdh_public_.data(), peer_ecdh_public_len_)));
  if (certificate_requested_) {
    // RFC 5246 §7.4.8: the signature covers all handshake messages so far.
    uint8_t digest[32];
    transcript_hash(crypto::HashAlg::sha256, digest);
    uint8_t sig[crypto::kMaxEcdsaSigDerSize];
    auto len = config_.private_key->sign_digest(Bytes(digest, 32), MutBytes(sig, sizeof(sig)), rng_);
    if (!len.ok()) return len.error();
    ByteWriter w(MutBytes(scratch_.data(), scratch_.size()));
    write_certificate_verify(w, CertificateVerify{kSigEcdsaSecp256r1Sha256, Bytes(sig, *len)});
    SANSRTC_TRY(push_handshake(HandshakeType::certificate_verify, w.written()));
  }
  push_ccs();
  uint8_t th[crypto::kMaxHashSize];
  transcript_hash(suite_params_->prf_hash, th);
  uint8_t verify[kVerifyDataSize];
  compute_verify_data(suite_params_->prf_hash, master_secret_.expose(), true,
                      Bytes(th, crypto::hash_size(suite_params_->prf_hash)), verify);
  SANSRTC_TRY(push_handshake(HandshakeType::finished, Bytes(verify, kVerifyDataSize)));
  hs_ = Hs::c_wait_finished;
  send_flight(now, true);
  return ok_result();
}

}  // namespace sansrtc::dtls
