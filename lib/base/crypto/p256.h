// base/crypto/p256.h — a small, constant-time NIST P-256 (secp256r1,
// SEC 2 §2.4.2 / FIPS 186-4 §D.1.2.3): ECDH and ECDSA, private to
// lib/base/crypto.
//
// Used by ec.h where mbedTLS is built without its ECP module (the
// embedded configuration): about a quarter of the flash of mbedTLS's
// bignum + ECP + ECDSA. Field and scalar arithmetic are Montgomery
// multiplications on eight 32-bit limbs; points are homogeneous projective
// and added with the complete formulas of Renes, Costello and Batina
// ("Complete addition formulas for prime order elliptic curves", 2016,
// Algorithm 4, a = -3), so one routine also doubles and needs no special
// cases for the point at infinity. Scalar multiplication is a fixed
// double-and-add-always over all 256 bits with a masked select: no branch
// or memory access depends on a secret. Written for size, not speed (no
// precomputed tables).
//
// Encodings: scalars, coordinates and signature halves are 32-byte
// big-endian; public keys are uncompressed points 0x04 || X || Y.
// ECDSA nonces: sign() takes the caller's k; sign_rfc6979() derives k
// deterministically (RFC 6979 §3.2, HMAC-SHA-256), optionally hedged with
// extra random input (§3.6), so a weak or repeating Rng cannot leak d.
// Leaves out: compressed points, other curves, RFC 6979 with HMAC over
// hashes other than SHA-256 (the nonce HMAC is always SHA-256; for a
// SHA-256 digest the nonce is exactly RFC 6979's).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sansrtc::crypto::p256 {

// 1 <= d < n.
bool valid_private(const uint8_t d[32]);
// A point on the curve with coordinates below p (never the point at infinity).
bool valid_public(const uint8_t pub[65]);
// pub = d * G. False when d is not a valid private key.
bool public_from_private(const uint8_t d[32], uint8_t pub[65]);
// x = the x-coordinate of d * peer (RFC 8422 §5.10). False for an invalid
// private key or peer point.
bool ecdh(const uint8_t d[32], const uint8_t peer[65], uint8_t x[32]);
// ECDSA (FIPS 186-4 §6.4) over the leftmost 256 bits of `digest` with the
// secret nonce k. False when d or k is out of range or r or s came out
// zero (then draw another k).
bool sign(const uint8_t d[32], const uint8_t* digest, size_t digest_len, const uint8_t k[32], uint8_t r[32],
          uint8_t s[32]);
// ECDSA with the nonce of RFC 6979 §3.2 (HMAC-SHA-256, q = n, qlen = 256):
// h1 is `digest`, bits2octets(h1) its leftmost 256 bits mod n. `extra`
// (nullptr or 32 bytes) is the additional data k' of §3.6, appended after
// bits2octets(h1) in steps d and f: pass 32 fresh random bytes to hedge
// against a faulted or side-channelled deterministic nonce, or nullptr for
// the plain RFC 6979 nonce (reproducible, the Appendix A.2.5 vectors).
// False only when d is not a valid private key.
bool sign_rfc6979(const uint8_t d[32], const uint8_t* digest, size_t digest_len, const uint8_t* extra,
                  uint8_t r[32], uint8_t s[32]);
// True when (r, s) is a valid signature of `digest` under `pub`.
bool verify(const uint8_t pub[65], const uint8_t* digest, size_t digest_len, const uint8_t r[32], const uint8_t s[32]);

}  // namespace sansrtc::crypto::p256
