// Tests for base/crypto/certificate.h: self-signed certificates and RFC 8122 fingerprints.
#include "base/crypto/certificate.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

namespace {
constexpr int64_t kNov2026 = 1795467600;  // 2026-11-23T21:00:00Z
}

TEST_CASE("self-signed certificate: DER parses back to the same public key") {
  SeededRng rng(99);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  auto cert = Certificate::self_signed(*key, rng, "WebRTC", kNov2026, 30);
  REQUIRE(cert.ok());
  REQUIRE(cert->der().size() > 200);
  REQUIRE(cert->der()[0] == 0x30);
  REQUIRE(bytes_equal(cert->public_key(), key->public_key()));

  auto parsed = Certificate::from_der(cert->der());
  REQUIRE(parsed.ok());
  REQUIRE(bytes_equal(parsed->public_key(), key->public_key()));
  REQUIRE(bytes_equal(parsed->der(), cert->der()));
  REQUIRE(parsed->fingerprint(HashAlg::sha256) == cert->fingerprint(HashAlg::sha256));

  // The validity strings are derived from the argument, not a clock: the
  // DER carries UTCTime 261123210000Z and 261223210000Z.
  std::string der_hex = tohex(cert->der());
  REQUIRE(der_hex.find(tohex(as_bytes("261123210000Z"))) != std::string::npos);
  REQUIRE(der_hex.find(tohex(as_bytes("261223210000Z"))) != std::string::npos);
  REQUIRE(der_hex.find(tohex(as_bytes("WebRTC"))) != std::string::npos);

  // Two certificates for the same key differ (random serial, randomized signature).
  auto cert2 = Certificate::self_signed(*key, rng, "WebRTC", kNov2026, 30);
  REQUIRE(cert2.ok());
  REQUIRE_FALSE(bytes_equal(cert2->der(), cert->der()));
}

TEST_CASE("self-signed certificate: bad arguments are refused") {
  SeededRng rng(1);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  REQUIRE(Certificate::self_signed(*key, rng, "", kNov2026, 30).error().code == Errc::invalid_argument);
  REQUIRE(Certificate::self_signed(*key, rng, "a,O=evil", kNov2026, 30).error().code == Errc::invalid_argument);
  REQUIRE(Certificate::self_signed(*key, rng, "x", kNov2026, 0).error().code == Errc::invalid_argument);
  REQUIRE(Certificate::self_signed(EcdsaP256Key(), rng, "x", kNov2026, 1).error().code == Errc::invalid_argument);
}

TEST_CASE("Certificate::from_der rejects junk and truncation") {
  SeededRng rng(2);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  auto cert = Certificate::self_signed(*key, rng, "x", kNov2026, 1);
  REQUIRE(cert.ok());
  std::vector<uint8_t> der(cert->der().begin(), cert->der().end());
  REQUIRE(Certificate::from_der(Bytes(der.data(), der.size() - 1)).error().code == Errc::malformed);
  REQUIRE(Certificate::from_der(Bytes()).error().code == Errc::malformed);
  REQUIRE(Certificate::from_der(as_bytes("not a certificate")).error().code == Errc::malformed);
}

TEST_CASE("fingerprint: RFC 8122 text form, parse round trip, matches") {
  SeededRng rng(3);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  auto cert = Certificate::self_signed(*key, rng, "WebRTC", kNov2026, 30);
  REQUIRE(cert.ok());

  Fingerprint fp = cert->fingerprint(HashAlg::sha256);
  REQUIRE(fp.alg == HashAlg::sha256);
  REQUIRE(fp.digest.size() == 32);
  std::string hex = fp.hex();
  REQUIRE(hex.size() == 95);  // 32 * "AB" + 31 * ":"
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i % 3 == 2) {
      REQUIRE(hex[i] == ':');
    } else {
      REQUIRE(((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'A' && hex[i] <= 'F')));
    }
  }
  uint8_t d[32];
  hash(HashAlg::sha256, cert->der(), d);
  REQUIRE(tohex(fp.digest.span()) == tohex(d));
  REQUIRE(fp.to_sdp() == "sha-256 " + hex);

  auto back = Fingerprint::parse("sha-256", hex);
  REQUIRE(back.ok());
  REQUIRE(*back == fp);
  REQUIRE(back->matches(cert->der()));

  // Lower-case hex and upper-case names are accepted (RFC 8122 §5, RFC 4572 §5).
  std::string lower = hex;
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  auto low = Fingerprint::parse("SHA-256", lower);
  REQUIRE(low.ok());
  REQUIRE(*low == fp);

  // A different certificate does not match.
  auto other = Certificate::self_signed(*key, rng, "WebRTC", kNov2026, 30);
  REQUIRE(other.ok());
  REQUIRE_FALSE(fp.matches(other->der()));
  REQUIRE_FALSE(other->fingerprint(HashAlg::sha256) == fp);
  // Same digest bytes under another algorithm name are not equal.
  Fingerprint fp2 = fp;
  fp2.alg = HashAlg::sha1;
  REQUIRE_FALSE(fp2 == fp);

  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha384, HashAlg::sha512}) {
    Fingerprint f = cert->fingerprint(alg);
    REQUIRE(f.digest.size() == hash_size(alg));
    REQUIRE(f.hex().size() == hash_size(alg) * 3 - 1);
    auto p = Fingerprint::parse(hash_name(alg), f.hex());
    REQUIRE(p.ok());
    REQUIRE(*p == f);
    REQUIRE(p->matches(cert->der()));
  }
}

TEST_CASE("fingerprint names are case-insensitive; malformed fingerprints are rejected") {
  std::string h20 = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
  REQUIRE(Fingerprint::parse("sha-1", h20).ok());
  REQUIRE(Fingerprint::parse("SHA-1", h20).ok());
  REQUIRE(Fingerprint::parse("Sha-1", h20)->alg == HashAlg::sha1);
  REQUIRE(Fingerprint::parse("sha-1", h20)->hex() == h20);
  REQUIRE(Fingerprint::parse("Sha-384", std::string(48 * 3 - 1, ':')).error().code == Errc::malformed);
  REQUIRE(Fingerprint::parse("SHA-512", h20).error().code == Errc::malformed);  // wrong length for sha-512

  REQUIRE(Fingerprint::parse("md5", h20).error().code == Errc::unsupported);
  REQUIRE(Fingerprint::parse("sha1", h20).error().code == Errc::unsupported);
  REQUIRE(Fingerprint::parse("sha-256", h20).error().code == Errc::malformed);  // 20 bytes for sha-256
  REQUIRE(Fingerprint::parse("sha-1", "").error().code == Errc::malformed);
  REQUIRE(Fingerprint::parse("sha-1", h20 + ":").error().code == Errc::malformed);
  std::string s = h20;
  s[2] = '-';
  REQUIRE(Fingerprint::parse("sha-1", s).error().code == Errc::malformed);
  s = h20;
  s[0] = 'G';
  REQUIRE(Fingerprint::parse("sha-1", s).error().code == Errc::malformed);
  s = h20;
  s[3] = ' ';
  REQUIRE(Fingerprint::parse("sha-1", s).error().code == Errc::malformed);
  // Without separators: 40 hex digits is not RFC 8122 syntax.
  REQUIRE(Fingerprint::parse("sha-1", "ABCDEF0123456789ABCDEF0123456789ABCDEF01").error().code == Errc::malformed);
}
