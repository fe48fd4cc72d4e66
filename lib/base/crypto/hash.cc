// base/crypto/hash.cc — SHA-384/512 on mbedTLS's raw hash context, SHA-1
// and SHA-256 on ours (md32.cc), and HMAC over all of them.
//
// HMAC (RFC 2104) is built here on the hash contexts instead of mbedtls_md:
// mbedtls_md_setup() allocates, and HMAC runs per packet (STUN
// MESSAGE-INTEGRITY, SRTP auth tags) where the core allocates nothing. The
// key schedule is done once: the contexts after absorbing K^ipad and K^opad
// are kept, so reset() is a copy and each message costs only its own blocks.
#include "base/crypto/hash.h"

#include "base/crypto/mbedtls_util.h"
#include "base/crypto/md32.h"

#include <mbedtls/sha512.h>

#include <cstring>
#include <new>

namespace sansrtc::crypto {
namespace {

union HashCtx {
  detail::Md32Ctx md32;  // SHA-1 and SHA-256 are ours (md32.cc): a fraction of mbedTLS's flash
  mbedtls_sha512_context sha512;  // also SHA-384 (is384 = 1)
};

#if SANSRTC_MBEDTLS3
#define SANSRTC_SHA(fn) mbedtls_##fn
#else
#define SANSRTC_SHA(fn) mbedtls_##fn##_ret
#endif

size_t block_size(HashAlg alg) {
  return alg == HashAlg::sha384 || alg == HashAlg::sha512 ? 128 : 64;
}

// Initializes and starts a context for alg. The _ret/plain return codes
// only report failures of hardware-accelerated (_ALT) backends, which this
// software build does not use; they are deliberately ignored.
void ctx_start(HashCtx* c, HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: detail::md32_start_sha1(c->md32); break;
    case HashAlg::sha256: detail::md32_start_sha256(c->md32); break;
    case HashAlg::sha384:
    case HashAlg::sha512:
      mbedtls_sha512_init(&c->sha512);
      (void)SANSRTC_SHA(sha512_starts)(&c->sha512, alg == HashAlg::sha384 ? 1 : 0);
      break;
  }
}

void ctx_update(HashCtx* c, HashAlg alg, const uint8_t* p, size_t n) {
  if (n == 0) return;
  if (alg >= HashAlg::sha384)
    (void)SANSRTC_SHA(sha512_update)(&c->sha512, p, n);
  else
    detail::md32_update(c->md32, p, n);
}

void ctx_finish(HashCtx* c, HashAlg alg, uint8_t* out) {
  if (alg < HashAlg::sha384) return detail::md32_finish(c->md32, out);
  // SHA-384 writes 64 bytes of state; the caller's buffer holds 48.
  uint8_t full[64];
  (void)SANSRTC_SHA(sha512_finish)(&c->sha512, full);
  std::memcpy(out, full, hash_size(alg));
  secure_zero(full, sizeof(full));
}

// dst must be uninitialized (or freed). Both kinds of context are plain
// data: mbedtls_sha512_clone() is a structure copy as well (no _ALT
// back end here).
void ctx_clone(HashCtx* dst, const HashCtx* src) { std::memcpy(dst, src, sizeof(HashCtx)); }

// Wipes (what mbedtls_sha512_free() does too: it zeroizes the context).
void ctx_free(HashCtx* c) { secure_zero(c, sizeof(HashCtx)); }

}  // namespace

size_t hash_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  return 0;
}

const char* hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return "sha-1";
    case HashAlg::sha256: return "sha-256";
    case HashAlg::sha384: return "sha-384";
    case HashAlg::sha512: return "sha-512";
  }
  return "unknown";
}

void hash(HashAlg alg, Bytes data, uint8_t* out) {
  HashCtx c;
  ctx_start(&c, alg);
  ctx_update(&c, alg, data.data(), data.size());
  ctx_finish(&c, alg, out);
  ctx_free(&c);
}

void hmac(HashAlg alg, Bytes key, Bytes data, uint8_t* out) {
  Hmac h(alg, key);
  h.update(data);
  h.finish(out);
}

// ---- Hasher ----

static_assert(sizeof(HashCtx) <= 256, "Hasher::state_ too small for the mbedTLS hash context");
static_assert(alignof(HashCtx) <= 8, "Hasher::state_ under-aligned");

#define HASHER_CTX(self) (reinterpret_cast<HashCtx*>((self)->state_))
#define HASHER_CCTX(self) (reinterpret_cast<const HashCtx*>((self)->state_))

Hasher::Hasher(HashAlg alg) : alg_(alg) {
  ctx_start(new (state_) HashCtx, alg_);
}

Hasher::Hasher(const Hasher& o) : alg_(o.alg_) {
  ctx_clone(new (state_) HashCtx, HASHER_CCTX(&o));
}

Hasher& Hasher::operator=(const Hasher& o) {
  if (this != &o) {
    alg_ = o.alg_;
    ctx_clone(HASHER_CTX(this), HASHER_CCTX(&o));
  }
  return *this;
}

Hasher::~Hasher() { ctx_free(HASHER_CTX(this)); }

void Hasher::update(Bytes data) { ctx_update(HASHER_CTX(this), alg_, data.data(), data.size()); }

void Hasher::finish(uint8_t* out) { ctx_finish(HASHER_CTX(this), alg_, out); }

// ---- Hmac ----

namespace {
struct HmacState {
  HashCtx inner0;  // after absorbing K ^ ipad
  HashCtx outer0;  // after absorbing K ^ opad
  HashCtx cur;     // the running inner hash
};
}  // namespace

static_assert(sizeof(HmacState) <= 768, "Hmac::state_ too small for three mbedTLS hash contexts");

#define HMAC_ST(self) (reinterpret_cast<HmacState*>((self)->state_))

Hmac::Hmac(HashAlg alg, Bytes key) : alg_(alg) {
  HmacState* st = new (state_) HmacState;
  const size_t bs = block_size(alg_);
  uint8_t k[128] = {};
  // RFC 2104 §2: keys longer than B bytes are first hashed.
  if (key.size() > bs) {
    hash(alg_, key, k);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  // K ^ ipad, then (in the same buffer) K ^ opad = (K ^ ipad) ^ (ipad ^ opad).
  for (size_t i = 0; i < bs; ++i) k[i] ^= 0x36;
  ctx_start(&st->inner0, alg_);
  ctx_update(&st->inner0, alg_, k, bs);
  for (size_t i = 0; i < bs; ++i) k[i] ^= 0x36 ^ 0x5c;
  ctx_start(&st->outer0, alg_);
  ctx_update(&st->outer0, alg_, k, bs);
  secure_zero(k, sizeof(k));
  ctx_clone(&st->cur, &st->inner0);
}

Hmac::~Hmac() { secure_zero(HMAC_ST(this), sizeof(HmacState)); }

void Hmac::update(Bytes data) { ctx_update(&HMAC_ST(this)->cur, alg_, data.data(), data.size()); }

void Hmac::finish(uint8_t* out) {
  HmacState* st = HMAC_ST(this);
  uint8_t inner[kMaxHashSize];
  const size_t n = hash_size(alg_);
  ctx_finish(&st->cur, alg_, inner);
  ctx_clone(&st->cur, &st->outer0);
  ctx_update(&st->cur, alg_, inner, n);
  ctx_finish(&st->cur, alg_, out);
  secure_zero(inner, sizeof(inner));
  // Leave `cur` ready for the next message with the same key.
  ctx_clone(&st->cur, &st->inner0);
}

void Hmac::reset() {
  HmacState* st = HMAC_ST(this);
  ctx_clone(&st->cur, &st->inner0);
}

}  // namespace sansrtc::crypto
