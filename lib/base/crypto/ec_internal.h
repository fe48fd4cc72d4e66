// base/crypto/ec_internal.h — the mbedTLS representation behind EcdsaP256Key,
// and the P-256 helpers certificate.cc shares with ec.cc.
//
// Private to lib/base/crypto. The key is a bare scalar on the shared,
// pre-warmed P-256 group (no mbedtls_pk_context: the pk, pk_wrap and OID
// modules would cost far more flash than they do here).
#pragma once

#include "base/crypto/ec.h"
#include "base/crypto/mbedtls_util.h"  // mbedTLS's configuration

#include <mbedtls/bignum.h>

// Which back end implements ec.h: mbedTLS's ECP module when the mbedTLS
// build has it (the host), else our own P-256 (p256.h; the embedded
// configuration leaves ECP, bignum and ECDSA out of mbedTLS). ec.cc holds
// the first, ec_own.cc the second; each compiles to nothing in the other case.
// -DSANSRTC_EC_OWN forces ours on the host too (to test it against mbedTLS).
#if defined(MBEDTLS_ECP_C) && defined(MBEDTLS_ECDSA_C) && !defined(SANSRTC_EC_OWN)
#define SANSRTC_EC_MBEDTLS 1
#else
#define SANSRTC_EC_MBEDTLS 0
#endif

namespace sansrtc::crypto {

struct EcdsaP256KeyImpl {
#if SANSRTC_EC_MBEDTLS
  EcdsaP256KeyImpl() { mbedtls_mpi_init(&d); }
  ~EcdsaP256KeyImpl() { mbedtls_mpi_free(&d); }  // zeroizes the private scalar
  mbedtls_mpi d;                                  // the private scalar, 1 <= d < n
#else
  EcdsaP256KeyImpl() = default;
  Secret<32> d;  // the private scalar, big-endian, 1 <= d < n; wiped on destruction
#endif
  EcdsaP256KeyImpl(const EcdsaP256KeyImpl&) = delete;
  EcdsaP256KeyImpl& operator=(const EcdsaP256KeyImpl&) = delete;

  std::array<uint8_t, kP256PublicKeySize> pub{};  // cached uncompressed public point
};

namespace detail {
// OBJECT IDENTIFIER contents (RFC 5480 §2.1.1, RFC 5758 §3.2).
inline constexpr uint8_t kOidEcPublicKey[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};        // 1.2.840.10045.2.1
inline constexpr uint8_t kOidPrime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};   // 1.2.840.10045.3.1.7
inline constexpr uint8_t kOidEcdsaWithSha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};  // 1.2.840.10045.4.3.2

// True when `pub` is a 65-byte uncompressed point on P-256 (not infinity).
bool p256_public_key_valid(Bytes pub);

// ec_der.cc: a PKCS#8 or SEC1 P-256 private key (the big-endian scalar, at
// most 32 bytes, not yet range-checked). Errc::invalid_argument when empty,
// malformed when it does not parse, unsupported for other key types/curves.
Result<void> parse_ec_private_key(Bytes der, Bytes& scalar);
// The argument checks both EcdsaP256Key::sign_digest back ends share:
// invalid_state without a key, invalid_argument for an empty digest,
// buffer_too_small when `out` cannot hold kMaxEcdsaSigDerSize bytes.
Result<void> check_sign_args(bool have_key, Bytes digest, MutBytes out);
// Writes the DER Ecdsa-Sig-Value for (r, s) to out (kMaxEcdsaSigDerSize
// bytes suffice); returns its length.
size_t encode_ecdsa_signature(const uint8_t r[32], const uint8_t s[32], uint8_t* out);
// Strict DER Ecdsa-Sig-Value to left-padded 32-byte r and s; false when it
// does not parse or a value exceeds 32 bytes.
bool decode_ecdsa_signature(Bytes sig, uint8_t r[32], uint8_t s[32]);
}  // namespace detail

}  // namespace sansrtc::crypto
