// base/crypto/aes_gcm_x86.h — AES-GCM (NIST SP 800-38D) with AES-NI and PCLMULQDQ.
//
// The fast path behind crypto::AesGcm on x86-64: AES-128 and AES-256 key
// expansion with AESKEYGENASSIST, CTR over 8 blocks at a time, and GHASH
// with carry-less multiplication, Karatsuba products and one reduction per
// 8 blocks against precomputed H^1..H^8 (Gueron & Kounavis, "Intel
// Carry-Less Multiplication Instruction and its Usage for Computing the GCM
// Mode", Intel white paper).
// Only 12-byte nonces (SP 800-38D §7.1: J0 = IV || 0^31 || 1) and 16-byte
// tags: what DTLS 1.2 (RFC 5288) and SRTP (RFC 7714) use.
//
// Leaves out: AES-192 (AesGcm runs its portable GCM for 24-byte keys), other nonce
// and tag lengths, and wider vector units (VAES/VPCLMULQDQ).
//
// The functions are compiled with target("aes,pclmul,ssse3,sse4.1") so the
// rest of the library keeps the baseline ISA; call them only when
// `available()` says the CPU has those instructions. On every other
// architecture this header declares nothing and SANSRTC_AES_GCM_X86 is 0.
#pragma once

#if defined(__x86_64__)
#define SANSRTC_AES_GCM_X86 1

#include <cstddef>
#include <cstdint>

namespace sansrtc::crypto::x86 {

// Expanded key and GHASH key powers. Plain bytes, no pointers: it can live
// inside AesGcm's inline buffer. Its owner wipes it (secure_zero) on rekey
// and on destruction: every field is key material.
struct GcmKey {
  alignas(16) uint8_t round_keys[15][16];
  // h_pow[i] = H^(i+1), byte-reflected (the domain the multiplications use).
  alignas(16) uint8_t h_pow[8][16];
  // h_kara[i] low 64 bits = high half XOR low half of h_pow[i] (Karatsuba).
  alignas(16) uint8_t h_kara[8][16];
  int rounds;  // 10 (AES-128) or 14 (AES-256)
};

// True when the CPU has AES-NI, PCLMULQDQ and SSE4.1 (checked once).
bool available();

// Expands a 16- or 32-byte key and derives H = E(K, 0^128) and its powers.
// Returns false (and leaves `k` unspecified) for any other key length.
bool gcm_set_key(GcmKey& k, const uint8_t* key, size_t key_len);

// Encrypts `len` bytes at `data` in place and writes the 16-byte tag.
void gcm_seal(const GcmKey& k, const uint8_t nonce[12], const uint8_t* aad, size_t aad_len, uint8_t* data,
              size_t len, uint8_t tag[16]);

// Decrypts `len` bytes at `data` in place and checks `tag` in constant time.
// On a mismatch returns false and zeroes `data` (as mbedTLS does), so no
// unauthenticated plaintext is left in the buffer.
bool gcm_open(const GcmKey& k, const uint8_t nonce[12], const uint8_t* aad, size_t aad_len, uint8_t* data,
              size_t len, const uint8_t tag[16]);

}  // namespace sansrtc::crypto::x86

#else
#define SANSRTC_AES_GCM_X86 0
#endif
