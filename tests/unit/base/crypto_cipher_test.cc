// Known-answer tests for base/crypto/cipher.h: AES-ECB, AES-CTR, AES-GCM, ChaCha20-Poly1305.
#include "base/crypto/cipher.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

// FIPS-197 Appendix C.1 (AES-128).
TEST_CASE("AES-128 ECB FIPS-197 C.1") {
  AesEcb aes;
  REQUIRE(aes.set_key(unhex("000102030405060708090a0b0c0d0e0f")).ok());
  auto pt = unhex("00112233445566778899aabbccddeeff");
  uint8_t ct[16];
  aes.encrypt_block(pt.data(), ct);
  REQUIRE(tohex(ct) == "69c4e0d86a7b0430d8cdb78070b4c55a");
}

// FIPS-197 Appendix C.3 (AES-256).
TEST_CASE("AES-256 ECB FIPS-197 C.3") {
  AesEcb aes;
  REQUIRE(aes.set_key(unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")).ok());
  auto pt = unhex("00112233445566778899aabbccddeeff");
  uint8_t ct[16];
  aes.encrypt_block(pt.data(), ct);
  REQUIRE(tohex(ct) == "8ea2b7ca516745bfeafc49904b496089");
}

TEST_CASE("AES rejects bad key sizes") {
  AesEcb aes;
  REQUIRE(aes.set_key(unhex("0001020304050607")).error().code == Errc::invalid_argument);
  AesGcm gcm;
  REQUIRE(gcm.set_key(Bytes()).error().code == Errc::invalid_argument);
}

// NIST SP 800-38A F.5.1 CTR-AES128.Encrypt (and F.5.2 Decrypt: the same operation).
TEST_CASE("AES-128 CTR SP 800-38A F.5.1") {
  AesCtr ctr;
  REQUIRE(ctr.set_key(unhex("2b7e151628aed2a6abf7158809cf4f3c")).ok());
  auto iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  auto data = unhex(
      "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
  ctr.apply(iv.data(), data);
  REQUIRE(tohex(data) ==
          "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
          "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
  // Decrypting a partial trailing block: 20 bytes.
  auto part = unhex("874d6191b620e3261bef6864990db6ce9806f66b");
  ctr.apply(iv.data(), part);
  REQUIRE(tohex(part) == "6bc1bee22e409f96e93d7e117393172aae2d8a57");
}

TEST_CASE("AES-CTR increments the whole 128-bit block (RFC 3711 §4.1.1), carrying past 64 bits") {
  AesCtr ctr;
  REQUIRE(ctr.set_key(unhex("2b7e151628aed2a6abf7158809cf4f3c")).ok());
  // Counter 00000000ffff…ff, then 00000001000…0, then 00000001000…01.
  auto iv = unhex("00000000ffffffffffffffffffffffff");
  std::vector<uint8_t> data(48, 0);
  ctr.apply(iv.data(), data);
  // Keystream cross-checked with the ECB encryptions of the two counter values
  // (Python cryptography, OpenSSL).
  REQUIRE(tohex(Bytes(data).first(32)) ==
          "336a7235c646aeba3b31d2982a4f0bc4dae602999b23f811a58d3bc784fc61a9");
  AesEcb ecb;
  REQUIRE(ecb.set_key(unhex("2b7e151628aed2a6abf7158809cf4f3c")).ok());
  auto c2 = unhex("00000001000000000000000000000001");
  uint8_t ks[16];
  ecb.encrypt_block(c2.data(), ks);
  REQUIRE(tohex(Bytes(data).subspan(32)) == tohex(ks));
}

namespace {
const char* kGcmP =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";

// Seals `pt` and checks ciphertext and tag; then opens it back, and checks a
// flipped tag bit, a flipped ciphertext bit and changed AAD all fail.
template <class Aead>
void check_aead(Aead& aead, const std::vector<uint8_t>& nonce, const std::vector<uint8_t>& aad,
                const std::vector<uint8_t>& pt, const std::string& ct_hex, const std::string& tag_hex) {
  std::vector<uint8_t> buf = pt;
  uint8_t tag[kAeadTagSize];
  REQUIRE(aead.seal(nonce, aad, buf, tag).ok());
  REQUIRE(tohex(buf) == ct_hex);
  REQUIRE(tohex(tag) == tag_hex);

  std::vector<uint8_t> ct = buf;
  REQUIRE(aead.open(nonce, aad, buf, tag).ok());
  REQUIRE(buf == pt);

  uint8_t bad_tag[kAeadTagSize];
  std::copy(tag, tag + kAeadTagSize, bad_tag);
  bad_tag[15] ^= 1;
  buf = ct;
  REQUIRE(aead.open(nonce, aad, buf, bad_tag).error().code == Errc::auth_failed);
  if (!ct.empty()) {
    buf = ct;
    buf[0] ^= 0x80;
    REQUIRE(aead.open(nonce, aad, buf, tag).error().code == Errc::auth_failed);
  }
  std::vector<uint8_t> aad2 = aad;
  aad2.push_back(0);
  buf = ct;
  REQUIRE(aead.open(nonce, aad2, buf, tag).error().code == Errc::auth_failed);
}
}  // namespace

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B,
// test cases 2, 3, 4 (AES-128) and 14, 15, 16 (AES-256).
TEST_CASE("AES-GCM McGrew-Viega test cases 2, 3, 4 (128-bit key)") {
  AesGcm gcm;
  REQUIRE(gcm.set_key(std::vector<uint8_t>(16, 0)).ok());
  check_aead(gcm, std::vector<uint8_t>(12, 0), {}, std::vector<uint8_t>(16, 0), "0388dace60b6a392f328c2b971b2fe78",
             "ab6e47d42cec13bdf53a67b21257bddf");

  REQUIRE(gcm.set_key(unhex("feffe9928665731c6d6a8f9467308308")).ok());
  auto iv = unhex("cafebabefacedbaddecaf888");
  auto p = unhex(kGcmP);
  check_aead(gcm, iv, {}, p,
             "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
             "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
             "4d5c2af327cd64a62cf35abd2ba6fab4");

  std::vector<uint8_t> p60(p.begin(), p.begin() + 60);
  check_aead(gcm, iv, unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"), p60,
             "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
             "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
             "5bc94fbc3221a5db94fae95ae7121a47");
}

TEST_CASE("AES-GCM McGrew-Viega test cases 14, 15, 16 (256-bit key)") {
  AesGcm gcm;
  REQUIRE(gcm.set_key(std::vector<uint8_t>(32, 0)).ok());
  check_aead(gcm, std::vector<uint8_t>(12, 0), {}, std::vector<uint8_t>(16, 0), "cea7403d4d606b6e074ec5d3baf39d18",
             "d0d1c8a799996bf0265b98b5d48ab919");

  REQUIRE(gcm.set_key(unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")).ok());
  auto iv = unhex("cafebabefacedbaddecaf888");
  auto p = unhex(kGcmP);
  check_aead(gcm, iv, {}, p,
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
             "b094dac5d93471bdec1a502270e3cc6c");
  std::vector<uint8_t> p60(p.begin(), p.begin() + 60);
  check_aead(gcm, iv, unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"), p60,
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
             "76fc6ece0f4e1768cddf8853bb2d551b");
}

TEST_CASE("AES-GCM API misuse: unkeyed object and wrong nonce length") {
  AesGcm gcm;
  std::vector<uint8_t> buf(4, 0);
  uint8_t tag[kAeadTagSize] = {};
  REQUIRE(gcm.seal(std::vector<uint8_t>(12, 0), {}, buf, tag).error().code == Errc::invalid_state);
  REQUIRE(gcm.set_key(std::vector<uint8_t>(16, 0)).ok());
  REQUIRE(gcm.seal(std::vector<uint8_t>(8, 0), {}, buf, tag).error().code == Errc::invalid_argument);
  REQUIRE(gcm.open(std::vector<uint8_t>(16, 0), {}, buf, tag).error().code == Errc::invalid_argument);
}

// RFC 8439 §2.8.2 AEAD_CHACHA20_POLY1305 example.
TEST_CASE("ChaCha20-Poly1305 RFC 8439 §2.8.2") {
  REQUIRE(ChaChaPoly::available());
  ChaChaPoly cp;
  std::vector<uint8_t> key;
  for (int i = 0x80; i < 0xa0; ++i) key.push_back(uint8_t(i));
  REQUIRE(cp.set_key(key).ok());
  std::string pt =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  check_aead(cp, unhex("070000004041424344454647"), unhex("50515253c0c1c2c3c4c5c6c7"),
             std::vector<uint8_t>(pt.begin(), pt.end()),
             "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
             "3ff4def08e4b7a9de576d26586cec64b6116",
             "1ae10b594f09e26a7e902ecbd0600691");
  REQUIRE(cp.set_key(std::vector<uint8_t>(16, 0)).error().code == Errc::invalid_argument);
}
