// base/crypto/cipher.cc — AES-ECB/CTR, AES-GCM and ChaCha20-Poly1305 on mbedTLS.
//
// Each class keeps its mbedTLS context (plus a "keyed" flag) in an inline
// buffer of the object: no allocation per packet, the contexts are never
// moved (mbedTLS 2.x AES contexts point into themselves).
//
// AesGcm with a 16- or 32-byte key runs on AES-NI/PCLMULQDQ
// (aes_gcm_x86.h) when the CPU has them, about 15x faster than mbedTLS 2.28's
// block-at-a-time GCM; 24-byte keys, other CPUs and other architectures
// run the portable GCM below on mbedTLS's AES block function. Ours rather
// than mbedtls_gcm: that one goes through the generic cipher layer, which
// allocates the AES context on the heap at set_key and links the cipher,
// cipher_wrap and AES-decryption code (~5 KiB of flash on Cortex-M).
// Both paths produce the same bytes (checked against mbedtls_gcm in
// tests/unit/base/crypto_gcm_test.cc).
#include "base/crypto/cipher.h"

#include "base/check.h"
#include "base/crypto/aes_gcm_x86.h"
#include "base/crypto/mbedtls_util.h"

#include <mbedtls/aes.h>
#include <mbedtls/chachapoly.h>

#include <cstring>
#include <new>

namespace sansrtc::crypto {

namespace detail {
bool gcm_force_portable = false;
}  // namespace detail

namespace {

struct AesState {
  mbedtls_aes_context aes;
  bool keyed = false;
};
// Portable GCM key: the AES key schedule and Shoup's 4-bit multiplication
// tables for H (hl/hh[i] = i * H, low and high 64 bits).
struct SoftGcmKey {
  mbedtls_aes_context aes;
  uint64_t hl[16];
  uint64_t hh[16];
};
struct GcmState {
  // Key material in either form: wiped on rekey and destruction.
  union {
    SoftGcmKey soft;
#if SANSRTC_AES_GCM_X86
    x86::GcmKey fast;
#endif
  };
#if SANSRTC_AES_GCM_X86
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
// SP 800-38D §5.2.1.1: len(P) <= 2^39 - 256 bits; mbedTLS enforces the same.
constexpr uint64_t kGcmMaxBytes = (uint64_t(1) << 36) - 32;
constexpr Error kGcmTooLong = make_error(Errc::invalid_argument, "AES-GCM input longer than 2^36 - 32 bytes");

// One AES block with an encryption key schedule. Where mbedTLS may run
// AES-NI/VIA Padlock, go through its dispatching entry point (the key
// schedule was laid out for it); elsewhere call the software rounds
// directly, which keeps mbedTLS's decryption tables out of the image.
void aes_block(const mbedtls_aes_context* c, const uint8_t in[16], uint8_t out[16]) {
  auto* ctx = const_cast<mbedtls_aes_context*>(c);  // read only; mbedTLS's signature is not const
#if defined(MBEDTLS_AESNI_C) || defined(MBEDTLS_PADLOCK_C) || defined(MBEDTLS_AES_ALT)
  (void)mbedtls_aes_crypt_ecb(ctx, MBEDTLS_AES_ENCRYPT, in, out);
#else
  (void)mbedtls_internal_aes_encrypt(ctx, in, out);
#endif
}

// ---- portable GCM (NIST SP 800-38D) -------------------------------------
// GHASH with 4-bit tables (Shoup's method, as in mbedTLS's gcm.c): 256 bytes
// of tables per key, one table lookup per nibble. 12-byte nonces and
// 16-byte tags only, the sizes DTLS (RFC 5288) and SRTP (RFC 7714) use.

// Reduction constants for the four bits shifted out per step (x^128 + x^7 + x^2 + x + 1).
constexpr uint16_t kLast4[16] = {0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
                                 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0};

void gcm_tables(SoftGcmKey& k) {
  uint8_t h[16] = {};
  aes_block(&k.aes, h, h);
  uint64_t vh = load_be64(h), vl = load_be64(h + 8);
  secure_zero(h, sizeof(h));
  // hl/hh[8] = H; [4], [2], [1] = H times x, x^2, x^3 (bit-reflected order).
  k.hl[8] = vl;
  k.hh[8] = vh;
  k.hl[0] = k.hh[0] = 0;
  for (int i = 4; i > 0; i >>= 1) {
    const uint64_t t = (vl & 1) * 0xe1000000u;
    vl = vh << 63 | vl >> 1;
    vh = vh >> 1 ^ t << 32;
    k.hl[i] = vl;
    k.hh[i] = vh;
  }
  for (int i = 2; i <= 8; i *= 2) {
    for (int j = 1; j < i; ++j) {
      k.hh[i + j] = k.hh[i] ^ k.hh[j];
      k.hl[i + j] = k.hl[i] ^ k.hl[j];
    }
  }
}

// x = x * H in GF(2^128).
void gcm_mult(const SoftGcmKey& k, uint8_t x[16]) {
  uint64_t zh = 0, zl = 0;
  for (int i = 15; i >= 0; --i) {
    for (int half = 0; half < 2; ++half) {
      const unsigned nib = half == 0 ? x[i] & 0xf : x[i] >> 4;
      if (i != 15 || half != 0) {
        const unsigned rem = unsigned(zl & 0xf);
        zl = zh << 60 | zl >> 4;
        zh = zh >> 4 ^ uint64_t(kLast4[rem]) << 48;
      }
      zh ^= k.hh[nib];
      zl ^= k.hl[nib];
    }
  }
  store_be64(x, zh);
  store_be64(x + 8, zl);
}

// y = GHASH over p (the last partial block zero-padded).
void ghash(const SoftGcmKey& k, uint8_t y[16], const uint8_t* p, size_t n) {
  while (n > 0) {
    const size_t m = n < 16 ? n : 16;
    for (size_t i = 0; i < m; ++i) y[i] ^= p[i];
    gcm_mult(k, y);
    p += m;
    n -= m;
  }
}

// The tag over (aad, ciphertext), SP 800-38D §7.1 steps 5-6, with
// J0 = nonce || 0^31 || 1.
void gcm_tag(const SoftGcmKey& k, const uint8_t* nonce, Bytes aad, const uint8_t* ct, size_t n, uint8_t tag[16]) {
  uint8_t y[16] = {};
  ghash(k, y, aad.data(), aad.size());
  ghash(k, y, ct, n);
  uint8_t lens[16];
  store_be64(lens, uint64_t(aad.size()) * 8);
  store_be64(lens + 8, uint64_t(n) * 8);
  ghash(k, y, lens, 16);
  uint8_t j0[16] = {};
  std::memcpy(j0, nonce, 12);
  j0[15] = 1;
  aes_block(&k.aes, j0, j0);
  for (int i = 0; i < 16; ++i) tag[i] = uint8_t(y[i] ^ j0[i]);
}

// GCTR from inc32(J0) (SP 800-38D §6.5), in place.
void gcm_ctr(const SoftGcmKey& k, const uint8_t* nonce, uint8_t* p, size_t n) {
  uint8_t ctr[16] = {}, ks[16];
  std::memcpy(ctr, nonce, 12);
  uint32_t c = 2;
  while (n > 0) {
    store_be32(ctr + 12, c++);
    aes_block(&k.aes, ctr, ks);
    const size_t m = n < 16 ? n : 16;
    for (size_t i = 0; i < m; ++i) p[i] ^= ks[i];
    p += m;
    n -= m;
  }
  secure_zero(ks, sizeof(ks));
}
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
  const AesState* s = state<AesState>(ctx_);
  SANSRTC_DCHECK(s->keyed);
  aes_block(&s->aes, in, out);
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

static_assert(sizeof(GcmState) <= kAesGcmStateSize, "AesGcm::ctx_ too small for the GCM key");
static_assert(alignof(GcmState) <= 16, "AesGcm::ctx_ under-aligned");

AesGcm::AesGcm() { mbedtls_aes_init(&(new (ctx_) GcmState)->soft.aes); }

AesGcm::~AesGcm() { secure_zero(state<GcmState>(ctx_), sizeof(GcmState)); }

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
  // Whichever path held the previous key, wipe it (mbedTLS's AES context
  // holds no resources, so a wipe and re-init is a complete free).
  secure_zero(s, sizeof(*s));
#if SANSRTC_AES_GCM_X86
  if (key.size() != 24 && x86::available() && !detail::gcm_force_portable) {
    s->keyed = x86::gcm_set_key(s->fast, key.data(), key.size());
    s->use_fast = s->keyed;
    if (s->keyed) return ok_result();
    return make_error(Errc::crypto_failure, "AES-GCM key expansion failed");
  }
#endif
  mbedtls_aes_init(&s->soft.aes);
  if (mbedtls_aes_setkey_enc(&s->soft.aes, key.data(), unsigned(key.size() * 8)) != 0) {
    return make_error(Errc::crypto_failure, "mbedtls_aes_setkey_enc failed");
  }
  gcm_tables(s->soft);
  s->keyed = true;
  return ok_result();
}

Result<void> AesGcm::seal(Bytes nonce, Bytes aad, MutBytes data, uint8_t tag[kAeadTagSize]) {
  GcmState* s = state<GcmState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
  if (data.size() > kGcmMaxBytes) return kGcmTooLong;
#if SANSRTC_AES_GCM_X86
  if (s->use_fast) {
    x86::gcm_seal(s->fast, nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag);
    return ok_result();
  }
#endif
  gcm_ctr(s->soft, nonce.data(), data.data(), data.size());
  gcm_tag(s->soft, nonce.data(), aad, data.data(), data.size(), tag);
  return ok_result();
}

Result<void> AesGcm::open(Bytes nonce, Bytes aad, MutBytes data, const uint8_t tag[kAeadTagSize]) {
  GcmState* s = state<GcmState>(ctx_);
  if (!s->keyed) return kNotKeyed;
  if (nonce.size() != 12) return kBadNonce;
  if (data.size() > kGcmMaxBytes) return kGcmTooLong;
#if SANSRTC_AES_GCM_X86
  if (s->use_fast) {
    if (!x86::gcm_open(s->fast, nonce.data(), aad.data(), aad.size(), data.data(), data.size(), tag)) {
      return make_error(Errc::auth_failed, "AES-GCM tag mismatch");
    }
    return ok_result();
  }
#endif
  // The tag is over the ciphertext: check it before decrypting anything.
  uint8_t expected[kAeadTagSize];
  gcm_tag(s->soft, nonce.data(), aad, data.data(), data.size(), expected);
  const bool match = constant_time_equal(Bytes(expected, kAeadTagSize), Bytes(tag, kAeadTagSize));
  secure_zero(expected, sizeof(expected));
  if (!match) {
    // Like the other paths: nothing derived from a forged record stays.
    if (!data.empty()) secure_zero(data.data(), data.size());
    return make_error(Errc::auth_failed, "AES-GCM tag mismatch");
  }
  gcm_ctr(s->soft, nonce.data(), data.data(), data.size());
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
