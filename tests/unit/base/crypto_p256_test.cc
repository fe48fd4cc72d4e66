// Tests for base/crypto/p256.h, our own P-256, against mbedTLS's ECP and
// ECDSA modules as an independent implementation: the same public keys and
// shared secrets for random scalars, signatures accepted both ways, and
// invalid points and out-of-range scalars refused; and the deterministic
// ECDSA nonces of RFC 6979 against its Appendix A.2.5 vectors.
#include "base/crypto/p256.h"

#include "base/crypto/hash.h"

#include "crypto_test_util.h"

#include <sansrtc/rng.h>

#include <catch2/catch.hpp>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

#include <cstring>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

namespace {

int rng_cb(void* p, unsigned char* out, size_t n) {
  static_cast<Rng*>(p)->fill(std::span<uint8_t>(out, n));
  return 0;
}

struct Mbed {
  Mbed() {
    mbedtls_ecp_group_init(&grp);
    REQUIRE(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0);
  }
  ~Mbed() { mbedtls_ecp_group_free(&grp); }
  // d * P (P = G when pub is empty), uncompressed.
  std::string mul(const uint8_t d[32], const uint8_t* pub, Rng& rng) {
    mbedtls_mpi k;
    mbedtls_ecp_point p, r;
    mbedtls_mpi_init(&k);
    mbedtls_ecp_point_init(&p);
    mbedtls_ecp_point_init(&r);
    REQUIRE(mbedtls_mpi_read_binary(&k, d, 32) == 0);
    if (pub != nullptr) {
      REQUIRE(mbedtls_ecp_point_read_binary(&grp, &p, pub, 65) == 0);
    } else {
      REQUIRE(mbedtls_ecp_copy(&p, &grp.G) == 0);
    }
    REQUIRE(mbedtls_ecp_mul(&grp, &r, &k, &p, rng_cb, &rng) == 0);
    uint8_t out[65];
    size_t olen = 0;
    REQUIRE(mbedtls_ecp_point_write_binary(&grp, &r, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out, sizeof(out)) == 0);
    mbedtls_mpi_free(&k);
    mbedtls_ecp_point_free(&p);
    mbedtls_ecp_point_free(&r);
    return tohex(Bytes(out, olen));
  }
  mbedtls_ecp_group grp;
};

void random_scalar(Rng& rng, uint8_t d[32]) {
  do rng.fill(std::span<uint8_t>(d, 32));
  while (!p256::valid_private(d));
}

const char* kN = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const char* kG =
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

}  // namespace

TEST_CASE("p256: public keys equal mbedTLS's d*G, including d = 1, 2, n-1") {
  SeededRng rng(31);
  Mbed m;
  uint8_t pub[65];
  auto one = unhex(std::string(62, '0') + "01");
  REQUIRE(p256::public_from_private(one.data(), pub));
  REQUIRE(tohex(pub) == kG);
  auto n1 = unhex(kN);
  n1[31] -= 1;  // n - 1: -G
  REQUIRE(p256::public_from_private(n1.data(), pub));
  REQUIRE(tohex(pub) == m.mul(n1.data(), nullptr, rng));
  REQUIRE(tohex(Bytes(pub + 1, 32)) == std::string(kG).substr(2, 64));
  auto two = unhex(std::string(62, '0') + "02");
  REQUIRE(p256::public_from_private(two.data(), pub));
  REQUIRE(tohex(pub) == m.mul(two.data(), nullptr, rng));
  for (int i = 0; i < 24; ++i) {
    uint8_t d[32];
    random_scalar(rng, d);
    REQUIRE(p256::public_from_private(d, pub));
    REQUIRE(tohex(pub) == m.mul(d, nullptr, rng));
    REQUIRE(p256::valid_public(pub));
  }
  // Out of range: 0, n, 2^256 - 1.
  std::vector<uint8_t> zero(32, 0), n = unhex(kN), ff(32, 0xff);
  for (const auto* bad : {&zero, &n, &ff}) {
    REQUIRE_FALSE(p256::valid_private(bad->data()));
    REQUIRE_FALSE(p256::public_from_private(bad->data(), pub));
  }
}

TEST_CASE("p256: ECDH agrees with itself and with mbedTLS") {
  SeededRng rng(32);
  Mbed m;
  for (int i = 0; i < 16; ++i) {
    uint8_t d1[32], d2[32], p1[65], p2[65], s1[32], s2[32];
    random_scalar(rng, d1);
    random_scalar(rng, d2);
    REQUIRE(p256::public_from_private(d1, p1));
    REQUIRE(p256::public_from_private(d2, p2));
    REQUIRE(p256::ecdh(d1, p2, s1));
    REQUIRE(p256::ecdh(d2, p1, s2));
    REQUIRE(tohex(s1) == tohex(s2));
    REQUIRE(tohex(s1) == m.mul(d1, p2, rng).substr(2, 64));
  }
}

TEST_CASE("p256: invalid points are refused") {
  SeededRng rng(33);
  uint8_t d[32], pub[65], out[32];
  random_scalar(rng, d);
  auto g = unhex(kG);
  REQUIRE(p256::valid_public(g.data()));
  auto bad = g;
  bad[64] ^= 1;  // off the curve
  REQUIRE_FALSE(p256::valid_public(bad.data()));
  REQUIRE_FALSE(p256::ecdh(d, bad.data(), out));
  bad = g;
  bad[0] = 0x02;  // compressed form
  REQUIRE_FALSE(p256::valid_public(bad.data()));
  // x = p (out of range) and the all-zero "point".
  auto p = unhex("04ffffffff00000001000000000000000000000000ffffffffffffffffffffffff" + std::string(64, '0'));
  REQUIRE_FALSE(p256::valid_public(p.data()));
  std::vector<uint8_t> z(65, 0);
  z[0] = 4;
  REQUIRE_FALSE(p256::valid_public(z.data()));
  // (x, p - y) is on the curve too (it is -P); (x, y + p) is not encodable.
  REQUIRE(p256::public_from_private(d, pub));
  REQUIRE(p256::valid_public(pub));
}

TEST_CASE("p256: ECDSA signatures verify under mbedTLS and mbedTLS's under ours") {
  SeededRng rng(34);
  Mbed m;
  for (size_t digest_len : {size_t(20), size_t(32), size_t(48), size_t(64)}) {
    for (int i = 0; i < 6; ++i) {
      uint8_t d[32], pub[65], k[32], r[32], s[32];
      std::vector<uint8_t> digest(digest_len);
      rng.fill(digest);
      random_scalar(rng, d);
      random_scalar(rng, k);
      REQUIRE(p256::public_from_private(d, pub));
      REQUIRE(p256::sign(d, digest.data(), digest.size(), k, r, s));
      REQUIRE(p256::verify(pub, digest.data(), digest.size(), r, s));

      mbedtls_ecp_point q;
      mbedtls_mpi mr, ms, md;
      mbedtls_ecp_point_init(&q);
      mbedtls_mpi_init(&mr);
      mbedtls_mpi_init(&ms);
      mbedtls_mpi_init(&md);
      REQUIRE(mbedtls_ecp_point_read_binary(&m.grp, &q, pub, 65) == 0);
      REQUIRE(mbedtls_mpi_read_binary(&mr, r, 32) == 0);
      REQUIRE(mbedtls_mpi_read_binary(&ms, s, 32) == 0);
      INFO("digest " << digest_len);
      REQUIRE(mbedtls_ecdsa_verify(&m.grp, digest.data(), digest.size(), &q, &mr, &ms) == 0);

      // mbedTLS signs, we verify.
      REQUIRE(mbedtls_mpi_read_binary(&md, d, 32) == 0);
      REQUIRE(mbedtls_ecdsa_sign(&m.grp, &mr, &ms, &md, digest.data(), digest.size(), rng_cb, &rng) == 0);
      uint8_t r2[32], s2[32];
      REQUIRE(mbedtls_mpi_write_binary(&mr, r2, 32) == 0);
      REQUIRE(mbedtls_mpi_write_binary(&ms, s2, 32) == 0);
      REQUIRE(p256::verify(pub, digest.data(), digest.size(), r2, s2));
      mbedtls_ecp_point_free(&q);
      mbedtls_mpi_free(&mr);
      mbedtls_mpi_free(&ms);
      mbedtls_mpi_free(&md);

      // Any change breaks it.
      digest[0] ^= 1;
      REQUIRE_FALSE(p256::verify(pub, digest.data(), digest.size(), r, s));
      digest[0] ^= 1;
      s[31] ^= 1;
      REQUIRE_FALSE(p256::verify(pub, digest.data(), digest.size(), r, s));
      s[31] ^= 1;
      r[0] ^= 0x10;
      REQUIRE_FALSE(p256::verify(pub, digest.data(), digest.size(), r, s));
    }
  }
  // r or s of 0 or >= n never verify; a nonce out of range does not sign.
  uint8_t d[32], pub[65], r[32], s[32];
  random_scalar(rng, d);
  REQUIRE(p256::public_from_private(d, pub));
  uint8_t digest[32] = {9};
  auto n = unhex(kN);
  std::vector<uint8_t> zero(32, 0);
  REQUIRE_FALSE(p256::sign(d, digest, 32, zero.data(), r, s));
  REQUIRE_FALSE(p256::sign(d, digest, 32, n.data(), r, s));
  uint8_t k[32];
  random_scalar(rng, k);
  REQUIRE(p256::sign(d, digest, 32, k, r, s));
  REQUIRE_FALSE(p256::verify(pub, digest, 32, zero.data(), s));
  REQUIRE_FALSE(p256::verify(pub, digest, 32, r, zero.data()));
  REQUIRE_FALSE(p256::verify(pub, digest, 32, n.data(), s));
  REQUIRE_FALSE(p256::verify(pub, digest, 32, r, n.data()));
}

// ---- RFC 6979 deterministic (and hedged) nonces ----

namespace {

// RFC 6979 Appendix A.2.5, "ECDSA, 256 Bits (Prime Field)" (P-256).
const char* kRfcX = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
const char* kRfcU =
    "04"
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

struct Rfc6979Vector {
  const char* message;
  const char* k;
  const char* r;
  const char* s;
};

// "With SHA-256, message = ..." (the HMAC of RFC 6979 §3.2 is then HMAC-SHA-256).
constexpr Rfc6979Vector kRfcSha256[] = {
    {"sample", "a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60",
     "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
     "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"},
    {"test", "d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0",
     "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
     "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"},
};

bool mbedtls_verifies(Mbed& m, const uint8_t pub[65], Bytes digest, const uint8_t r[32], const uint8_t s[32]) {
  mbedtls_ecp_point q;
  mbedtls_mpi mr, ms;
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&mr);
  mbedtls_mpi_init(&ms);
  bool ok = mbedtls_ecp_point_read_binary(&m.grp, &q, pub, 65) == 0 && mbedtls_mpi_read_binary(&mr, r, 32) == 0 &&
            mbedtls_mpi_read_binary(&ms, s, 32) == 0 &&
            mbedtls_ecdsa_verify(&m.grp, digest.data(), digest.size(), &q, &mr, &ms) == 0;
  mbedtls_ecp_point_free(&q);
  mbedtls_mpi_free(&mr);
  mbedtls_mpi_free(&ms);
  return ok;
}

}  // namespace

TEST_CASE("p256: RFC 6979 A.2.5 P-256 with SHA-256, messages \"sample\" and \"test\"") {
  Mbed m;
  auto x = unhex(kRfcX);
  uint8_t pub[65];
  REQUIRE(p256::public_from_private(x.data(), pub));
  REQUIRE(tohex(pub) == kRfcU);
  for (const auto& v : kRfcSha256) {
    INFO("message " << v.message);
    const std::string msg = v.message;
    uint8_t h1[32];
    hash(HashAlg::sha256, Bytes(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()), h1);
    uint8_t r[32], s[32];
    REQUIRE(p256::sign_rfc6979(x.data(), h1, 32, nullptr, r, s));
    CHECK(tohex(r) == v.r);
    CHECK(tohex(s) == v.s);
    // The nonce itself: signing with the RFC's k gives the same (r, s), and
    // r is the x-coordinate of kG (mod n), so our derivation produced k.
    auto k = unhex(v.k);
    uint8_t r2[32], s2[32], kg[65];
    REQUIRE(p256::sign(x.data(), h1, 32, k.data(), r2, s2));
    CHECK(tohex(r2) == v.r);
    CHECK(tohex(s2) == v.s);
    REQUIRE(p256::public_from_private(k.data(), kg));
    CHECK(tohex(Bytes(kg + 1, 32)) == v.r);  // x(kG) < n here, so no reduction
    CHECK(p256::verify(pub, h1, 32, r, s));
    CHECK(mbedtls_verifies(m, pub, Bytes(h1, 32), r, s));
    // Deterministic: the same key and digest always give the same signature.
    REQUIRE(p256::sign_rfc6979(x.data(), h1, 32, nullptr, r2, s2));
    CHECK(tohex(r2) == tohex(r));
    CHECK(tohex(s2) == tohex(s));
  }
}

TEST_CASE("p256: hedged RFC 6979 (§3.6 extra data) signatures verify under ours and mbedTLS") {
  SeededRng rng(35);
  Mbed m;
  for (size_t digest_len : {size_t(20), size_t(32), size_t(48), size_t(64)}) {
    INFO("digest " << digest_len);
    uint8_t d[32], pub[65], extra[32], r[32], s[32], r_plain[32], s_plain[32], r2[32], s2[32];
    std::vector<uint8_t> digest(digest_len);
    rng.fill(digest);
    random_scalar(rng, d);
    rng.fill(std::span<uint8_t>(extra, 32));
    REQUIRE(p256::public_from_private(d, pub));
    REQUIRE(p256::sign_rfc6979(d, digest.data(), digest.size(), extra, r, s));
    CHECK(p256::verify(pub, digest.data(), digest.size(), r, s));
    CHECK(mbedtls_verifies(m, pub, digest, r, s));
    // k' changes the nonce (so r); the same k' reproduces the signature.
    REQUIRE(p256::sign_rfc6979(d, digest.data(), digest.size(), nullptr, r_plain, s_plain));
    CHECK(mbedtls_verifies(m, pub, digest, r_plain, s_plain));
    CHECK(tohex(r_plain) != tohex(r));
    REQUIRE(p256::sign_rfc6979(d, digest.data(), digest.size(), extra, r2, s2));
    CHECK(tohex(r2) == tohex(r));
    CHECK(tohex(s2) == tohex(s));
    extra[0] ^= 1;
    REQUIRE(p256::sign_rfc6979(d, digest.data(), digest.size(), extra, r2, s2));
    CHECK(tohex(r2) != tohex(r));
    CHECK(mbedtls_verifies(m, pub, digest, r2, s2));
    // A different digest under the same key and k' gives another nonce.
    digest[0] ^= 1;
    REQUIRE(p256::sign_rfc6979(d, digest.data(), digest.size(), extra, r, s));
    CHECK(tohex(r2) != tohex(r));
  }
  // An invalid private key does not sign.
  std::vector<uint8_t> zero(32, 0), n = unhex(kN);
  uint8_t digest[32] = {7}, r[32], s[32];
  CHECK_FALSE(p256::sign_rfc6979(zero.data(), digest, 32, nullptr, r, s));
  CHECK_FALSE(p256::sign_rfc6979(n.data(), digest, 32, nullptr, r, s));
}
