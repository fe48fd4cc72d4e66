// Tests for base/crypto/ec.h: X25519 and P-256 ECDH, ECDSA P-256.
#include "base/crypto/ec.h"
#include "base/crypto/hash.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

TEST_CASE("ECDH groups are built in and have TLS public sizes") {
  REQUIRE(ecdh_group_available(EcdhGroup::p256));
  REQUIRE(ecdh_group_available(EcdhGroup::x25519));
  REQUIRE(ecdh_public_size(EcdhGroup::p256) == 65);
  REQUIRE(ecdh_public_size(EcdhGroup::x25519) == 32);
}

// RFC 7748 §6.1 (Curve25519 Diffie-Hellman): both key pairs and the shared secret.
TEST_CASE("X25519 RFC 7748 §6.1") {
  auto alice = Ecdh::from_private_for_test(
      EcdhGroup::x25519, unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto bob = Ecdh::from_private_for_test(
      EcdhGroup::x25519, unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  REQUIRE(alice.ok());
  REQUIRE(bob.ok());
  REQUIRE(alice->group() == EcdhGroup::x25519);
  REQUIRE(tohex(alice->public_key()) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  REQUIRE(tohex(bob->public_key()) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");

  SeededRng rng(1);
  Secret<32> k1, k2;
  REQUIRE(alice->compute_shared(bob->public_key(), k1, rng).ok());
  REQUIRE(bob->compute_shared(alice->public_key(), k2, rng).ok());
  REQUIRE(tohex(k1.expose()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  REQUIRE(tohex(k2.expose()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST_CASE("X25519: generated pairs agree; low-order and wrong-length peers are rejected") {
  SeededRng rng(7);
  auto a = Ecdh::generate(EcdhGroup::x25519, rng);
  auto b = Ecdh::generate(EcdhGroup::x25519, rng);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->public_key().size() == 32);
  REQUIRE_FALSE(bytes_equal(a->public_key(), b->public_key()));
  Secret<32> s1, s2;
  REQUIRE(a->compute_shared(b->public_key(), s1, rng).ok());
  REQUIRE(b->compute_shared(a->public_key(), s2, rng).ok());
  REQUIRE(bytes_equal(s1.expose(), s2.expose()));

  // u = 0 and u = 1 are small-order points: the result would be all zero
  // (RFC 7748 §6.1, RFC 8422 §5.11).
  std::vector<uint8_t> zero(32, 0), one(32, 0);
  one[0] = 1;
  Secret<32> s;
  REQUIRE(a->compute_shared(zero, s, rng).error().code == Errc::malformed);
  REQUIRE(a->compute_shared(one, s, rng).error().code == Errc::malformed);
  REQUIRE(a->compute_shared(std::vector<uint8_t>(31, 9), s, rng).error().code == Errc::malformed);
  REQUIRE(s.empty());
}

// RFC 5903 §8.1 (ECDH with the 256-bit random ECP group).
TEST_CASE("P-256 ECDH RFC 5903 §8.1") {
  auto i = Ecdh::from_private_for_test(EcdhGroup::p256,
                                       unhex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));
  auto r = Ecdh::from_private_for_test(EcdhGroup::p256,
                                       unhex("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));
  REQUIRE(i.ok());
  REQUIRE(r.ok());
  REQUIRE(tohex(i->public_key()) ==
          "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
          "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
  REQUIRE(tohex(r->public_key()) ==
          "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
          "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
  SeededRng rng(2);
  Secret<32> z;
  REQUIRE(i->compute_shared(r->public_key(), z, rng).ok());
  REQUIRE(tohex(z.expose()) == "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
}

TEST_CASE("P-256 ECDH: two generated pairs agree; invalid peer points are rejected") {
  SeededRng rng(42);
  auto a = Ecdh::generate(EcdhGroup::p256, rng);
  auto b = Ecdh::generate(EcdhGroup::p256, rng);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->public_key().size() == 65);
  REQUIRE(a->public_key()[0] == 0x04);
  Secret<32> s1, s2;
  REQUIRE(a->compute_shared(b->public_key(), s1, rng).ok());
  REQUIRE(b->compute_shared(a->public_key(), s2, rng).ok());
  REQUIRE(s1.size() == 32);
  REQUIRE(bytes_equal(s1.expose(), s2.expose()));

  Secret<32> s;
  // A point off the curve: flip a bit of y.
  std::vector<uint8_t> bad(b->public_key().begin(), b->public_key().end());
  bad[64] ^= 1;
  REQUIRE(a->compute_shared(bad, s, rng).error().code == Errc::malformed);
  // Compressed form (RFC 8422 §5.1.2: not negotiated, so not accepted).
  std::vector<uint8_t> compressed(b->public_key().begin(), b->public_key().begin() + 33);
  compressed[0] = 0x02;
  REQUIRE(a->compute_shared(compressed, s, rng).error().code == Errc::malformed);
  bad.assign(b->public_key().begin(), b->public_key().end());
  bad[0] = 0x02;
  REQUIRE(a->compute_shared(bad, s, rng).error().code == Errc::malformed);
  // All-zero "point".
  std::vector<uint8_t> zero(65, 0);
  zero[0] = 0x04;
  REQUIRE(a->compute_shared(zero, s, rng).error().code == Errc::malformed);
  REQUIRE(s.empty());
  // Test-only factory rejects a bad length and the zero scalar.
  REQUIRE(Ecdh::from_private_for_test(EcdhGroup::p256, std::vector<uint8_t>(31, 1)).error().code ==
          Errc::invalid_argument);
  REQUIRE(Ecdh::from_private_for_test(EcdhGroup::p256, std::vector<uint8_t>(32, 0)).error().code ==
          Errc::invalid_argument);
}

TEST_CASE("Ecdh is movable and an empty one refuses to compute") {
  SeededRng rng(3);
  auto a = Ecdh::generate(EcdhGroup::p256, rng);
  REQUIRE(a.ok());
  std::vector<uint8_t> pub(a->public_key().begin(), a->public_key().end());
  Ecdh moved = std::move(a.value());
  REQUIRE(bytes_equal(moved.public_key(), pub));
  Ecdh empty;
  Secret<32> s;
  REQUIRE(empty.compute_shared(pub, s, rng).error().code == Errc::invalid_state);
}

TEST_CASE("ECDSA P-256: sign/verify round trip; a flipped bit fails") {
  SeededRng rng(11);
  auto key = EcdsaP256Key::generate(rng);
  REQUIRE(key.ok());
  REQUIRE(key->valid());
  auto pub = key->public_key();
  REQUIRE(pub[0] == 0x04);

  uint8_t digest[32];
  hash(HashAlg::sha256, as_bytes("DTLS ServerKeyExchange params"), digest);
  uint8_t sig[kMaxEcdsaSigDerSize];
  auto n = key->sign_digest(digest, sig, rng);
  REQUIRE(n.ok());
  REQUIRE(*n >= 8);
  REQUIRE(*n <= kMaxEcdsaSigDerSize);
  REQUIRE(sig[0] == 0x30);  // DER SEQUENCE
  Bytes s(sig, *n);
  REQUIRE(ecdsa_p256_verify(pub, digest, s).ok());

  uint8_t other[32];
  std::copy(digest, digest + 32, other);
  other[31] ^= 1;
  REQUIRE(ecdsa_p256_verify(pub, other, s).error().code == Errc::auth_failed);

  std::vector<uint8_t> bad_sig(s.begin(), s.end());
  bad_sig[bad_sig.size() - 1] ^= 0x01;
  REQUIRE(ecdsa_p256_verify(pub, digest, bad_sig).error().code == Errc::auth_failed);
  // Trailing garbage after the DER signature.
  bad_sig.assign(s.begin(), s.end());
  bad_sig.push_back(0);
  REQUIRE(ecdsa_p256_verify(pub, digest, bad_sig).error().code == Errc::auth_failed);
  REQUIRE(ecdsa_p256_verify(pub, digest, Bytes()).error().code == Errc::auth_failed);

  // Another key's public key does not verify it; a non-point is malformed.
  auto key2 = EcdsaP256Key::generate(rng);
  REQUIRE(key2.ok());
  auto pub2 = key2->public_key();
  REQUIRE(ecdsa_p256_verify(pub2, digest, s).error().code == Errc::auth_failed);
  pub2[64] ^= 1;
  REQUIRE(ecdsa_p256_verify(pub2, digest, s).error().code == Errc::malformed);
  REQUIRE(ecdsa_p256_verify(Bytes(pub.data(), 33), digest, s).error().code == Errc::malformed);

  uint8_t small[16];
  REQUIRE(key->sign_digest(digest, small, rng).error().code == Errc::buffer_too_small);
}

// The RFC 5903 §8.1 initiator key as PKCS#8 and SEC1 DER (encoded with Python cryptography).
TEST_CASE("EcdsaP256Key::from_der accepts PKCS#8 and SEC1, rejects other curves and junk") {
  const char* expected_pub =
      "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
      "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
  auto pkcs8 = unhex(
      "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420c88f01f510d9ac3f70a292daa2316de5"
      "44e9aab8afe84049c62a9c57862d1433a14403420004dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772"
      "5811805271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
  auto sec1 = unhex(
      "30770201010420c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433a00a06082a8648ce3d030107a1"
      "4403420004dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271a0461cdb8252d61f1c456fa3"
      "e59ab1f45b33accf5f58389e0577b8990bb3");
  for (const auto* der : {&pkcs8, &sec1}) {
    auto key = EcdsaP256Key::from_der(*der);
    REQUIRE(key.ok());
    REQUIRE(tohex(key->public_key()) == expected_pub);
    SeededRng rng(5);
    uint8_t digest[32] = {1, 2, 3};
    uint8_t sig[kMaxEcdsaSigDerSize];
    auto n = key->sign_digest(digest, sig, rng);
    REQUIRE(n.ok());
    REQUIRE(ecdsa_p256_verify(key->public_key(), digest, Bytes(sig, *n)).ok());
  }
  // The same scalar on P-384: well-formed but not P-256.
  auto p384 = unhex(
      "3081b6020100301006072a8648ce3d020106052b8104002204819e30819b020101043000000000000000000000000000000000c8"
      "8f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433a16403620004d8ab903c79ffbb75a816745578dc"
      "eca8a19f8fe6f39054dbefcd791c7381c5f0646f9096bdc3b67654af53ea6df0105317d6a9910778c8cd12708421a7121840a3"
      "83e21408aaa42f33231deb0810aceb5fe5ee368c13ee7906bf20087b5104c5");
  REQUIRE(EcdsaP256Key::from_der(p384).error().code == Errc::unsupported);
  std::vector<uint8_t> truncated(pkcs8.begin(), pkcs8.end() - 10);
  REQUIRE(EcdsaP256Key::from_der(truncated).error().code == Errc::malformed);
  REQUIRE(EcdsaP256Key::from_der(Bytes()).error().code == Errc::invalid_argument);
  REQUIRE_FALSE(EcdsaP256Key().valid());
}

TEST_CASE("Ecdh::regenerate makes a fresh pair in place; clear() empties it") {
  SeededRng rng(5);
  Ecdh e;
  REQUIRE(e.regenerate(EcdhGroup::p256, rng).ok());
  REQUIRE(e.group() == EcdhGroup::p256);
  REQUIRE(e.public_key().size() == 65);
  std::vector<uint8_t> first(e.public_key().begin(), e.public_key().end());
  // A second call replaces the pair: a new public key that still agrees with a peer.
  REQUIRE(e.regenerate(EcdhGroup::p256, rng).ok());
  REQUIRE_FALSE(bytes_equal(e.public_key(), first));
  auto peer = Ecdh::generate(EcdhGroup::p256, rng);
  REQUIRE(peer.ok());
  Secret<32> s1, s2;
  REQUIRE(e.compute_shared(peer->public_key(), s1, rng).ok());
  REQUIRE(peer->compute_shared(e.public_key(), s2, rng).ok());
  REQUIRE(bytes_equal(s1.expose(), s2.expose()));
  // A group that is not built in is refused and leaves the pair as it was.
  if (!ecdh_group_available(EcdhGroup::x25519)) {
    std::vector<uint8_t> kept(e.public_key().begin(), e.public_key().end());
    REQUIRE(e.regenerate(EcdhGroup::x25519, rng).error().code == Errc::unsupported);
    REQUIRE(bytes_equal(e.public_key(), kept));
  }
  e.clear();
  REQUIRE(e.public_key().empty());
  Secret<32> s;
  REQUIRE(e.compute_shared(peer->public_key(), s, rng).error().code == Errc::invalid_state);
}
