// base/crypto/p256.cc — P-256 arithmetic (see p256.h).
//
// Elements are uint32_t[8], least significant limb first. Both moduli
// (the field prime p and the group order n) share one Montgomery
// multiplication (R = 2^256); the constants below were derived with
// arbitrary-precision arithmetic and are checked against mbedTLS by
// tests/unit/base/crypto_p256_test.cc.
#include "base/crypto/p256.h"

#include "base/bytes.h"
#include "base/crypto/hash.h"

#include <cstring>

namespace sansrtc::crypto::p256 {
namespace {

using Limbs = uint32_t[8];

struct Modulus {
  uint32_t m[8];
  uint32_t rr[8];  // R^2 mod m
  uint32_t n0;     // -m^-1 mod 2^32
};

constexpr Modulus kP = {
    {0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff},
    {0x00000003, 0x00000000, 0xffffffff, 0xfffffffb, 0xfffffffe, 0xffffffff, 0xfffffffd, 0x00000004},
    0x1};
constexpr Modulus kN = {
    {0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff},
    {0xbe79eea2, 0x83244c95, 0x49bd6fa6, 0x4699799c, 0x2b6bec59, 0x2845b239, 0xf3d95620, 0x66e12d94},
    0xee00bc4f};
// In Montgomery form (times R mod p): b, G and 1.
constexpr uint32_t kB[8] = {0x29c4bddf, 0xd89cdf62, 0x78843090, 0xacf005cd,
                            0xf7212ed6, 0xe5a220ab, 0x04874834, 0xdc30061d};
constexpr uint32_t kGx[8] = {0x18a9143c, 0x79e730d4, 0x5fedb601, 0x75ba95fc,
                             0x77622510, 0x79fb732b, 0xa53755c6, 0x18905f76};
constexpr uint32_t kGy[8] = {0xce95560a, 0xddf25357, 0xba19e45c, 0x8b4ab8e4,
                             0xdd21f325, 0xd2e88688, 0x25885d85, 0x8571ff18};
constexpr uint32_t kOne[8] = {0x00000001, 0x00000000, 0x00000000, 0xffffffff,
                              0xffffffff, 0xffffffff, 0xfffffffe, 0x00000000};

// r = a - b over 8 limbs; returns the borrow (0 or 1).
uint32_t sub(uint32_t* r, const uint32_t* a, const uint32_t* b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 8; ++i) {
    const uint64_t d = uint64_t(a[i]) - b[i] - borrow;
    r[i] = uint32_t(d);
    borrow = d >> 63;
  }
  return uint32_t(borrow);
}

// r = take ? a : r, without a branch on `take` (0 or 1).
void select(uint32_t* r, const uint32_t* a, uint32_t take, int limbs = 8) {
  const uint32_t mask = 0u - take;
  for (int i = 0; i < limbs; ++i) r[i] ^= (r[i] ^ a[i]) & mask;
}

// r = t - m when `keep_high` (the value has a 2^256 part) or t >= m,
// else t: the final step of every modular operation here.
void reduce_once(uint32_t* r, const uint32_t* t, uint32_t keep_high, const Modulus& M) {
  uint32_t d[8];
  const uint32_t borrow = sub(d, t, M.m);
  std::memcpy(r, t, 32);
  select(r, d, keep_high | (borrow ^ 1));
}

void add_mod(uint32_t* r, const uint32_t* a, const uint32_t* b, const Modulus& M) {
  uint32_t t[8];
  uint64_t c = 0;
  for (int i = 0; i < 8; ++i) {
    c += uint64_t(a[i]) + b[i];
    t[i] = uint32_t(c);
    c >>= 32;
  }
  reduce_once(r, t, uint32_t(c), M);
}

// r = a - b, plus m when that borrowed (added under a mask: no branch).
// r may alias a or b (sub() reads each limb before writing it).
void sub_mod(uint32_t* r, const uint32_t* a, const uint32_t* b, const Modulus& M) {
  const uint32_t mask = 0u - sub(r, a, b);
  uint64_t c = 0;
  for (int i = 0; i < 8; ++i) {  // r = r + (m & mask) (mod 2^256)
    c += uint64_t(r[i]) + (M.m[i] & mask);
    r[i] = uint32_t(c);
    c >>= 32;
  }
}

// r = a * b / R mod m (CIOS Montgomery multiplication). r may alias a or b.
void mul(uint32_t* r, const uint32_t* a, const uint32_t* b, const Modulus& M) {
  uint32_t t[10] = {};
  for (int i = 0; i < 8; ++i) {
    uint64_t c = 0;
    for (int j = 0; j < 8; ++j) {
      c += uint64_t(a[j]) * b[i] + t[j];
      t[j] = uint32_t(c);
      c >>= 32;
    }
    c += t[8];
    t[8] = uint32_t(c);
    t[9] = uint32_t(c >> 32);
    const uint32_t u = t[0] * M.n0;
    c = (uint64_t(u) * M.m[0] + t[0]) >> 32;
    for (int j = 1; j < 8; ++j) {
      c += uint64_t(u) * M.m[j] + t[j];
      t[j - 1] = uint32_t(c);
      c >>= 32;
    }
    c += t[8];
    t[7] = uint32_t(c);
    t[8] = t[9] + uint32_t(c >> 32);
  }
  reduce_once(r, t, t[8], M);
}

constexpr uint32_t kPlainOne[8] = {1};

// r = a^(m-2) = a^-1 (Fermat), a and r in Montgomery form; the exponent is public.
void inv(uint32_t* r, const uint32_t* a, const Modulus& M) {
  uint32_t x[8];
  mul(x, M.rr, kPlainOne, M);  // 1 in Montgomery form: R mod m
  for (int bit = 255; bit >= 0; --bit) {
    mul(x, x, x, M);
    const uint32_t e = M.m[bit / 32] - (bit < 32 ? 2 : 0);  // m - 2: m[0] >= 2 for both moduli
    if ((e >> (bit % 32)) & 1) mul(x, x, a, M);
  }
  std::memcpy(r, x, 32);
}

void from_bytes(uint32_t* r, const uint8_t* p) {
  for (int i = 0; i < 8; ++i) r[i] = load_be32(p + 28 - 4 * i);
}

void to_bytes(uint8_t* p, const uint32_t* a) {
  for (int i = 0; i < 8; ++i) store_be32(p + 28 - 4 * i, a[i]);
}

bool is_zero(const uint32_t* a) {
  uint32_t acc = 0;
  for (int i = 0; i < 8; ++i) acc |= a[i];
  return acc == 0;
}

// a < m (a is not secret here, or the comparison is constant time anyway).
bool below(const uint32_t* a, const Modulus& M) {
  uint32_t d[8];
  return sub(d, a, M.m) == 1;
}

// ---- points ----

struct Point {
  uint32_t x[8], y[8], z[8];  // homogeneous projective, Montgomery form mod p
};
static_assert(sizeof(Point) == 3 * 32, "add() and scalar_mul() treat a Point as 24 contiguous limbs");

// r = a + b, complete for all inputs: Renes, Costello and Batina 2016,
// Algorithm 4 (a = -3), 12 multiplications, 2 by b and 29 additions. The
// formula runs as a program of (op, dst, src1, src2) steps over a register
// file: t0..t4, X3, Y3, Z3 (0-7), X1, Y1, Z1 (8-10), X2, Y2, Z2 (11-13), b
// (14); op 0 multiplies, 1 adds, 2 subtracts (mod p). Steps in the paper's
// order, e.g. the first three are t0 = X1*X2, t1 = Y1*Y2, t2 = Z1*Z2. A
// table and a loop take a fraction of the flash of 43 inlined calls. r may
// alias a or b.
constexpr uint16_t kAddProgram[] = {
    0x008b, 0x019c, 0x02ad, 0x1389, 0x14bc, 0x0334, 0x1401, 0x2334,
    0x149a, 0x15cd, 0x0445, 0x1512, 0x2445, 0x158a, 0x16bd, 0x0556,
    0x1602, 0x2656, 0x07e2, 0x2567, 0x1755, 0x1557, 0x2715, 0x1515,
    0x06e6, 0x1122, 0x1212, 0x2662, 0x2660, 0x1166, 0x1616, 0x1100,
    0x1010, 0x2002, 0x0146, 0x0206, 0x0657, 0x1662, 0x0535, 0x2551,
    0x0747, 0x0130, 0x1771,
};

void add(Point& r, const Point& a, const Point& b) {
  uint32_t reg[15][8];
  std::memcpy(reg[8], &a, sizeof(a));
  std::memcpy(reg[11], &b, sizeof(b));
  std::memcpy(reg[14], kB, 32);
  for (uint16_t step : kAddProgram) {
    uint32_t* d = reg[step >> 8 & 15];
    const uint32_t* x = reg[step >> 4 & 15];
    const uint32_t* y = reg[step & 15];
    switch (step >> 12) {
      case 0: mul(d, x, y, kP); break;
      case 1: add_mod(d, x, y, kP); break;
      default: sub_mod(d, x, y, kP); break;
    }
  }
  std::memcpy(&r, reg[5], sizeof(r));  // X3, Y3, Z3
}

// r = k * p for a plain (not Montgomery) scalar k, in constant time.
void scalar_mul(Point& r, const uint32_t* k, const Point& p) {
  Point acc = {{}, {}, {}}, sum;
  std::memcpy(acc.y, kOne, 32);  // the point at infinity (0 : 1 : 0)
  for (int bit = 255; bit >= 0; --bit) {
    add(acc, acc, acc);
    add(sum, acc, p);
    // x, y and z are contiguous: one masked select over 24 limbs.
    select(acc.x, sum.x, (k[bit / 32] >> (bit % 32)) & 1, 24);
  }
  r = acc;
}

void generator(Point& g) {
  std::memcpy(g.x, kGx, 32);
  std::memcpy(g.y, kGy, 32);
  std::memcpy(g.z, kOne, 32);
}

// Affine coordinates as plain integers; false for the point at infinity.
bool to_affine(uint32_t* x, uint32_t* y, const Point& p) {
  if (is_zero(p.z)) return false;
  uint32_t zi[8];
  inv(zi, p.z, kP);
  mul(x, p.x, zi, kP);
  mul(x, x, kPlainOne, kP);
  if (y != nullptr) {
    mul(y, p.y, zi, kP);
    mul(y, y, kPlainOne, kP);
  }
  return true;
}

// Decodes and validates an uncompressed point: y^2 = x^3 - 3x + b (mod p).
bool decode(Point& p, const uint8_t pub[65]) {
  if (pub[0] != 0x04) return false;
  from_bytes(p.x, pub + 1);
  from_bytes(p.y, pub + 33);
  if (!below(p.x, kP) || !below(p.y, kP)) return false;
  mul(p.x, p.x, kP.rr, kP);
  mul(p.y, p.y, kP.rr, kP);
  std::memcpy(p.z, kOne, 32);
  uint32_t lhs[8], rhs[8], t[8];
  mul(lhs, p.y, p.y, kP);
  mul(rhs, p.x, p.x, kP);
  mul(rhs, rhs, p.x, kP);
  add_mod(t, p.x, p.x, kP);
  add_mod(t, t, p.x, kP);
  sub_mod(rhs, rhs, t, kP);
  add_mod(rhs, rhs, kB, kP);
  sub(t, lhs, rhs);
  return is_zero(t);
}

// The leftmost 256 bits of the digest as an integer mod n (FIPS 186-4 §6.4).
void digest_to_scalar(uint32_t* e, const uint8_t* digest, size_t len) {
  uint8_t buf[32] = {};
  if (len > 32) len = 32;
  std::memcpy(buf + 32 - len, digest, len);
  from_bytes(e, buf);
  reduce_once(e, e, 0, kN);
}

bool scalar_in_range(uint32_t* k, const uint8_t bytes[32]) {
  from_bytes(k, bytes);
  return !is_zero(k) && below(k, kN);
}

}  // namespace

bool valid_private(const uint8_t d[32]) {
  uint32_t k[8];
  return scalar_in_range(k, d);
}

bool valid_public(const uint8_t pub[65]) {
  Point p;
  return decode(p, pub);
}

bool public_from_private(const uint8_t d[32], uint8_t pub[65]) {
  uint32_t k[8], x[8], y[8];
  if (!scalar_in_range(k, d)) return false;
  Point g, q;
  generator(g);
  scalar_mul(q, k, g);
  secure_zero(k, sizeof(k));
  if (!to_affine(x, y, q)) return false;
  pub[0] = 0x04;
  to_bytes(pub + 1, x);
  to_bytes(pub + 33, y);
  return true;
}

bool ecdh(const uint8_t d[32], const uint8_t peer[65], uint8_t out[32]) {
  uint32_t k[8], x[8];
  Point p, s;
  if (!scalar_in_range(k, d) || !decode(p, peer)) return false;
  scalar_mul(s, k, p);
  secure_zero(k, sizeof(k));
  if (!to_affine(x, nullptr, s)) return false;
  to_bytes(out, x);
  secure_zero(x, sizeof(x));
  return true;
}

bool sign(const uint8_t d[32], const uint8_t* digest, size_t digest_len, const uint8_t k_bytes[32], uint8_t r_out[32],
          uint8_t s_out[32]) {
  uint32_t k[8], dk[8], r[8], e[8], t[8];
  if (!scalar_in_range(k, k_bytes) || !scalar_in_range(dk, d)) return false;
  Point g, q;
  generator(g);
  scalar_mul(q, k, g);
  bool ok = to_affine(r, nullptr, q);
  reduce_once(r, r, 0, kN);  // r = x1 mod n (x1 < p < 2n)
  ok = ok && !is_zero(r);
  // s = k^-1 (e + r d) mod n. mul(aR, b) = a b: one operand in Montgomery form
  // gives a plain product.
  digest_to_scalar(e, digest, digest_len);
  mul(t, r, kN.rr, kN);   // r R
  mul(t, t, dk, kN);      // r d
  add_mod(e, e, t, kN);   // e + r d
  mul(k, k, kN.rr, kN);   // k R
  inv(k, k, kN);           // k^-1 R
  mul(t, k, e, kN);
  ok = ok && !is_zero(t);
  to_bytes(r_out, r);
  to_bytes(s_out, t);
  secure_zero(k, sizeof(k));
  secure_zero(dk, sizeof(dk));
  secure_zero(t, sizeof(t));
  return ok;
}

// RFC 6979 §3.2 with hlen = qlen = 256, so bits2int(T) is T and one HMAC
// block per candidate. buf holds V || separator || int2octets(x) ||
// bits2octets(h1) || k' (§3.6), so every HMAC of the procedure is one call
// over a prefix of it: steps d and f over all of it, e, g and h.2 over V,
// and the retry of h.3 over V || 0x00.
bool sign_rfc6979(const uint8_t d[32], const uint8_t* digest, size_t digest_len, const uint8_t* extra,
                  uint8_t r[32], uint8_t s[32]) {
  if (!valid_private(d)) return false;
  uint8_t buf[32 + 1 + 32 + 32 + 32], key[32] = {};  // c. K = 0x00 0x00 ... 0x00
  uint8_t* v = buf;
  std::memset(v, 0x01, 32);  // b. V = 0x01 0x01 ... 0x01
  std::memcpy(buf + 33, d, 32);
  uint32_t e[8];
  digest_to_scalar(e, digest, digest_len);  // bits2octets(h1): leftmost 256 bits mod q
  to_bytes(buf + 65, e);
  size_t len = 97;
  if (extra != nullptr) {
    std::memcpy(buf + 97, extra, 32);
    len += 32;
  }
  auto step = [&key](uint8_t* out, const uint8_t* m, size_t n) {  // out = HMAC_K(m)
    hmac(HashAlg::sha256, Bytes(key, 32), Bytes(m, n), out);
  };
  for (uint8_t sep = 0; sep < 2; ++sep) {
    buf[32] = sep;
    step(key, buf, len);  // d. / f. K = HMAC_K(V || sep || int2octets(x) || bits2octets(h1) [|| k'])
    step(v, v, 32);       // e. / g. V = HMAC_K(V)
  }
  for (;;) {
    step(v, v, 32);  // h.2 T = V = HMAC_K(V)
    // h.3: k = bits2int(T) is used if 1 <= k < q (sign() checks; it also
    // refuses r = 0 or s = 0, which takes the same retry path).
    if (sign(d, digest, digest_len, v, r, s)) break;
    buf[32] = 0x00;
    step(key, buf, 33);  // K = HMAC_K(V || 0x00)
    step(v, v, 32);      // V = HMAC_K(V)
  }
  secure_zero(buf, sizeof(buf));
  secure_zero(key, sizeof(key));
  return true;
}

bool verify(const uint8_t pub[65], const uint8_t* digest, size_t digest_len, const uint8_t r_bytes[32],
            const uint8_t s_bytes[32]) {
  uint32_t r[8], s[8], e[8], u1[8], u2[8], x[8];
  Point q, g, a, b;
  if (!scalar_in_range(r, r_bytes) || !scalar_in_range(s, s_bytes) || !decode(q, pub)) return false;
  digest_to_scalar(e, digest, digest_len);
  mul(s, s, kN.rr, kN);  // s R
  inv(s, s, kN);         // s^-1 R
  mul(u1, s, e, kN);     // e / s
  mul(u2, s, r, kN);     // r / s
  generator(g);
  scalar_mul(a, u1, g);
  scalar_mul(b, u2, q);
  add(a, a, b);
  if (!to_affine(x, nullptr, a)) return false;
  reduce_once(x, x, 0, kN);
  sub(x, x, r);
  return is_zero(x);
}

}  // namespace sansrtc::crypto::p256
