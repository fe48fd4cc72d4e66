// base/crypto/certificate.h — self-signed ECDSA certificates and fingerprints.
//
// WebRTC authenticates DTLS peers by the fingerprint of their certificate,
// carried in SDP (RFC 8122 `a=fingerprint:sha-256 AB:CD:…`), not by CA
// chains. This module generates a self-signed X.509 certificate for an
// ECDSA P-256 key, parses DER certificates far enough to extract the public
// key, and computes/compares fingerprints.
#pragma once

#include "base/bytes.h"
#include "base/crypto/ec.h"
#include "base/crypto/hash.h"
#include "base/inline_vector.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::crypto {

struct Fingerprint {
  HashAlg alg = HashAlg::sha256;
  InlineVector<uint8_t, kMaxHashSize> digest;

  // "sha-256 AB:CD:…" (RFC 8122). Accepts upper or lower hex; the algorithm
  // name is case-insensitive.
  static Result<Fingerprint> parse(std::string_view alg_name, std::string_view hex);
  std::string hex() const;       // "AB:CD:…"
  std::string to_sdp() const;    // "sha-256 AB:CD:…"
  bool matches(Bytes der) const; // constant-time comparison of the certificate's digest
  bool operator==(const Fingerprint& o) const;
};

// The subject public key (uncompressed P-256 point, kP256PublicKeySize
// bytes) of a DER certificate, as a span into `der` (lives as long as it).
// Walks and checks the certificate exactly as Certificate::from_der does
// (which calls it), without copying it: for a peer whose certificate is
// needed only for its key. Errors as from_der.
Result<Bytes> certificate_public_key(Bytes der);

class Certificate {
 public:
  // A fresh self-signed certificate for `key` (CN = common_name, serial
  // random, valid from not_before_unix for validity_days). Time is an
  // argument: the core reads no clock.
  static Result<Certificate> self_signed(const EcdsaP256Key& key, Rng& rng, std::string_view common_name,
                                         int64_t not_before_unix, int validity_days);
  // Parses a DER certificate; only ECDSA P-256 public keys are accepted.
  static Result<Certificate> from_der(Bytes der);

  Bytes der() const { return Bytes(der_.data(), der_.size()); }
  // The subject public key (uncompressed P-256 point).
  Bytes public_key() const { return Bytes(pub_.data(), pub_.size()); }
  Fingerprint fingerprint(HashAlg alg) const;

 private:
  std::vector<uint8_t> der_;
  std::array<uint8_t, kP256PublicKeySize> pub_{};
};

}  // namespace sansrtc::crypto
