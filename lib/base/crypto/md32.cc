// base/crypto/md32.cc — SHA-1, SHA-256 and MD5 compression functions and padding.
#include "base/crypto/md32.h"

#include "base/bytes.h"

#include <cstring>

namespace sansrtc::crypto::detail {
namespace {

inline uint32_t rotl(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }

inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// FIPS 180-4 §6.1.2, with the message schedule kept in a 16-word ring
// (§6.1.3's alternative method). One loop picks f and K by stage (public
// round numbers, no secret-dependent branches): less flash than a loop per
// stage, at some speed (STUN messages are a few blocks).
void sha1_block(uint32_t h[5], const uint8_t* p) {
  uint32_t w[16];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  static constexpr uint32_t kK[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};
  for (unsigned t = 0; t < 80; ++t) {
    if (t >= 16) w[t & 15] = rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
    const unsigned stage = t / 20;
    const uint32_t f = stage == 0 ? (b & c) | (~b & d) : stage == 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
    const uint32_t tmp = rotl(a, 5) + f + e + kK[stage] + w[t & 15];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = tmp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

// RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1))).
constexpr uint32_t kMd5T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
// Per-round left rotations, four per round (RFC 1321 §3.4).
constexpr uint8_t kMd5S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

void md5_block(uint32_t h[4], const uint8_t* p) {
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = load_le32(p + 4 * i);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (unsigned i = 0; i < 64; ++i) {
    const unsigned round = i >> 4;
    uint32_t f;
    unsigned g;
    if (round == 0) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (round == 1) {
      f = (d & b) | (~d & c);
      g = 5 * i + 1;
    } else if (round == 2) {
      f = b ^ c ^ d;
      g = 3 * i + 5;
    } else {
      f = c ^ (b | ~d);
      g = 7 * i;
    }
    const uint32_t tmp = d;
    d = c;
    c = b;
    b = b + rotl(a + f + kMd5T[i] + x[g & 15], kMd5S[round * 4 + (i & 3)]);
    a = tmp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

// FIPS 180-4 §4.2.2.
constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }

// FIPS 180-4 §6.2.2, the schedule again in a 16-word ring; the eight
// working variables rotate through an array instead of eight renames.
void sha256_block(uint32_t h[8], const uint8_t* p) {
  uint32_t w[16], v[8];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
  std::memcpy(v, h, sizeof(v));
  for (unsigned t = 0; t < 64; ++t) {
    if (t >= 16) {
      const uint32_t w15 = w[(t + 1) & 15], w2 = w[(t + 14) & 15];
      w[t & 15] += (rotr(w15, 7) ^ rotr(w15, 18) ^ w15 >> 3) + w[(t + 9) & 15] +
                   (rotr(w2, 17) ^ rotr(w2, 19) ^ w2 >> 10);
    }
    const uint32_t a = v[0], e = v[4];
    const uint32_t t1 = v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & v[5]) ^ (~e & v[6])) + kSha256K[t] +
                        w[t & 15];
    const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
    std::memmove(v + 1, v, 7 * sizeof(uint32_t));
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; ++i) h[i] += v[i];
}

// SHA-1's initial value; its first four words are also MD5's.
constexpr uint32_t kSha1Init[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

[[gnu::noinline]] void start(Md32Ctx& c, const uint32_t* init, uint8_t words, Md32Block block, bool md5) {
  std::memcpy(c.h, init, words * sizeof(uint32_t));
  c.bytes = 0;
  c.block = block;
  c.words = words;
  c.md5 = md5;
}

}  // namespace

void md32_start_sha1(Md32Ctx& c) { start(c, kSha1Init, 5, sha1_block, false); }

void md32_start_sha256(Md32Ctx& c) {
  // FIPS 180-4 §5.3.3.
  static constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  start(c, kInit, 8, sha256_block, false);
}

void md32_start_md5(Md32Ctx& c) { start(c, kSha1Init, 4, md5_block, true); }

void md32_update(Md32Ctx& c, const uint8_t* p, size_t n) {
  size_t used = size_t(c.bytes & 63);
  c.bytes += n;
  if (used != 0) {
    const size_t take = n < 64 - used ? n : 64 - used;
    std::memcpy(c.buf + used, p, take);
    p += take;
    n -= take;
    used += take;
    if (used < 64) return;
    c.block(c.h, c.buf);
  }
  for (; n >= 64; p += 64, n -= 64) c.block(c.h, p);
  if (n != 0) std::memcpy(c.buf, p, n);
}

// Padding: 0x80, zeros, then the bit length as a 64-bit word (FIPS 180-4
// §5.1.1 big-endian; RFC 1321 §3.2 little-endian).
void md32_finish(Md32Ctx& c, uint8_t* out) {
  const uint64_t bits = c.bytes * 8;
  size_t used = size_t(c.bytes & 63);
  c.buf[used++] = 0x80;
  if (used > 56) {
    std::memset(c.buf + used, 0, 64 - used);
    c.block(c.h, c.buf);
    used = 0;
  }
  std::memset(c.buf + used, 0, 56 - used);
  const bool md5 = c.md5;
  for (int i = 0; i < 8; ++i) c.buf[md5 ? 56 + i : 63 - i] = uint8_t(bits >> (8 * i));
  c.block(c.h, c.buf);
  for (int i = 0; i < c.words; ++i) {
    const uint32_t v = c.h[i];
    if (md5) {
      for (int j = 0; j < 4; ++j) out[4 * i + j] = uint8_t(v >> (8 * j));
    } else {
      store_be32(out + 4 * i, v);
    }
  }
  secure_zero(&c, sizeof(c));
}

}  // namespace sansrtc::crypto::detail
