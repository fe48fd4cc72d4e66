// Tests for the X.509 and DER code in base/crypto (der.h, certificate.cc,
// the ECDSA signature and private key encodings in ec.cc), checked against
// mbedTLS's X.509, PK and ECDSA modules as an independent implementation:
// mbedTLS must accept what we write, and we must read what mbedTLS writes.
#include "base/crypto/certificate.h"
#include "base/crypto/der.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <cstring>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

namespace {

constexpr int64_t kNov2026 = 1795467600;  // 2026-11-23T21:00:00Z

int rng_cb(void* p, unsigned char* out, size_t n) {
  static_cast<Rng*>(p)->fill(std::span<uint8_t>(out, n));
  return 0;
}

void sha256(const uint8_t* p, size_t n, uint8_t out[32]) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  REQUIRE(mbedtls_sha256(p, n, out, 0) == 0);
#else
  REQUIRE(mbedtls_sha256_ret(p, n, out, 0) == 0);
#endif
}

// mbedTLS parses `der`, and the certificate's own signature verifies with
// the key inside it (it is self-signed).
void require_mbedtls_accepts_self_signed(Bytes der, Bytes expected_pub) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_der(&crt, der.data(), der.size()) == 0);
  CHECK(crt.version == 3);
  CHECK(crt.sig_md == MBEDTLS_MD_SHA256);
  CHECK(crt.sig_pk == MBEDTLS_PK_ECDSA);
  CHECK(crt.serial.len == 16);
  REQUIRE(mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_ECKEY);
  uint8_t pub[65];
  size_t olen = 0;
  const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(crt.pk);
  REQUIRE(mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub)) == 0);
  REQUIRE(tohex(Bytes(pub, olen)) == tohex(expected_pub));
  uint8_t h[32];
  sha256(crt.tbs.p, crt.tbs.len, h);
  REQUIRE(mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, h, 32, crt.sig.p, crt.sig.len) == 0);
  // issuer == subject, both "CN=<name>".
  REQUIRE(crt.issuer_raw.len == crt.subject_raw.len);
  REQUIRE(std::memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0);
  mbedtls_x509_crt_free(&crt);
}

enum class KeyKind { p256, p384, rsa };

// A self-signed certificate written by mbedtls_x509write_crt (with
// extensions, so the reader walks [3] too). Returns the DER and, for EC
// keys, the uncompressed public point.
std::vector<uint8_t> mbedtls_certificate(KeyKind kind, Rng& rng, std::vector<uint8_t>* pub_out) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  if (kind == KeyKind::rsa) {
    REQUIRE(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0);
    REQUIRE(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), rng_cb, &rng, 1024, 65537) == 0);
  } else {
    REQUIRE(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0);
    const auto id = kind == KeyKind::p256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
    REQUIRE(mbedtls_ecp_gen_key(id, mbedtls_pk_ec(pk), rng_cb, &rng) == 0);
    if (pub_out != nullptr) {
      uint8_t pub[97];
      size_t olen = 0;
      const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(pk);
      REQUIRE(mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, sizeof(pub)) ==
              0);
      pub_out->assign(pub, pub + olen);
    }
  }
  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, &pk);
  mbedtls_x509write_crt_set_issuer_key(&w, &pk);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  REQUIRE(mbedtls_mpi_lset(&serial, 4242) == 0);
  REQUIRE(mbedtls_x509write_crt_set_serial(&w, &serial) == 0);
  mbedtls_mpi_free(&serial);
  REQUIRE(mbedtls_x509write_crt_set_subject_name(&w, "CN=mbedtls,O=oracle") == 0);
  REQUIRE(mbedtls_x509write_crt_set_issuer_name(&w, "CN=mbedtls,O=oracle") == 0);
  REQUIRE(mbedtls_x509write_crt_set_validity(&w, "20260101000000", "20510101000000") == 0);
  REQUIRE(mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1) == 0);
  REQUIRE(mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0);
  uint8_t buf[2048];
  const int len = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), rng_cb, &rng);
  mbedtls_x509write_crt_free(&w);
  mbedtls_pk_free(&pk);
  REQUIRE(len > 0);
  return std::vector<uint8_t>(buf + sizeof(buf) - len, buf + sizeof(buf));
}

}  // namespace

TEST_CASE("x509: mbedTLS parses our self-signed certificate and verifies its signature") {
  SeededRng rng(7);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  for (const std::string& cn : {std::string("WebRTC"), std::string("x"), std::string(64, 'c')}) {
    auto cert = Certificate::self_signed(*key, rng, cn, kNov2026, 30);
    REQUIRE(cert.ok());
    require_mbedtls_accepts_self_signed(cert->der(), key->public_key());
  }
  // Validity crossing 2050: notBefore is a UTCTime, notAfter a
  // GeneralizedTime (RFC 5280 §4.1.2.5); mbedTLS reads both.
  const int64_t dec2049 = 2524521600;  // 2049-12-31T00:00:00Z
  auto cert = Certificate::self_signed(*key, rng, "late", dec2049, 2);
  REQUIRE(cert.ok());
  require_mbedtls_accepts_self_signed(cert->der(), key->public_key());
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_der(&crt, cert->der().data(), cert->der().size()) == 0);
  CHECK(crt.valid_from.year == 2049);
  CHECK(crt.valid_from.mon == 12);
  CHECK(crt.valid_from.day == 31);
  CHECK(crt.valid_to.year == 2050);
  CHECK(crt.valid_to.mon == 1);
  CHECK(crt.valid_to.day == 2);
  mbedtls_x509_crt_free(&crt);
  const std::string hex = tohex(cert->der());
  CHECK(hex.find("170d3439313233313030303030305a") != std::string::npos);      // UTCTime 491231000000Z
  CHECK(hex.find("180f32303530303130323030303030305a") != std::string::npos);  // GeneralizedTime 20500102000000Z
}

TEST_CASE("x509: we read the key from certificates mbedTLS writes (P-256), and refuse other key types") {
  SeededRng rng(8);
  std::vector<uint8_t> pub;
  auto der = mbedtls_certificate(KeyKind::p256, rng, &pub);
  auto c = Certificate::from_der(der);
  REQUIRE(c.ok());
  REQUIRE(tohex(c->public_key()) == tohex(pub));
  REQUIRE(bytes_equal(c->der(), der));

  // Well-formed certificates with keys DTLS does not accept here are
  // `unsupported`, not `malformed`.
  auto p384 = mbedtls_certificate(KeyKind::p384, rng, nullptr);
  REQUIRE(Certificate::from_der(p384).error().code == Errc::unsupported);
  auto rsa = mbedtls_certificate(KeyKind::rsa, rng, nullptr);
  REQUIRE(Certificate::from_der(rsa).error().code == Errc::unsupported);
  // mbedTLS agrees that both parse.
  for (const auto* d : {&p384, &rsa}) {
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    REQUIRE(mbedtls_x509_crt_parse_der(&crt, d->data(), d->size()) == 0);
    mbedtls_x509_crt_free(&crt);
  }
}

TEST_CASE("x509: truncated, padded and corrupted certificates are rejected") {
  SeededRng rng(9);
  std::vector<uint8_t> pub;
  auto der = mbedtls_certificate(KeyKind::p256, rng, &pub);
  for (size_t n = 0; n < der.size(); ++n) {
    INFO("truncated to " << n);
    REQUIRE_FALSE(Certificate::from_der(Bytes(der.data(), n)).ok());
  }
  auto padded = der;
  padded.push_back(0);
  REQUIRE(Certificate::from_der(padded).error().code == Errc::malformed);
  // The outer length in a non-minimal form (0x82 0x01 0x23 -> 0x83 0x00 0x01 0x23).
  REQUIRE(der[1] == 0x82);
  std::vector<uint8_t> long_form = {0x30, 0x83, 0x00};
  long_form.insert(long_form.end(), der.begin() + 2, der.end());
  REQUIRE(Certificate::from_der(long_form).error().code == Errc::malformed);
  // Indefinite length (BER only).
  auto indefinite = der;
  indefinite[1] = 0x80;
  REQUIRE_FALSE(Certificate::from_der(indefinite).ok());
  // A point that is not on the curve: flip the last byte of Y.
  const std::string hex = tohex(der);
  const size_t at = hex.find(tohex(pub)) / 2;
  REQUIRE(at != std::string::npos / 2);
  auto off_curve = der;
  off_curve[at + 64] ^= 1;
  REQUIRE(Certificate::from_der(off_curve).error().code == Errc::malformed);
  // Every single-byte corruption either is rejected or still yields a
  // 65-byte point that mbedTLS's point check accepts (no crash, no garbage).
  for (size_t i = 0; i < der.size(); ++i) {
    auto bad = der;
    bad[i] ^= 0x55;
    auto c = Certificate::from_der(bad);
    if (c.ok()) REQUIRE(c->public_key().size() == kP256PublicKeySize);
  }
  REQUIRE(Certificate::from_der(unhex("3000")).error().code == Errc::malformed);
  REQUIRE(Certificate::from_der(unhex("ff")).error().code == Errc::malformed);
}

TEST_CASE("ECDSA signatures: our DER and mbedTLS's agree both ways; non-DER encodings are refused") {
  SeededRng rng(10);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  const auto pub = key->public_key();
  uint8_t digest[32];
  sha256(reinterpret_cast<const uint8_t*>("abc"), 3, digest);

  mbedtls_ecdsa_context ctx;
  mbedtls_ecdsa_init(&ctx);
  REQUIRE(mbedtls_ecp_group_load(&ctx.grp, MBEDTLS_ECP_DP_SECP256R1) == 0);
  REQUIRE(mbedtls_ecp_point_read_binary(&ctx.grp, &ctx.Q, pub.data(), pub.size()) == 0);
  for (int i = 0; i < 32; ++i) {
    uint8_t sig[kMaxEcdsaSigDerSize];
    auto n = key->sign_digest(digest, sig, rng);
    REQUIRE(n.ok());
    REQUIRE(mbedtls_ecdsa_read_signature(&ctx, digest, 32, sig, *n) == 0);
  }
  mbedtls_ecdsa_free(&ctx);

  // mbedTLS signs with its own key; we verify.
  mbedtls_ecdsa_context theirs;
  mbedtls_ecdsa_init(&theirs);
  REQUIRE(mbedtls_ecdsa_genkey(&theirs, MBEDTLS_ECP_DP_SECP256R1, rng_cb, &rng) == 0);
  uint8_t their_pub[65];
  size_t olen = 0;
  REQUIRE(mbedtls_ecp_point_write_binary(&theirs.grp, &theirs.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, their_pub, 65) ==
          0);
  std::vector<uint8_t> sig;
  for (int i = 0; i < 32; ++i) {
    uint8_t s[MBEDTLS_ECDSA_MAX_LEN];
    size_t slen = 0;
    REQUIRE(mbedtls_ecdsa_write_signature(&theirs, MBEDTLS_MD_SHA256, digest, 32, s, &slen, rng_cb, &rng) == 0);
    REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, Bytes(s, slen)).ok());
    sig.assign(s, s + slen);
  }
  mbedtls_ecdsa_free(&theirs);

  // The same (r, s) in non-DER forms: a padded INTEGER, a long-form length,
  // trailing bytes, a truncated sequence.
  REQUIRE(sig[0] == 0x30);
  REQUIRE(sig[2] == 0x02);
  const size_t rlen = sig[3];
  std::vector<uint8_t> r(sig.begin() + 4, sig.begin() + 4 + long(rlen));
  std::vector<uint8_t> s_part(sig.begin() + 4 + long(rlen), sig.end());
  std::vector<uint8_t> padded = {0x30, uint8_t(sig[1] + 1), 0x02, uint8_t(rlen + 1), 0x00};
  padded.insert(padded.end(), r.begin(), r.end());
  padded.insert(padded.end(), s_part.begin(), s_part.end());
  if ((r[0] & 0x80) == 0) {
    REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, padded).error().code == Errc::auth_failed);
  }
  std::vector<uint8_t> long_len = {0x30, 0x81, sig[1]};
  long_len.insert(long_len.end(), sig.begin() + 2, sig.end());
  REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, long_len).error().code == Errc::auth_failed);
  auto trailing = sig;
  trailing.push_back(0);
  REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, trailing).error().code == Errc::auth_failed);
  REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, Bytes(sig.data(), sig.size() - 1)).error().code ==
          Errc::auth_failed);
  REQUIRE(ecdsa_p256_verify(Bytes(their_pub, 65), digest, sig).ok());
}

TEST_CASE("private keys: ours load what mbedTLS writes (SEC1 and PKCS#8 via pk_write)") {
  SeededRng rng(11);
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  REQUIRE(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0);
  REQUIRE(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), rng_cb, &rng) == 0);
  uint8_t pub[65];
  size_t olen = 0;
  const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(pk);
  REQUIRE(mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, 65) == 0);
  uint8_t buf[512];
  const int len = mbedtls_pk_write_key_der(&pk, buf, sizeof(buf));  // SEC1 ECPrivateKey
  REQUIRE(len > 0);
  mbedtls_pk_free(&pk);
  auto key = EcdsaP256Key::from_der(Bytes(buf + sizeof(buf) - len, size_t(len)));
  REQUIRE(key.ok());
  REQUIRE(tohex(key->public_key()) == tohex(Bytes(pub, 65)));
}

TEST_CASE("der::Reader: strict lengths and tags; der::Writer: minimal lengths") {
  using namespace sansrtc::crypto::der;
  {
    auto in = unhex("0403aabbcc");
    Reader r(in);
    REQUIRE(tohex(r.read(kOctetString)) == "aabbcc");
    r.expect_end();
    REQUIRE(r.ok());
  }
  for (const char* bad : {"04817f" /* long form for < 128 */, "0480" /* indefinite */, "1f0100" /* high tag */,
                          "0404aabbcc" /* runs past the end */, "048300000100" /* 3 length octets */,
                          "04820080" /* 2 octets for < 256 */}) {
    INFO(bad);
    auto in = unhex(bad);
    Reader r(in);
    (void)r.read(kOctetString);
    REQUIRE_FALSE(r.ok());
  }
  {
    auto in = unhex("020100020180020200ff0201ff");
    Reader r(in);
    REQUIRE(tohex(r.read_positive_integer()) == "00");  // zero is a one-octet INTEGER
    REQUIRE(r.ok());
    (void)r.read_positive_integer();
    REQUIRE_FALSE(r.ok());  // 0x80 alone is negative
  }
  {
    auto in = unhex("02020080");
    Reader r(in);
    REQUIRE(tohex(r.read_positive_integer()) == "80");
    REQUIRE(r.ok());
    auto pad = unhex("0202007f");
    Reader r2(pad);
    (void)r2.read_positive_integer();
    REQUIRE_FALSE(r2.ok());
  }
  {
    // A missing OPTIONAL field consumes nothing; a wrong mandatory tag fails.
    auto in = unhex("0500");
    Reader r(in);
    Bytes out;
    REQUIRE_FALSE(r.read_optional(kInteger, out));
    REQUIRE(r.ok());
    (void)r.read(kInteger);
    REQUIRE_FALSE(r.ok());
  }
  uint8_t buf[300];
  for (size_t n : {size_t(0), size_t(127), size_t(128), size_t(255), size_t(256)}) {
    Writer w(buf);
    std::vector<uint8_t> content(n, 0x11);
    w.raw(content);
    w.wrap(kOctetString, 0);
    REQUIRE(w.ok());
    Reader r(w.out());
    REQUIRE(r.read(kOctetString).size() == n);
    r.expect_end();
    REQUIRE(r.ok());
  }
  Writer small(std::span<uint8_t>(buf, 3));
  small.raw(unhex("01020304"));
  REQUIRE_FALSE(small.ok());
  Writer ints(buf);
  ints.positive_integer(unhex("0000ff"));
  ints.positive_integer(unhex("0001"));
  REQUIRE(tohex(ints.out()) == "0201010202" "00ff");
}

TEST_CASE("x509: validity dates at the edges of the calendar and of the encodable range") {
  SeededRng rng(12);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  const int64_t k1950 = -631152000;  // 1950-01-01T00:00:00Z
  const int64_t kLeap2000 = 951782400 + 3723;  // 2000-02-29T01:02:03Z
  auto c = Certificate::self_signed(*key, rng, "edge", kLeap2000, 1);
  REQUIRE(c.ok());
  CHECK(tohex(c->der()).find(tohex(as_bytes("000229010203Z"))) != std::string::npos);
  CHECK(tohex(c->der()).find(tohex(as_bytes("000301010203Z"))) != std::string::npos);
  c = Certificate::self_signed(*key, rng, "edge", k1950, 1);
  REQUIRE(c.ok());
  CHECK(tohex(c->der()).find(tohex(as_bytes("500101000000Z"))) != std::string::npos);
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_der(&crt, c->der().data(), c->der().size()) == 0);
  CHECK(crt.valid_from.year == 1950);
  mbedtls_x509_crt_free(&crt);
  // The last second of 9999 is the latest notAfter.
  const int64_t k10000 = 253402300800;
  c = Certificate::self_signed(*key, rng, "edge", k10000 - 86400 - 1, 1);
  REQUIRE(c.ok());
  CHECK(tohex(c->der()).find(tohex(as_bytes("99991231235959Z"))) != std::string::npos);
  CHECK(Certificate::self_signed(*key, rng, "edge", k10000 - 86400, 1).error().code == Errc::invalid_argument);
  CHECK(Certificate::self_signed(*key, rng, "edge", k1950 - 1, 1).error().code == Errc::invalid_argument);
}
