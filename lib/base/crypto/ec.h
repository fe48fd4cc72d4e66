// base/crypto/ec.h — ECDSA P-256 and ECDH (P-256, X25519).
//
// Two back ends behind one interface (ec_internal.h picks): mbedTLS's ECP
// module where the mbedTLS build has it (ec.cc; X25519 too), else our own
// constant-time P-256 (ec_own.cc over p256.h; P-256 only).
// What DTLS 1.2 needs for WebRTC: the certificate key (ECDSA with
// secp256r1, RFC 8422 §5.10) and ephemeral ECDHE (RFC 8422 §5.10-5.11;
// X25519 per RFC 7748). Public values use the TLS wire forms: uncompressed
// points (compressed ones are rejected, RFC 8422 §5.1.2 deprecates them) and
// 32-byte little-endian X25519 u-coordinates. Leaves out other curves.
#pragma once

#include "base/bytes.h"
#include "base/secret.h"
#include <sansrtc/result.h>
#include <sansrtc/rng.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sansrtc::crypto {

inline constexpr size_t kP256PublicKeySize = 65;   // 0x04 || X || Y
inline constexpr size_t kMaxEcdsaSigDerSize = 72;  // SEQUENCE { INTEGER r, INTEGER s }

struct EcdsaP256KeyImpl;

// An ECDSA P-256 key pair (the WebRTC certificate key).
class EcdsaP256Key {
 public:
  EcdsaP256Key();
  ~EcdsaP256Key();
  EcdsaP256Key(EcdsaP256Key&&) noexcept;
  EcdsaP256Key& operator=(EcdsaP256Key&&) noexcept;

  static Result<EcdsaP256Key> generate(Rng& rng);
  // PKCS#8 or SEC1 DER private key.
  static Result<EcdsaP256Key> from_der(Bytes der);

  // Signs a precomputed digest (any length; SHA-256 for DTLS). Writes a DER
  // signature into out (>= kMaxEcdsaSigDerSize); returns its length. The
  // nonce is RFC 6979's where mbedTLS has deterministic ECDSA, else drawn
  // from rng.
  Result<size_t> sign_digest(Bytes digest, MutBytes out, Rng& rng) const;
  std::array<uint8_t, kP256PublicKeySize> public_key() const;
  bool valid() const { return impl_ != nullptr; }
  EcdsaP256KeyImpl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<EcdsaP256KeyImpl> impl_;
};

// Verifies a DER ECDSA signature over `digest` with an uncompressed P-256
// public key. Errc::auth_failed when it does not verify.
Result<void> ecdsa_p256_verify(Bytes public_key, Bytes digest, Bytes sig_der);

enum class EcdhGroup : uint8_t { p256, x25519 };
bool ecdh_group_available(EcdhGroup g);
size_t ecdh_public_size(EcdhGroup g);  // 65 for P-256 (uncompressed), 32 for X25519

struct EcdhImpl;

// One ephemeral ECDH key pair. Generate it early (before the handshake
// needs it) to keep the elliptic-curve work off the critical path.
class Ecdh {
 public:
  Ecdh();
  ~Ecdh();
  Ecdh(Ecdh&&) noexcept;
  Ecdh& operator=(Ecdh&&) noexcept;

  static Result<Ecdh> generate(EcdhGroup group, Rng& rng);
  // In place: replaces this key pair by a fresh one of `group` (what
  // `*this = std::move(*generate(group, rng))` does, without the temporary).
  // Errors as generate(); on error the object is unchanged.
  Result<void> regenerate(EcdhGroup group, Rng& rng);
  // Back to the empty state of Ecdh() (the private key is wiped and freed).
  void clear();
  // TEST ONLY: a key pair from a fixed private key (P-256: 32-byte big-endian
  // scalar; X25519: 32-byte RFC 7748 scalar, clamped here). Production code
  // must use generate(). Errc::invalid_argument for a bad length or scalar.
  static Result<Ecdh> from_private_for_test(EcdhGroup group, Bytes priv);
  EcdhGroup group() const { return group_; }
  // The public value in TLS wire form (uncompressed point / 32-byte u).
  Bytes public_key() const { return Bytes(pub_.data(), pub_len_); }
  // Shared secret (x-coordinate / X25519 output, 32 bytes). Errc::malformed
  // for an invalid peer point.
  Result<void> compute_shared(Bytes peer_public, Secret<32>& out, Rng& rng) const;

 private:
  EcdhGroup group_ = EcdhGroup::p256;
  std::array<uint8_t, 65> pub_{};
  size_t pub_len_ = 0;
  std::unique_ptr<EcdhImpl> impl_;
};

}  // namespace sansrtc::crypto
