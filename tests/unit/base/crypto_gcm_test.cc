// AES-GCM at every length that exercises a different code path of the
// AES-NI/PCLMULQDQ implementation (aes_gcm_x86.cc): empty, partial first
// block, exact blocks and long records; then 1000 random cases (lengths
// around the 128-byte batch boundary among them) cross-checked against
// mbedTLS's own mbedtls_gcm (the path AesGcm used before, and still uses for
// AES-192 and on CPUs without AES-NI).
#include "base/crypto/cipher.h"
#include "base/crypto/hash.h"

#include "crypto_test_util.h"

#include <catch2/catch.hpp>

#include <mbedtls/gcm.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::crypto;
using crypto_test::tohex;
using crypto_test::unhex;

namespace {

std::vector<uint8_t> pattern(size_t n, int mul, int add) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * mul + add);
  return v;
}

std::string sha256_hex(Bytes b) {
  uint8_t d[32];
  hash(HashAlg::sha256, b, d);
  return tohex(d);
}

struct LengthVector {
  size_t len;
  const char* ct_sha256;  // SHA-256 of the ciphertext keeps long vectors short
  const char* tag;
};

// Expected values from OpenSSL 3 (Python `cryptography` AESGCM), an
// implementation independent of both mbedTLS and ours. Key, IV and AAD are
// those of McGrew & Viega test cases 4 (AES-128) and 16 (AES-256); the
// plaintext byte i is (7i + 3) mod 256.
const char* kIv = "cafebabefacedbaddecaf888";
const char* kAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const char* kKey128 = "feffe9928665731c6d6a8f9467308308";
const char* kKey256 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";

const LengthVector kLengths128[] = {
    {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "346434fd51d5cd0c5887ec63e39b907a"},
    {1, "79bec7ff3e69d1b470eb8684f2005a867a7980222474cbc1afd26a9a4f206d4a", "3106030d4fd6ce97b14e0d17b29f5c89"},
    {15, "2ef9e6a4d358406695174c304d079787c9160cab8faf7cd1d43bc655a0d15037", "be96e0d8c46c1b6df445ee63801bb8ca"},
    {16, "e6d042446c7f552d410fdeb80534fd019f855d0905c6ca56d1b4539a4cb4d0f4", "d7b90a9626b5dde58c03fedfb6484727"},
    {17, "82a7d2254668980252433cd12968746d62230e6f52488c82deb027c21e737ade", "d9cc549d394bb9d2081e9d691bfde920"},
    {63, "26ecd75e6348f51aa1bd9eb11c1bc368d4362e19a7163ad3bb962bd936665bb1", "21b1e056ac7ad1f276ccbbc5835e9ba0"},
    {64, "7659a635403943c9523e676a5bcbd3abf10f9ca0a3736a93c31cdf1908f8c211", "7f3940e4aa52ce59b536f12dcf8a2ef1"},
    {65, "c7c230602c32e8d709397b7ec0c3db29f60113cdc6d6679f2fcd1533309d9e56", "f907cd1f46f89621112916402dec0dc4"},
    {1200, "5620d0b6b8c7ecd319bcbc8e18f663a150fcfa7e712ba9af38b4a0efb18a8140", "1ec270bc2924564022f208451a6303f9"},
    {16384, "c8e22d9b6d60797d9b22b4f0c1998dac71f46cfd6c4e3c697c9ffc4423090b5c", "7d765596b3bf4a4a9b36caf46c1c6e30"},
};

const LengthVector kLengths256[] = {
    {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "9f6be07603c0b0bd1272854063e9c9ba"},
    {1, "4f362f9093bb8e7012f466224ff1237c0746d8c8f660b16699f5036ccba9c64a", "ff616e035d38b2707f099f7af03bfb67"},
    {15, "bfdaf61f897f7f4c7e27716e93a66c1583a5a692133dd0f72e8689bf01c13610", "5eacfcaa334c7caea3ac30de1a3090b9"},
    {16, "61218dc33d286bebccc30aa328ed283b955371ccac3109c9188aebb9c5c9173d", "4db605a4994a33b08256aea41ff28264"},
    {17, "c62afde6ba9cfbf38e2bae1d79d4bac2d454c880e7b381f73ddca99f288d2880", "cf08a5e691bef4ab5489aa9fed722de7"},
    {63, "6bbee15e987bfb3039e415ad5a1d5b3ab6b37acb87f17565c73d6856fae6bbef", "1ca52524296f823c347e1c85405cb4d2"},
    {64, "a6d272c9f39c04ccfa71623677dd238fd5b404fadee0a6b3cfd51f2d7ffcd354", "05b1dd9955eb380f1c02efcb33364ab7"},
    {65, "88d86bb2cc8c4e2f342886475e2dc906a8be94416d111d04fb3892aca50bf9f8", "e370d40974625f80646af79d04dd4be4"},
    {1200, "f05d9cb02556dbfb0ef58c2523827e42372f8e0841a9efa9a2db90a87388a883", "4d451d51af668fae03f6a62c40308290"},
    {16384, "be023cb28e18b8c9a4b459803ddb40dde008a6379699bbc0a4aff9e67ada95a2", "ddec1edc95a56ac7b081ddc2c7ae3c80"},
};

// Same keys and IV, 17-byte plaintext, AAD byte i = (13i + 5) mod 256 of
// these lengths (AAD is hashed in its own 8-block batches and tail).
struct AadVector {
  size_t aad_len;
  const char* tag;
};
const char* kCt17With128 = "98b83dffc6d55ff5d56961227c7b976a16";
const AadVector kAad128[] = {
    {0, "5fca7e91882207097119188b2e5a3664"},   {1, "2e928330b13ad931b147e2a6d78576bd"},
    {16, "cf8c31af800c4ab528e14aaeeea84c30"},  {17, "e7c6ed5e3e4c3fa5d24eba61bdd6b96e"},
    {129, "8001b2bb5b2cfc8834c6e2c677186e2b"}, {300, "8e00a251713fe10e24d356650b01913c"},
};
const char* kCt17With256 = "8816e2cd7ef456d66a647736d22f018b91";
const AadVector kAad256[] = {
    {0, "35548f639f376648367fef845e8a1606"},   {1, "243a7f2c1141b1fa27c74863d89695cc"},
    {16, "5c88c2ece3f7d3d9ccca466c3663826b"},  {17, "8f6b6a796307fe5edfe6b2dcf0fbb1a2"},
    {129, "4375eb0bd34d27c70cdb975fa600f04f"}, {300, "74e049c161515ed2e1156ff81c6a9c7b"},
};

void check_lengths(const char* key_hex, const LengthVector* vectors, size_t count) {
  AesGcm gcm;
  REQUIRE(gcm.set_key(unhex(key_hex)).ok());
  const auto iv = unhex(kIv);
  const auto aad = unhex(kAad);
  for (size_t i = 0; i < count; ++i) {
    const LengthVector& v = vectors[i];
    INFO("length " << v.len);
    const auto pt = pattern(v.len, 7, 3);
    auto buf = pt;
    uint8_t tag[kAeadTagSize];
    REQUIRE(gcm.seal(iv, aad, buf, tag).ok());
    CHECK(sha256_hex(buf) == v.ct_sha256);
    CHECK(tohex(tag) == v.tag);
    REQUIRE(gcm.open(iv, aad, buf, tag).ok());
    CHECK(buf == pt);
  }
}

void check_aad_lengths(const char* key_hex, const char* ct_hex, const AadVector* vectors, size_t count) {
  AesGcm gcm;
  REQUIRE(gcm.set_key(unhex(key_hex)).ok());
  const auto iv = unhex(kIv);
  const auto pt = pattern(17, 7, 3);
  for (size_t i = 0; i < count; ++i) {
    INFO("AAD length " << vectors[i].aad_len);
    const auto aad = pattern(vectors[i].aad_len, 13, 5);
    auto buf = pt;
    uint8_t tag[kAeadTagSize];
    REQUIRE(gcm.seal(iv, aad, buf, tag).ok());
    CHECK(tohex(buf) == ct_hex);
    CHECK(tohex(tag) == vectors[i].tag);
    REQUIRE(gcm.open(iv, aad, buf, tag).ok());
    CHECK(buf == pt);
  }
}

}  // namespace

TEST_CASE("AES-GCM uses AES-NI/PCLMULQDQ whenever this CPU has them") {
#if defined(__x86_64__)
  const bool cpu_has = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") &&
                       __builtin_cpu_supports("sse4.1");
  CHECK(AesGcm::accelerated() == cpu_has);
#else
  CHECK_FALSE(AesGcm::accelerated());
#endif
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B,
// test cases 1 and 13: empty plaintext and AAD, all-zero key and IV.
static void check_empty_message_vectors() {
  AesGcm gcm;
  uint8_t tag[kAeadTagSize];
  const std::vector<uint8_t> iv(12, 0);
  REQUIRE(gcm.set_key(std::vector<uint8_t>(16, 0)).ok());
  REQUIRE(gcm.seal(iv, {}, {}, tag).ok());
  CHECK(tohex(tag) == "58e2fccefa7e3061367f1d57a4e7455a");
  REQUIRE(gcm.open(iv, {}, {}, tag).ok());
  REQUIRE(gcm.set_key(std::vector<uint8_t>(32, 0)).ok());
  REQUIRE(gcm.seal(iv, {}, {}, tag).ok());
  CHECK(tohex(tag) == "530f8afbc74536b9a963b4f1c4cb738b");
  tag[0] ^= 1;
  CHECK(gcm.open(iv, {}, {}, tag).error().code == Errc::auth_failed);
}

TEST_CASE("AES-GCM McGrew-Viega test cases 1 and 13 (empty message)") { check_empty_message_vectors(); }

TEST_CASE("AES-128-GCM at lengths 0, 1, 15, 16, 17, 63, 64, 65, 1200, 16384 with 20-byte AAD") {
  check_lengths(kKey128, kLengths128, std::size(kLengths128));
}

TEST_CASE("AES-256-GCM at lengths 0, 1, 15, 16, 17, 63, 64, 65, 1200, 16384 with 20-byte AAD") {
  check_lengths(kKey256, kLengths256, std::size(kLengths256));
}

TEST_CASE("AES-GCM with AAD of 0, 1, 16, 17, 129 and 300 bytes") {
  check_aad_lengths(kKey128, kCt17With128, kAad128, std::size(kAad128));
  check_aad_lengths(kKey256, kCt17With256, kAad256, std::size(kAad256));
}

TEST_CASE("AES-GCM open of a forged record fails and leaves no plaintext behind") {
  AesGcm gcm;
  REQUIRE(gcm.set_key(unhex(kKey128)).ok());
  const auto iv = unhex(kIv);
  const auto pt = pattern(1200, 7, 3);
  auto buf = pt;
  uint8_t tag[kAeadTagSize];
  REQUIRE(gcm.seal(iv, {}, buf, tag).ok());
  buf[700] ^= 0x01;
  REQUIRE(gcm.open(iv, {}, buf, tag).error().code == Errc::auth_failed);
  // Both paths (ours and mbedTLS's) wipe the output on a tag mismatch.
  CHECK(buf == std::vector<uint8_t>(1200, 0));
}

// 1000 random (key size, key, IV, AAD, length) cases: AesGcm must produce
// mbedtls_gcm's ciphertext and tag byte for byte, open what it sealed, and
// reject a flipped bit in the tag, the ciphertext or the AAD. One AesGcm is
// rekeyed throughout (switching between AES-NI and mbedTLS for 24-byte
// keys), and buffers start at every alignment.
namespace {
void compare_with_mbedtls_gcm(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto byte = [&] { return uint8_t(rng()); };
  auto below = [&](size_t n) { return size_t(rng() % n); };
  const size_t kSpecial[] = {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 1200, 16384};

  AesGcm gcm;
  mbedtls_gcm_context ref;
  std::vector<uint8_t> storage(16384 + 64 + 16);
  for (int iter = 0; iter < 1000; ++iter) {
    const size_t key_sizes[] = {16, 32, 16, 32, 24};
    const size_t key_len = key_sizes[below(5)];
    std::vector<uint8_t> key(key_len), iv(12);
    for (auto& b : key) b = byte();
    for (auto& b : iv) b = byte();
    const size_t aad_len = below(4) == 0 ? 0 : below(300);
    std::vector<uint8_t> aad(aad_len);
    for (auto& b : aad) b = byte();
    size_t len = below(3) == 0 ? kSpecial[below(std::size(kSpecial))] : below(2100);
    if (below(50) == 0) len = 16384 + below(64);
    const size_t offset = below(16);
    MutBytes buf(storage.data() + offset, len);
    std::vector<uint8_t> pt(len);
    for (auto& b : pt) b = byte();
    INFO("iteration " << iter << " key " << key_len << " aad " << aad_len << " len " << len << " offset " << offset);

    std::vector<uint8_t> ref_ct(len);
    uint8_t ref_tag[16];
    mbedtls_gcm_init(&ref);
    REQUIRE(mbedtls_gcm_setkey(&ref, MBEDTLS_CIPHER_ID_AES, key.data(), unsigned(key_len * 8)) == 0);
    REQUIRE(mbedtls_gcm_crypt_and_tag(&ref, MBEDTLS_GCM_ENCRYPT, len, iv.data(), 12, aad.data(), aad_len,
                                      pt.data(), ref_ct.data(), 16, ref_tag) == 0);
    mbedtls_gcm_free(&ref);

    REQUIRE(gcm.set_key(key).ok());
    if (len) std::memcpy(buf.data(), pt.data(), len);
    uint8_t tag[kAeadTagSize];
    REQUIRE(gcm.seal(iv, aad, buf, tag).ok());
    REQUIRE(std::equal(buf.begin(), buf.end(), ref_ct.begin()));
    REQUIRE(std::memcmp(tag, ref_tag, 16) == 0);

    REQUIRE(gcm.open(iv, aad, buf, tag).ok());
    REQUIRE(std::equal(buf.begin(), buf.end(), pt.begin()));

    // One forgery per case, rotating through tag, ciphertext and AAD.
    if (len) std::memcpy(buf.data(), ref_ct.data(), len);
    switch (iter % 3) {
      case 0:
        tag[below(16)] ^= uint8_t(1u << below(8));
        break;
      case 1:
        if (len) {
          buf[below(len)] ^= uint8_t(1u << below(8));
        } else {
          tag[15] ^= 0x80;
        }
        break;
      default:
        if (aad_len) {
          aad[below(aad_len)] ^= uint8_t(1u << below(8));
        } else {
          aad.push_back(0);
        }
        break;
    }
    REQUIRE(gcm.open(iv, aad, buf, tag).error().code == Errc::auth_failed);
  }
}
}  // namespace

TEST_CASE("AES-GCM matches mbedtls_gcm on 1000 random cases") { compare_with_mbedtls_gcm(20261124); }

// The portable GCM (cipher.cc), which every non-x86 target runs, forced on
// for 16- and 32-byte keys too: the same checks as above.
TEST_CASE("portable AES-GCM: McGrew-Viega vectors, lengths, AAD, forgery, 1000 random cases against mbedtls_gcm") {
  detail::gcm_force_portable = true;
  struct Restore {
    ~Restore() { detail::gcm_force_portable = false; }
  } restore;
  check_empty_message_vectors();
  AesGcm gcm;
  uint8_t tag[kAeadTagSize];
  check_lengths(kKey128, kLengths128, std::size(kLengths128));
  check_lengths(kKey256, kLengths256, std::size(kLengths256));
  check_aad_lengths(kKey128, kCt17With128, kAad128, std::size(kAad128));
  check_aad_lengths(kKey256, kCt17With256, kAad256, std::size(kAad256));

  REQUIRE(gcm.set_key(unhex(kKey128)).ok());
  const auto iv2 = unhex(kIv);
  auto buf = pattern(1200, 7, 3);
  REQUIRE(gcm.seal(iv2, {}, buf, tag).ok());
  buf[700] ^= 0x01;
  REQUIRE(gcm.open(iv2, {}, buf, tag).error().code == Errc::auth_failed);
  CHECK(buf == std::vector<uint8_t>(1200, 0));

  compare_with_mbedtls_gcm(777);
}
