// Known-answer tests for base/crypto/hash.h: SHA-1/2 and HMAC.
#include "base/crypto/hash.h"
#include "base/crypto/md5.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

namespace {

std::string hash_hex(HashAlg alg, Bytes data) {
  uint8_t out[kMaxHashSize];
  hash(alg, data, out);
  return tohex(Bytes(out, hash_size(alg)));
}

std::string hmac_hex(HashAlg alg, Bytes key, Bytes data) {
  uint8_t out[kMaxHashSize];
  hmac(alg, key, data, out);
  return tohex(Bytes(out, hash_size(alg)));
}

const char* kAbc = "abc";
// The 448-bit (two-block for SHA-1/256) message of the FIPS 180 examples.
const char* kMsg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
// The 896-bit (two-block for SHA-384/512) message.
const char* kMsg896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

}  // namespace

TEST_CASE("hash sizes and SDP names (RFC 8122 / IANA hash function textual names)") {
  REQUIRE(hash_size(HashAlg::sha1) == 20);
  REQUIRE(hash_size(HashAlg::sha256) == 32);
  REQUIRE(hash_size(HashAlg::sha384) == 48);
  REQUIRE(hash_size(HashAlg::sha512) == 64);
  REQUIRE(std::string(hash_name(HashAlg::sha1)) == "sha-1");
  REQUIRE(std::string(hash_name(HashAlg::sha256)) == "sha-256");
  REQUIRE(std::string(hash_name(HashAlg::sha384)) == "sha-384");
  REQUIRE(std::string(hash_name(HashAlg::sha512)) == "sha-512");
}

// FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values":
// SHA1.pdf, SHA256.pdf, SHA384.pdf, SHA512.pdf).
TEST_CASE("SHA-1 FIPS 180 examples") {
  REQUIRE(hash_hex(HashAlg::sha1, as_bytes(kAbc)) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  REQUIRE(hash_hex(HashAlg::sha1, as_bytes(kMsg448)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

// SHA-1 and SHA-256 are our own code (md32.cc): every length from 0 to 300
// (each padding case: 55, 56, 63, 64 bytes left in the last block...),
// one-shot and fed in pieces, against mbedTLS; and the FIPS 180
// one-million-'a' examples.
TEST_CASE("SHA-1 and SHA-256 match mbedTLS at lengths 0-300, in one piece and in pieces") {
  std::vector<uint8_t> msg(300);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = uint8_t(i * 37 + 11);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256}) {
    const size_t hs = hash_size(alg);
    for (size_t n = 0; n <= msg.size(); ++n) {
      uint8_t ref[32];
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
      REQUIRE((alg == HashAlg::sha1 ? mbedtls_sha1(msg.data(), n, ref) : mbedtls_sha256(msg.data(), n, ref, 0)) == 0);
#else
      REQUIRE((alg == HashAlg::sha1 ? mbedtls_sha1_ret(msg.data(), n, ref) : mbedtls_sha256_ret(msg.data(), n, ref, 0)) ==
              0);
#endif
      INFO(hash_name(alg) << " length " << n);
      REQUIRE(hash_hex(alg, Bytes(msg.data(), n)) == tohex(Bytes(ref, hs)));
      Hasher h(alg);
      for (size_t at = 0; at < n;) {
        const size_t step = std::min(n - at, (at % 7) * 9 + 1);
        h.update(Bytes(msg.data() + at, step));
        at += step;
      }
      uint8_t out[32];
      h.finish(out);
      REQUIRE(tohex(Bytes(out, hs)) == tohex(Bytes(ref, hs)));
    }
  }
  std::vector<uint8_t> million(1000000, 'a');
  REQUIRE(hash_hex(HashAlg::sha1, million) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  REQUIRE(hash_hex(HashAlg::sha256, million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// RFC 1321 §A.5 test suite.
TEST_CASE("MD5 RFC 1321 test suite") {
  auto md5_hex = [](std::string_view s) {
    uint8_t d[kMd5Size];
    md5(as_bytes(s), d);
    return tohex(Bytes(d, kMd5Size));
  };
  REQUIRE(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  REQUIRE(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
  REQUIRE(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  REQUIRE(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  REQUIRE(md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  REQUIRE(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
  REQUIRE(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("SHA-256 FIPS 180 examples") {
  REQUIRE(hash_hex(HashAlg::sha256, as_bytes(kAbc)) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(hash_hex(HashAlg::sha256, as_bytes(kMsg448)) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  REQUIRE(hash_hex(HashAlg::sha256, Bytes()) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("SHA-384 FIPS 180 examples") {
  REQUIRE(hash_hex(HashAlg::sha384, as_bytes(kAbc)) ==
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
          "8086072ba1e7cc2358baeca134c825a7");
  REQUIRE(hash_hex(HashAlg::sha384, as_bytes(kMsg448)) ==
          "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6"
          "b0455a8520bc4e6f5fe95b1fe3c8452b");
  REQUIRE(hash_hex(HashAlg::sha384, as_bytes(kMsg896)) ==
          "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
          "fcc7c71a557e2db966c3e9fa91746039");
}

TEST_CASE("SHA-512 FIPS 180 examples") {
  REQUIRE(hash_hex(HashAlg::sha512, as_bytes(kAbc)) ==
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  REQUIRE(hash_hex(HashAlg::sha512, as_bytes(kMsg448)) ==
          "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
          "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445");
  REQUIRE(hash_hex(HashAlg::sha512, as_bytes(kMsg896)) ==
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
          "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST_CASE("Hasher: incremental equals one-shot; a copy is a snapshot of the transcript") {
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    std::string msg(kMsg896);
    Hasher h(alg);
    h.update(as_bytes(std::string_view(msg).substr(0, 3)));
    // Snapshot after "abc": finishing the copy gives SHA("abc") and must not disturb h.
    Hasher snap(h);
    uint8_t out[kMaxHashSize];
    snap.finish(out);
    REQUIRE(tohex(Bytes(out, hash_size(alg))) == hash_hex(alg, as_bytes(msg.substr(0, 3))));
    // Feed the rest byte-irregularly across block boundaries.
    size_t pos = 3;
    for (size_t step = 1; pos < msg.size(); step = step * 2 + 1) {
      size_t n = std::min(step, msg.size() - pos);
      h.update(as_bytes(std::string_view(msg).substr(pos, n)));
      pos += n;
    }
    Hasher assigned(HashAlg::sha1);
    assigned = h;
    h.finish(out);
    REQUIRE(tohex(Bytes(out, hash_size(alg))) == hash_hex(alg, as_bytes(msg)));
    assigned.finish(out);
    REQUIRE(tohex(Bytes(out, hash_size(alg))) == hash_hex(alg, as_bytes(msg)));
    REQUIRE(assigned.alg() == alg);
    REQUIRE(assigned.size() == hash_size(alg));
  }
}

// RFC 2202 §3 (HMAC-SHA-1) test cases 1, 2, 3 and 6.
TEST_CASE("HMAC-SHA-1 RFC 2202 test cases") {
  std::vector<uint8_t> k1(20, 0x0b), k3(20, 0xaa), k6(80, 0xaa), d3(50, 0xdd);
  REQUIRE(hmac_hex(HashAlg::sha1, k1, as_bytes("Hi There")) == "b617318655057264e28bc0b6fb378c8ef146be00");
  REQUIRE(hmac_hex(HashAlg::sha1, as_bytes("Jefe"), as_bytes("what do ya want for nothing?")) ==
          "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  REQUIRE(hmac_hex(HashAlg::sha1, k3, d3) == "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  REQUIRE(hmac_hex(HashAlg::sha1, k6, as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

// RFC 4231 §4.2, §4.3, §4.4 and §4.7 (test cases 1, 2, 3, 6).
TEST_CASE("HMAC-SHA-256/384/512 RFC 4231 test cases") {
  std::vector<uint8_t> k1(20, 0x0b), k3(20, 0xaa), k6(131, 0xaa), d3(50, 0xdd);
  auto d1 = as_bytes("Hi There");
  auto k2 = as_bytes("Jefe");
  auto d2 = as_bytes("what do ya want for nothing?");
  auto d6 = as_bytes("Test Using Larger Than Block-Size Key - Hash Key First");

  REQUIRE(hmac_hex(HashAlg::sha256, k1, d1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  REQUIRE(hmac_hex(HashAlg::sha256, k2, d2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  REQUIRE(hmac_hex(HashAlg::sha256, k3, d3) == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  REQUIRE(hmac_hex(HashAlg::sha256, k6, d6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

  REQUIRE(hmac_hex(HashAlg::sha384, k1, d1) ==
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
  REQUIRE(hmac_hex(HashAlg::sha384, k2, d2) ==
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
  REQUIRE(hmac_hex(HashAlg::sha384, k3, d3) ==
          "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27");
  REQUIRE(hmac_hex(HashAlg::sha384, k6, d6) ==
          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952");

  REQUIRE(hmac_hex(HashAlg::sha512, k1, d1) ==
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
          "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  REQUIRE(hmac_hex(HashAlg::sha512, k2, d2) ==
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  REQUIRE(hmac_hex(HashAlg::sha512, k6, d6) ==
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
          "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST_CASE("Hmac object: incremental, reusable after finish and after reset") {
  // RFC 4231 test case 2, fed in pieces, twice with the same key object.
  Hmac h(HashAlg::sha256, as_bytes("Jefe"));
  uint8_t out[32];
  for (int round = 0; round < 2; ++round) {
    h.update(as_bytes("what do ya "));
    h.update(as_bytes("want for nothing?"));
    h.finish(out);
    REQUIRE(tohex(out) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    h.reset();
  }
  // reset() discards a partly fed message.
  h.update(as_bytes("garbage"));
  h.reset();
  h.update(as_bytes("what do ya want for nothing?"));
  h.finish(out);
  REQUIRE(tohex(out) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  REQUIRE(h.size() == 32);
}

TEST_CASE("HMAC with an empty key and empty data") {
  // Cross-checked with Python's hmac module (OpenSSL).
  REQUIRE(hmac_hex(HashAlg::sha256, Bytes(), Bytes()) ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
