// base/crypto/cipher.h — AES (ECB block, CTR), AES-GCM and ChaCha20-Poly1305.
//
// The AES block cipher and ChaCha20-Poly1305 are mbedTLS's; GCM is ours
// (AES-NI/PCLMULQDQ on x86-64, a portable 4-bit-table GHASH elsewhere).
// Keys are copied into the object at set_key and wiped on destruction.
// AEAD calls work in place on the caller's buffer.
#pragma once

#include "base/bytes.h"
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>

namespace sansrtc::crypto {

// AES block cipher, encrypt direction only (what CTR, GCM-less SRTP and
// the SRTP KDF need). Key: 16, 24 or 32 bytes.
class AesEcb {
 public:
  AesEcb();
  ~AesEcb();
  AesEcb(const AesEcb&) = delete;
  AesEcb& operator=(const AesEcb&) = delete;
  Result<void> set_key(Bytes key);
  void encrypt_block(const uint8_t in[16], uint8_t out[16]) const;

 private:
  alignas(16) unsigned char ctx_[512];
};

// AES in counter mode: XORs the keystream from a 16-byte initial counter
// block into data in place (SRTP AES-CM, RFC 3711 §4.1.1, increments the
// whole 128-bit block).
class AesCtr {
 public:
  Result<void> set_key(Bytes key) { return aes_.set_key(key); }
  void apply(const uint8_t iv[16], MutBytes data) const;

 private:
  AesEcb aes_;
};

inline constexpr size_t kAeadTagSize = 16;
// Room for AesGcm's key state: the AES-NI key powers on x86-64, the AES key
// schedule and GHASH tables (about 540 bytes) everywhere else.
#if defined(__x86_64__)
inline constexpr size_t kAesGcmStateSize = 1024;
#else
inline constexpr size_t kAesGcmStateSize = 576;
#endif

// AES-GCM with 16-byte tags. Key: 16, 24 or 32 bytes. Nonce: 12 bytes.
// On x86-64 CPUs with AES-NI and PCLMULQDQ, 16- and 32-byte keys run on
// those instructions (see accelerated()); everything else on a portable
// GCM over mbedTLS's AES. The output is the same either way.
class AesGcm {
 public:
  AesGcm();
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;
  Result<void> set_key(Bytes key);
  // Encrypts `data` in place and writes the 16-byte tag to `tag`.
  Result<void> seal(Bytes nonce, Bytes aad, MutBytes data, uint8_t tag[kAeadTagSize]);
  // Verifies `tag` and decrypts in place; Errc::auth_failed when the tag is
  // wrong (data is then unspecified and must be discarded).
  Result<void> open(Bytes nonce, Bytes aad, MutBytes data, const uint8_t tag[kAeadTagSize]);
  // True when 16- and 32-byte keys take the AES-NI/PCLMULQDQ path here.
  static bool accelerated();

 private:
  alignas(16) unsigned char ctx_[kAesGcmStateSize];
};

// ChaCha20-Poly1305 (RFC 8439). Key: 32 bytes. Nonce: 12 bytes.
class ChaChaPoly {
 public:
  ChaChaPoly();
  ~ChaChaPoly();
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;
  Result<void> set_key(Bytes key);
  Result<void> seal(Bytes nonce, Bytes aad, MutBytes data, uint8_t tag[kAeadTagSize]);
  Result<void> open(Bytes nonce, Bytes aad, MutBytes data, const uint8_t tag[kAeadTagSize]);
  static bool available();  // false when the mbedTLS build lacks it

 private:
  alignas(16) unsigned char ctx_[512];
};

namespace detail {
// TEST ONLY: when true, AesGcm::set_key picks the portable path even where
// AES-NI is available, so host tests cover the code embedded targets run.
extern bool gcm_force_portable;
}  // namespace detail

}  // namespace sansrtc::crypto
