// TLS 1.2 PRF and key schedule known answers.
#include "dtls/key_schedule.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::dtls;

namespace {
std::vector<uint8_t> unhex(std::string_view s) {
  std::vector<uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
  return out;
}
}  // namespace

// The P_SHA256 / P_SHA384 vectors posted to the IETF TLS list ("TLS 1.2 PRF
// test vectors", msg03416), also in GnuTLS's and Botan's test suites.
TEST_CASE("TLS 1.2 PRF P_SHA256 known answer (RFC 5246 §5)") {
  auto secret = unhex("9bbe436ba940f017b17652849a71db35");
  auto seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
  auto want = unhex(
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
      "87347b66");
  std::vector<uint8_t> out(100);
  tls12_prf(crypto::HashAlg::sha256, secret, "test label", seed, {}, out);
  CHECK(out == want);

  // The seed may be passed in two parts (client_random + server_random).
  std::vector<uint8_t> split(100);
  tls12_prf(crypto::HashAlg::sha256, secret, "test label", Bytes(seed).first(5), Bytes(seed).subspan(5), split);
  CHECK(split == want);

  // P_hash is a stream: a shorter output is a prefix.
  std::vector<uint8_t> shorter(31);
  tls12_prf(crypto::HashAlg::sha256, secret, "test label", seed, {}, shorter);
  CHECK(std::vector<uint8_t>(want.begin(), want.begin() + 31) == shorter);
}

TEST_CASE("TLS 1.2 PRF P_SHA384 known answer (RFC 5246 §5)") {
  auto secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
  auto seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
  auto want = unhex(
      "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
      "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
      "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
      "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
      "91c8f3a26854308d5eaa3be85e0990703d73e56f");
  std::vector<uint8_t> out(148);
  tls12_prf(crypto::HashAlg::sha384, secret, "test label", seed, {}, out);
  CHECK(out == want);
}

TEST_CASE("key schedule: master secret, key block, verify_data and exporter are PRF slices") {
  // Each derived value is defined as PRF(secret, label, seed)[0..n]; check the
  // wiring (labels, seed order, slicing) against direct PRF calls.
  std::vector<uint8_t> pms(32, 0x11), session_hash(32, 0x22), cr(32, 0x33), sr(32, 0x44);
  Secret<kMasterSecretSize> ms;
  derive_extended_master_secret(crypto::HashAlg::sha256, pms, session_hash, ms);
  std::vector<uint8_t> direct(48);
  tls12_prf(crypto::HashAlg::sha256, pms, "extended master secret", session_hash, {}, direct);
  CHECK(bytes_equal(ms.expose(), direct));

  // key_block = PRF(ms, "key expansion", server_random + client_random):
  // client key, server key, client IV, server IV.
  TrafficKeys keys;
  derive_traffic_keys(*suite_params(0xC02B), ms.expose(), cr, sr, keys);
  std::vector<uint8_t> block(40);
  tls12_prf(crypto::HashAlg::sha256, ms.expose(), "key expansion", sr, cr, block);
  CHECK(bytes_equal(keys.client_write_key.expose(), Bytes(block).subspan(0, 16)));
  CHECK(bytes_equal(keys.server_write_key.expose(), Bytes(block).subspan(16, 16)));
  CHECK(bytes_equal(keys.client_write_iv.expose(), Bytes(block).subspan(32, 4)));
  CHECK(bytes_equal(keys.server_write_iv.expose(), Bytes(block).subspan(36, 4)));

  // ChaCha20-Poly1305: 32-byte keys and 12-byte IVs (RFC 7905 §2).
  derive_traffic_keys(*suite_params(0xCCA9), ms.expose(), cr, sr, keys);
  CHECK(keys.client_write_key.size() == 32);
  CHECK(keys.server_write_iv.size() == 12);

  uint8_t vd[12];
  compute_verify_data(crypto::HashAlg::sha256, ms.expose(), true, session_hash, vd);
  std::vector<uint8_t> vd_direct(12);
  tls12_prf(crypto::HashAlg::sha256, ms.expose(), "client finished", session_hash, {}, vd_direct);
  CHECK(bytes_equal(Bytes(vd, 12), vd_direct));
  compute_verify_data(crypto::HashAlg::sha256, ms.expose(), false, session_hash, vd);
  tls12_prf(crypto::HashAlg::sha256, ms.expose(), "server finished", session_hash, {}, vd_direct);
  CHECK(bytes_equal(Bytes(vd, 12), vd_direct));
}

TEST_CASE("SRTP keying material layout (RFC 5764 §4.2)") {
  std::vector<uint8_t> ms(48, 0x5a), cr(32, 1), sr(32, 2);
  struct P {
    SrtpProfile profile;
    size_t key, salt;
  };
  for (P p : {P{SrtpProfile::aes128_cm_hmac_sha1_80, 16, 14}, P{SrtpProfile::aes128_cm_hmac_sha1_32, 16, 14},
              P{SrtpProfile::aead_aes_128_gcm, 16, 12}, P{SrtpProfile::aead_aes_256_gcm, 32, 12}}) {
    SrtpKeyingMaterial km;
    REQUIRE(derive_srtp_keys(crypto::HashAlg::sha256, ms, cr, sr, uint16_t(p.profile), km).ok());
    std::vector<uint8_t> all(2 * (p.key + p.salt));
    tls12_prf(crypto::HashAlg::sha256, ms, "EXTRACTOR-dtls_srtp", cr, sr, all);
    Bytes a(all);
    CHECK(bytes_equal(km.client_write_key.expose(), a.subspan(0, p.key)));
    CHECK(bytes_equal(km.server_write_key.expose(), a.subspan(p.key, p.key)));
    CHECK(bytes_equal(km.client_write_salt.expose(), a.subspan(2 * p.key, p.salt)));
    CHECK(bytes_equal(km.server_write_salt.expose(), a.subspan(2 * p.key + p.salt, p.salt)));
  }
  SrtpKeyingMaterial km;
  CHECK(!derive_srtp_keys(crypto::HashAlg::sha256, ms, cr, sr, 0x0003, km).ok());
}
