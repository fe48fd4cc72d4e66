// base/crypto/aes_gcm_x86.cc — AES-NI/PCLMULQDQ AES-GCM (see aes_gcm_x86.h).
//
// Compiles to nothing off x86-64 (the embedded arm-none-eabi build also
// compiles this directory). Every function that touches an AES-NI or
// PCLMULQDQ intrinsic carries SANSRTC_AESNI_TARGET instead of the whole file
// being built with -maes: the compiler must not let those instructions leak
// into code that runs before the CPU check.
//
// GHASH works in the byte-reflected domain of Intel's white paper: each
// 16-byte block is byte-reversed with PSHUFB, multiplied with PCLMULQDQ,
// and the 256-bit product is shifted left by one bit and reduced modulo
// x^128 + x^7 + x^2 + x + 1 (its gfmul listing). Because shifting and
// reducing are linear, the unreduced products of up to 8 blocks against
// H^8..H^1 are summed first and reduced once (its "aggregated reduction").
#include "base/crypto/aes_gcm_x86.h"

#if SANSRTC_AES_GCM_X86

#include "base/bytes.h"

#include <immintrin.h>

#include <cstring>

#define SANSRTC_AESNI_TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))
#define SANSRTC_AESNI_INLINE SANSRTC_AESNI_TARGET inline __attribute__((always_inline))

namespace sansrtc::crypto::x86 {
namespace {

constexpr int kParallel = 8;  // blocks per CTR batch and per GHASH reduction

SANSRTC_AESNI_INLINE __m128i load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
SANSRTC_AESNI_INLINE void store(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
SANSRTC_AESNI_INLINE __m128i bswap(__m128i v) {
  return _mm_shuffle_epi8(v, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

// ---- AES ----

// FIPS-197 §5.2 for Nk = 4, one round key per call (as in Intel's AES-NI
// white paper). `assist` is AESKEYGENASSIST of the previous round key.
SANSRTC_AESNI_INLINE __m128i expand128_step(__m128i prev, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 8));
  return _mm_xor_si128(prev, assist);
}

template <int kRcon>
SANSRTC_AESNI_INLINE __m128i expand128(__m128i prev) {
  return expand128_step(prev, _mm_aeskeygenassist_si128(prev, kRcon));
}

SANSRTC_AESNI_TARGET void expand_key_128(const uint8_t* key, __m128i rk[11]) {
  rk[0] = load(key);
  rk[1] = expand128<0x01>(rk[0]);
  rk[2] = expand128<0x02>(rk[1]);
  rk[3] = expand128<0x04>(rk[2]);
  rk[4] = expand128<0x08>(rk[3]);
  rk[5] = expand128<0x10>(rk[4]);
  rk[6] = expand128<0x20>(rk[5]);
  rk[7] = expand128<0x40>(rk[6]);
  rk[8] = expand128<0x80>(rk[7]);
  rk[9] = expand128<0x1b>(rk[8]);
  rk[10] = expand128<0x36>(rk[9]);
}

// FIPS-197 §5.2 for Nk = 8 (as in Intel's AES-NI white paper): even round
// keys use RotWord+SubWord+Rcon, odd ones SubWord only.
template <int kRcon>
SANSRTC_AESNI_INLINE void expand256(__m128i& a, __m128i& b, __m128i* out_a, __m128i* out_b) {
  a = expand128_step(a, _mm_aeskeygenassist_si128(b, kRcon));
  *out_a = a;
  if (out_b == nullptr) return;
  __m128i t = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(a, 0x00), 0xaa);
  b = _mm_xor_si128(b, _mm_slli_si128(b, 4));
  b = _mm_xor_si128(b, _mm_slli_si128(b, 8));
  b = _mm_xor_si128(b, t);
  *out_b = b;
}

SANSRTC_AESNI_TARGET void expand_key_256(const uint8_t* key, __m128i rk[15]) {
  __m128i a = load(key);
  __m128i b = load(key + 16);
  rk[0] = a;
  rk[1] = b;
  expand256<0x01>(a, b, &rk[2], &rk[3]);
  expand256<0x02>(a, b, &rk[4], &rk[5]);
  expand256<0x04>(a, b, &rk[6], &rk[7]);
  expand256<0x08>(a, b, &rk[8], &rk[9]);
  expand256<0x10>(a, b, &rk[10], &rk[11]);
  expand256<0x20>(a, b, &rk[12], &rk[13]);
  expand256<0x40>(a, b, &rk[14], nullptr);
}

SANSRTC_AESNI_INLINE __m128i round_key(const GcmKey& k, int i) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(k.round_keys[i]));
}

SANSRTC_AESNI_INLINE __m128i aes_encrypt(const GcmKey& k, __m128i x) {
  x = _mm_xor_si128(x, round_key(k, 0));
  for (int r = 1; r < k.rounds; ++r) x = _mm_aesenc_si128(x, round_key(k, r));
  return _mm_aesenclast_si128(x, round_key(k, k.rounds));
}

// Encrypts n <= kParallel blocks side by side, so the AESENC latency of one
// block hides behind the others. Callers pass a compile-time n on the bulk
// path, which lets the compiler unroll the block loop.
template <int n>
SANSRTC_AESNI_INLINE void aes_encrypt_n(const GcmKey& k, __m128i* x) {
  const __m128i k0 = round_key(k, 0);
  for (int i = 0; i < n; ++i) x[i] = _mm_xor_si128(x[i], k0);
  for (int r = 1; r < k.rounds; ++r) {
    const __m128i kr = round_key(k, r);
    for (int i = 0; i < n; ++i) x[i] = _mm_aesenc_si128(x[i], kr);
  }
  const __m128i kl = round_key(k, k.rounds);
  for (int i = 0; i < n; ++i) x[i] = _mm_aesenclast_si128(x[i], kl);
}

// SP 800-38D §6.2 inc32: the counter is the last 32 bits of the block,
// big-endian, and wraps within them.
SANSRTC_AESNI_INLINE __m128i counter_block(__m128i j0, uint32_t ctr) {
  return _mm_insert_epi32(j0, int(__builtin_bswap32(ctr)), 3);
}

// ---- GHASH ----

struct Wide {  // an unreduced 256-bit product, Karatsuba middle term apart
  __m128i lo, hi, mid;
};

SANSRTC_AESNI_INLINE __m128i h_pow(const GcmKey& k, int i) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(k.h_pow[i]));
}
SANSRTC_AESNI_INLINE __m128i h_kara(const GcmKey& k, int i) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(k.h_kara[i]));
}

// acc += a * h, unreduced; hk = Karatsuba half-sum of h in its low lane.
SANSRTC_AESNI_INLINE void mul_acc(Wide& acc, __m128i a, __m128i h, __m128i hk) {
  acc.lo = _mm_xor_si128(acc.lo, _mm_clmulepi64_si128(a, h, 0x00));
  acc.hi = _mm_xor_si128(acc.hi, _mm_clmulepi64_si128(a, h, 0x11));
  const __m128i ak = _mm_xor_si128(a, _mm_shuffle_epi32(a, 0x4e));
  acc.mid = _mm_xor_si128(acc.mid, _mm_clmulepi64_si128(ak, hk, 0x00));
}

// The tail of the white paper's gfmul: fold in the Karatsuba middle term,
// shift the 256-bit product left one bit (the operands are bit-reflected)
// and reduce it modulo the GCM polynomial.
SANSRTC_AESNI_INLINE __m128i reduce(const Wide& w) {
  __m128i mid = _mm_xor_si128(w.mid, _mm_xor_si128(w.lo, w.hi));
  __m128i lo = _mm_xor_si128(w.lo, _mm_slli_si128(mid, 8));
  __m128i hi = _mm_xor_si128(w.hi, _mm_srli_si128(mid, 8));

  __m128i c_lo = _mm_srli_epi32(lo, 31);
  __m128i c_hi = _mm_srli_epi32(hi, 31);
  lo = _mm_slli_epi32(lo, 1);
  hi = _mm_slli_epi32(hi, 1);
  const __m128i carry_across = _mm_srli_si128(c_lo, 12);
  c_hi = _mm_slli_si128(c_hi, 4);
  c_lo = _mm_slli_si128(c_lo, 4);
  lo = _mm_or_si128(lo, c_lo);
  hi = _mm_or_si128(hi, c_hi);
  hi = _mm_or_si128(hi, carry_across);

  __m128i a = _mm_slli_epi32(lo, 31);
  __m128i b = _mm_slli_epi32(lo, 30);
  __m128i c = _mm_slli_epi32(lo, 25);
  a = _mm_xor_si128(a, _mm_xor_si128(b, c));
  const __m128i d = _mm_srli_si128(a, 4);
  a = _mm_slli_si128(a, 12);
  lo = _mm_xor_si128(lo, a);
  __m128i e = _mm_srli_epi32(lo, 1);
  e = _mm_xor_si128(e, _mm_srli_epi32(lo, 2));
  e = _mm_xor_si128(e, _mm_srli_epi32(lo, 7));
  e = _mm_xor_si128(e, d);
  lo = _mm_xor_si128(lo, e);
  return _mm_xor_si128(hi, lo);
}

SANSRTC_AESNI_INLINE __m128i karatsuba_half(__m128i h) { return _mm_xor_si128(h, _mm_shuffle_epi32(h, 0x4e)); }

SANSRTC_AESNI_INLINE __m128i gf_mul(__m128i a, __m128i h) {
  Wide w{_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
  mul_acc(w, a, h, karatsuba_half(h));
  return reduce(w);
}

// x = (x ^ b[0])·H^n ^ b[1]·H^(n-1) ^ … ^ b[n-1]·H for 1 <= n <= 8
// byte-reflected blocks: n GHASH steps with one reduction.
SANSRTC_AESNI_INLINE __m128i ghash_n(const GcmKey& k, __m128i x, const __m128i* b, int n) {
  Wide w{_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
  mul_acc(w, _mm_xor_si128(x, b[0]), h_pow(k, n - 1), h_kara(k, n - 1));
  for (int i = 1; i < n; ++i) mul_acc(w, b[i], h_pow(k, n - 1 - i), h_kara(k, n - 1 - i));
  return reduce(w);
}

// GHASH over `len` bytes, the last block zero-padded (SP 800-38D §6.4 with
// the §7.1 padding of A and C).
SANSRTC_AESNI_TARGET __m128i ghash_bytes(const GcmKey& k, __m128i x, const uint8_t* p, size_t len) {
  __m128i b[kParallel];
  while (len >= 16 * kParallel) {
    for (int i = 0; i < kParallel; ++i) b[i] = bswap(load(p + 16 * i));
    x = ghash_n(k, x, b, kParallel);
    p += 16 * kParallel;
    len -= 16 * kParallel;
  }
  if (len == 0) return x;
  alignas(16) uint8_t tail[16 * kParallel] = {};
  std::memcpy(tail, p, len);
  const int n = int((len + 15) / 16);
  for (int i = 0; i < n; ++i) b[i] = bswap(load(tail + 16 * i));
  return ghash_n(k, x, b, n);
}

// The shared body of seal and open: CTR from inc32(J0) with GHASH over the
// ciphertext, which is the output when sealing and the input when opening.
// Returns the tag.
template <bool kSeal>
SANSRTC_AESNI_TARGET __m128i gcm_crypt(const GcmKey& k, const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                                       uint8_t* data, size_t len) {
  uint8_t j0_bytes[16];
  std::memcpy(j0_bytes, nonce, 12);
  std::memset(j0_bytes + 12, 0, 4);
  const __m128i j0 = load(j0_bytes);  // lane 3 is replaced by each counter
  __m128i x = ghash_bytes(k, _mm_setzero_si128(), aad, aad_len);

  uint32_t ctr = 2;  // counter 1 encrypts the tag
  __m128i blk[kParallel];
  __m128i ct[kParallel];
  uint8_t* p = data;
  size_t left = len;
  while (left >= 16 * kParallel) {
    for (int i = 0; i < kParallel; ++i) blk[i] = counter_block(j0, ctr + uint32_t(i));
    ctr += kParallel;
    aes_encrypt_n<kParallel>(k, blk);
    for (int i = 0; i < kParallel; ++i) {
      const __m128i in = load(p + 16 * i);
      const __m128i out = _mm_xor_si128(in, blk[i]);
      store(p + 16 * i, out);
      ct[i] = bswap(kSeal ? out : in);
    }
    x = ghash_n(k, x, ct, kParallel);
    p += 16 * kParallel;
    left -= 16 * kParallel;
  }
  if (left > 0) {
    // Up to 8 blocks, the last one possibly partial: work on a zero-padded
    // copy so GHASH sees the §7.1 zero padding of C.
    alignas(16) uint8_t tail[16 * kParallel] = {};
    std::memcpy(tail, p, left);
    const int n = int((left + 15) / 16);
    // All 8 lanes: the unused ones cost less than a loop over a runtime n.
    for (int i = 0; i < kParallel; ++i) blk[i] = counter_block(j0, ctr + uint32_t(i));
    aes_encrypt_n<kParallel>(k, blk);
    for (int i = 0; i < n; ++i) {
      const __m128i in = load(tail + 16 * i);
      if (!kSeal) ct[i] = bswap(in);
      store(tail + 16 * i, _mm_xor_si128(in, blk[i]));
    }
    std::memcpy(p, tail, left);
    if (kSeal) {
      std::memset(tail + left, 0, sizeof(tail) - left);  // drop the keystream past the end
      for (int i = 0; i < n; ++i) ct[i] = bswap(load(tail + 16 * i));
    }
    x = ghash_n(k, x, ct, n);
    secure_zero(tail, sizeof(tail));
  }

  // §7.1 step 5: the block [len(A)]_64 || [len(C)]_64, in bits; byte-reflected
  // it is len(C) in the low lane and len(A) in the high lane.
  const __m128i lengths = _mm_set_epi64x(int64_t(uint64_t(aad_len) * 8), int64_t(uint64_t(len) * 8));
  x = gf_mul(_mm_xor_si128(x, lengths), h_pow(k, 0));
  return _mm_xor_si128(bswap(x), aes_encrypt(k, counter_block(j0, 1)));
}

}  // namespace

bool available() {
  static const bool has = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") &&
                          __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
  return has;
}

SANSRTC_AESNI_TARGET bool gcm_set_key(GcmKey& k, const uint8_t* key, size_t key_len) {
  __m128i rk[15];
  if (key_len == 16) {
    expand_key_128(key, rk);
    k.rounds = 10;
  } else if (key_len == 32) {
    expand_key_256(key, rk);
    k.rounds = 14;
  } else {
    return false;
  }
  for (int i = 0; i <= k.rounds; ++i) _mm_store_si128(reinterpret_cast<__m128i*>(k.round_keys[i]), rk[i]);
  for (int i = k.rounds + 1; i < 15; ++i) _mm_store_si128(reinterpret_cast<__m128i*>(k.round_keys[i]), _mm_setzero_si128());

  // SP 800-38D §6.4: H = CIPH_K(0^128).
  const __m128i h = bswap(aes_encrypt(k, _mm_setzero_si128()));
  __m128i p = h;
  for (int i = 0; i < kParallel; ++i) {
    _mm_store_si128(reinterpret_cast<__m128i*>(k.h_pow[i]), p);
    _mm_store_si128(reinterpret_cast<__m128i*>(k.h_kara[i]), karatsuba_half(p));
    p = gf_mul(p, h);
  }
  // The expanded key also sat in registers spilled to this frame.
  secure_zero(rk, sizeof(rk));
  return true;
}

SANSRTC_AESNI_TARGET void gcm_seal(const GcmKey& k, const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                                   uint8_t* data, size_t len, uint8_t tag[16]) {
  store(tag, gcm_crypt<true>(k, nonce, aad, aad_len, data, len));
}

SANSRTC_AESNI_TARGET bool gcm_open(const GcmKey& k, const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                                   uint8_t* data, size_t len, const uint8_t tag[16]) {
  const __m128i expect = gcm_crypt<false>(k, nonce, aad, aad_len, data, len);
  // Constant time: one PTEST over all 128 bits of the difference.
  const __m128i diff = _mm_xor_si128(expect, load(tag));
  if (!_mm_testz_si128(diff, diff)) {
    secure_zero(data, len);
    return false;
  }
  return true;
}

}  // namespace sansrtc::crypto::x86

#endif  // SANSRTC_AES_GCM_X86
