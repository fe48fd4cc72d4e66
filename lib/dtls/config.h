// dtls/config.h — the configuration of a DTLS connection and its limits.
#pragma once

#include "base/crypto/certificate.h"
#include "base/crypto/ec.h"
#include "base/inline_vector.h"
#include "dtls/types.h"
#include <sansrtc/time.h>

#include <chrono>
#include <cstddef>

namespace sansrtc::dtls {

struct Config {
  // Decided by SDP a=setup (RFC 5763 §5): active = client, passive = server.
  Role role = Role::client;

  // Our certificate and its key. Both must outlive the Connection.
  const crypto::Certificate* certificate = nullptr;
  const crypto::EcdsaP256Key* private_key = nullptr;

  // The peer's fingerprints from the remote SDP (a=fingerprint). The peer's
  // certificate is accepted only when it matches one of them; an empty list
  // accepts no certificate.
  InlineVector<crypto::Fingerprint, 4> remote_fingerprints;

  // Preference order; empty = AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305.
  InlineVector<CipherSuite, 3> cipher_suites;
  // use_srtp preference order; empty = AEAD_AES_128_GCM, AEAD_AES_256_GCM,
  // AES128_CM_HMAC_SHA1_80, AES128_CM_HMAC_SHA1_32. A handshake without a
  // common profile fails (WebRTC needs SRTP keys).
  InlineVector<SrtpProfile, 4> srtp_profiles;
  // Offer/accept X25519 (when the crypto backend has it) before secp256r1.
  bool enable_x25519 = true;

  // Maximum datagram size for handshake flights (records never span
  // datagrams; messages are fragmented to fit).
  size_t mtu = 1200;
  // RFC 6347 §4.2.4.1: initial timer 1 s, doubled on each retransmission,
  // at most 60 s.
  Duration initial_rto = std::chrono::seconds(1);
  Duration max_rto = std::chrono::seconds(60);
  // The whole handshake must complete within this time, else failed.
  Duration handshake_timeout = std::chrono::seconds(30);

  // Server: stateless HelloVerifyRequest cookie exchange (RFC 6347 §4.2.1).
  bool use_cookie = true;
  Duration cookie_secret_lifetime = std::chrono::seconds(60);

  // Limits.
  size_t max_handshake_message_size = 16384;
  size_t max_buffered_messages = 8;     // future handshake messages held for reassembly
  size_t max_received_app_data = 64;    // records received and not yet polled
  size_t max_queued_app_data = 64;      // records queued by send_application_data
  size_t max_hello_verify_requests = 4; // client: HelloVerifyRequests accepted per handshake
};

}  // namespace sansrtc::dtls
