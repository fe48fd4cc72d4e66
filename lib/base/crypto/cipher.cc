// base/crypto/cipher.cc — AES-ECB/CTR, AES-GCM and ChaCha20-Poly1305 on mbedTLS.
//
// Each class keeps its mbedTLS context (plus a "keyed" flag) in an inline
// buffer of the object: no allocation per packet, the contexts are never
// moved (mbedTLS 2.x AES contexts point into themselves).
//
// AesGcm with a 16- or 32-byte key runs on AES-NI/PCLMULQDQ
// (aes_gcm_x86.h) when the CPU has them, about 15x faster than mbedTLS 2.28's
// block-at-a-time GCM; 24-byte keys, other CPUs and other architectures
// keep mbedTLS. Both produce the same bytes.
#include "base/crypto/cipher.h"

#include "base/check.h"
#include "base/crypto/aes_gcm_x86.h"
#include "base/crypto/mbedtls_util.h"

#include <mbedtls/aes.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include <cstring>
#include <new>

namespace sansrtc::crypto {
namespace {

struct AesState {
  mbedtls_aes_context aes;
  bool keyed = false;
};
struct GcmState {
  mbedtls_gcm_context gcm;
#if SANSRTC_AES_GCM_X86
  x86::GcmKey fast;  // key material: wiped on rekey and destruction
  bool use_fast = false;
#endif
  bool keyed = false;
};
struct ChaChaState {
#if defined(MBEDTLS_CHACHAPOLY_C)
  mbedtls_chachapoly_context cp;
#endif
  bool keyed = false;
};

template <class T>
T* state(unsigned char* buf) { return std::launder(reinterpret_cast<T*>(buf)); }
template <class T>
const T* state(const unsigned char* buf) { return std::launder(reinterpret_cast<const T*>(buf)); }

bool valid_aes_key_size(size_t n) { return n == 16 || n == 24 || n == 32; }

constexpr Error kNotKeyed = make_error(Errc::invalid_state, "cipher used before set_key");
#if SANSRTC_AES_GCM_X86
// SP 800-38D §5.2.1.1: len(P) <= 2^39 - 256 bits; mbedTLS enforces the same.
constexpr uint64_t kGcmMaxBytes = (uint64_t(1) << 36) - 32;
constexpr Error kGcmTooLong = make_error(Errc::invalid_argument, "AES-GCM input longer than 2^36 - 32 bytes");
#endif
constexpr Error kBadNonce = make_error(Errc::invalid_argument, "AEAD nonce must be 12 bytes");

}  // namespace

// ---- AesEcb ----

static_assert(sizeof(AesState) <= 512, "AesEcb::ctx_ too small for mbedtls_aes_context");
static_assert(alignof(AesState) <= 16, "AesEcb::ctx_ under-aligned");

AesEcb::AesEcb() { mbedtls_aes_init(&(new (ctx_) AesState)->aes); }

AesEcb::~AesEcb() {
  AesState* s = state<AesState>(ctx_);
  mbedtls_aes_free(&s->aes);  // zeroizes the key schedule
  s->~AesState();
}

Result<void> AesEcb::set_key(Bytes key) {
  if (!valid_aes_key_size(key.size())) return make_error(Errc::invalid_argument, "AES key must be 16, 24 or 32 bytes");
  AesState* s = state<AesState>(ctx_);
  if (mbedtls_aes_setkey_enc(&s->aes, key.data(), unsigned(key.size() * 8)) != 0) {
    s->keyed = false;
    return make_error(Errc::crypto_failure, "mbedtls_aes_setkey_enc failed");
  }
  s->keyed = true;
  return ok_result();
}

void AesEcb::encrypt_block(const uint8_t in[16], uint8_t out[16]) const {
  // mbedTLS takes a non-const context although ECB encryption does not
  // modify it; the cast is safe.
  AesState* s = const_cast<AesState*>(state<AesState>(ctx_));
  SANSRTC_DCHECK(s->keyed);
  (void)mbedtls_aes_crypt_ecb(&s->aes, MBEDTLS_AES_ENCRYPT, in, out);
}

// ---- AesCtr ----

void AesCtr::apply(const uint8_t iv[16], MutBytes data) const {
  uint8_t ctr[16];
  uint8_t ks[16];
  std::memcpy(ctr, iv, 16);
  uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    aes_.encrypt_block(ctr, ks);
    const size_t n = left < 16 ? left : 16;
    for (size_t i = 0; i < n; ++i) p[i] ^= ks[i];
    p += n;
    left -= n;
    // RFC 3711 §4.1.1: the whole 128-bit block is the counter (big-endian).
    for (int i = 15; i >= 0; --i) {
      if (++ctr[i] != 0) break;
    }
  }
  secure_zero(ks, sizeof(ks));
}

// ---- AesGcm ----

static_assert(sizeof(GcmState) <= 1024, "AesGcm::ctx_ too small for mbedtls_gcm_context");
static_assert(alignof(GcmState) <= 16, "AesGcm::ctx_ under-aligned");

AesGcm::AesGcm() { mbedtls_gcm_init(&(new (ctx_) GcmState)->gcm); }

AesGcm::~AesGcm() {
  GcmState* s = state<GcmState>(ctx_);
  mbedtls_gcm_free(&s->gcm);
#if SANSRTC_AES_GCM_X86
  secure_zero(&s->fast, sizeof(s->fast));
#endif
  s->~GcmState();
}

bool AesGcm::accelerated() {
#if SANSRTC_AES_GCM_X86
  return x86::available();
#else
  return false;
#endif
}

Result<void> AesGcm::set_key(Bytes key) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return make_error(Errc::invalid_argument, "AES-GCM key must be 16, 24 or 32 bytes");
  }
  GcmState* s = state<GcmState>(ctx_);
  // Whichever path held the previous key, wipe it.
  mbedtls_gcm_free(&s->gcm);
  mbedtls_gcm_init(&s->gcm);
#if SANSRTC_AES_GCM_X86
  secure_zero(&s->fast, sizeof(s->fast));
  s->use_fast = false;
  if (key.size() != 24 && x86::available()) {
    s->keyed = x86::gcm_set_key(s->fast, key.data(), key.size());
    s->use_fast = s->keyed;
    if (s->keyed) return ok_result();
    return make_error(Errc::crypto_failure, "AES-GCM key expansion failed");
  }
#endif
  if (mbedtls_gcm_setkey(&s->gcm, MBEDTLS_CIPHER_ID_AES, key.data(), unsigned(key.size() * 8)) != 0) {
    s->keyed = false;
    return make_error(Errc::crypto_failure, "mbedtls_gcm_setkey failed");
  }
  s->keyed = true;
  return ok_result();
}

Result<void> AesGcm::seal(Bytes nonce, Bytes aad, MutBytes data, uint8_t tag[kAeadTagSize]) {
  GcmState* s = state<GcmState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
#if SANSRTC_AES_GCM_X86
  if (s->use_fast) {
    if (data.size() > kGcmMaxBytes) return kGcmTooLong;
    x86::gcm_seal(s->fast, nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag);
    return ok_result();
  }
#endif
  if (mbedtls_gcm_crypt_and_tag(&s->gcm, MBEDTLS_GCM_ENCRYPT, data.size(), nonce.data(), nonce.size(), aad.data(),
                                aad.size(), data.data(), data.data(), kAeadTagSize, tag) != 0) {
    return make_error(Errc::crypto_failure, "mbedtls_gcm_crypt_and_tag failed");
  }
  return ok_result();
}

Result<void> AesGcm::open(Bytes nonce, Bytes aad, MutBytes data, const uint8_t tag[kAeadTagSize]) {
  GcmState* s = state<GcmState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
#if SANSRTC_AES_GCM_X86
  if (s->use_fast) {
    if (data.size() > kGcmMaxBytes) return kGcmTooLong;
    if (!x86::gcm_open(s->fast, nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag)) {
      return make_error(Errc::auth_failed, "AES-GCM tag mismatch");
    }
    return ok_result();
  }
#endif
  const int rc = mbedtls_gcm_auth_decrypt(&s->gcm, data.size(), nonce.data(), nonce.size(), aad.data(), aad.size(),
                                          tag, kAeadTagSize, data.data(), data.data());
  if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED) return make_error(Errc::auth_failed, "AES-GCM tag mismatch");
  if (rc != 0) return make_error(Errc::crypto_failure, "mbedtls_gcm_auth_decrypt failed");
  return ok_result();
}

// ---- ChaChaPoly ----

static_assert(sizeof(ChaChaState) <= 512, "ChaChaPoly::ctx_ too small for mbedtls_chachapoly_context");
static_assert(alignof(ChaChaState) <= 16, "ChaChaPoly::ctx_ under-aligned");

bool ChaChaPoly::available() {
#if defined(MBEDTLS_CHACHAPOLY_C)
  return true;
#else
  return false;
#endif
}

ChaChaPoly::ChaChaPoly() {
  [[maybe_unused]] ChaChaState* s = new (ctx_) ChaChaState;
#if defined(MBEDTLS_CHACHAPOLY_C)
  mbedtls_chachapoly_init(&s->cp);
#endif
}

ChaChaPoly::~ChaChaPoly() {
  ChaChaState* s = state<ChaChaState>(ctx_);
#if defined(MBEDTLS_CHACHAPOLY_C)
  mbedtls_chachapoly_free(&s->cp);
#endif
  s->~ChaChaState();
}

Result<void> ChaChaPoly::set_key(Bytes key) {
#if defined(MBEDTLS_CHACHAPOLY_C)
  if (key.size() != 32) return make_error(Errc::invalid_argument, "ChaCha20-Poly1305 key must be 32 bytes");
  ChaChaState* s = state<ChaChaState>(ctx_);
  if (mbedtls_chachapoly_setkey(&s->cp, key.data()) != 0) {
    s->keyed = false;
    return make_error(Errc::crypto_failure, "mbedtls_chachapoly_setkey failed");
  }
  s->keyed = true;
  return ok_result();
#else
  (void)key;
  return make_error(Errc::unsupported, "mbedTLS built without MBEDTLS_CHACHAPOLY_C");
#endif
}

Result<void> ChaChaPoly::seal(Bytes nonce, Bytes aad, MutBytes data, uint8_t tag[kAeadTagSize]) {
#if defined(MBEDTLS_CHACHAPOLY_C)
  ChaChaState* s = state<ChaChaState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
  if (mbedtls_chachapoly_encrypt_and_tag(&s->cp, data.size(), nonce.data(), aad.data(), aad.size(), data.data(),
                                         data.data(), tag) != 0) {
    return make_error(Errc::crypto_failure, "mbedtls_chachapoly_encrypt_and_tag failed");
  }
  return ok_result();
#else
  (void)nonce; (void)aad; (void)data; (void)tag;
  return make_error(Errc::unsupported, "mbedTLS built without MBEDTLS_CHACHAPOLY_C");
#endif
}

Result<void> ChaChaPoly::open(Bytes nonce, Bytes aad, MutBytes data, const uint8_t tag[kAeadTagSize]) {
#if defined(MBEDTLS_CHACHAPOLY_C)
  ChaChaState* s = state<ChaChaState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
  const int rc = mbedtls_chachapoly_auth_decrypt(&s->cp, data.size(), nonce.data(), aad.data(), aad.size(), tag,
                                                 data.data(), data.data());
  if (rc == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED) return make_error(Errc::auth_failed, "ChaCha20-Poly1305 tag mismatch");
  if (rc != 0) return make_error(Errc::crypto_failure, "mbedtls_chachapoly_auth_decrypt failed");
  return ok_result();
#else
  (void)nonce; (void)aad; (void)data; (void)tag;
  return make_error(Errc::unsupported, "mbedTLS built without MBEDTLS_CHACHAPOLY_C");
#endif
}

}  // namespace sansrtc::crypto
