#include "dtls/key_schedule.h"

#include <algorithm>
#include <cstring>

namespace sansrtc::dtls {

// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//                        HMAC_hash(secret, A(2) + seed) + ...
// A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))         (RFC 5246 §5)
void tls12_prf(crypto::HashAlg alg, Bytes secret, std::string_view label, Bytes seed1, Bytes seed2, MutBytes out) {
  crypto::Hmac hmac(alg, secret);
  const size_t hlen = hmac.size();
  uint8_t a[crypto::kMaxHashSize];
  uint8_t block[crypto::kMaxHashSize];
  hmac.update(as_bytes(label));
  hmac.update(seed1);
  hmac.update(seed2);
  hmac.finish(a);
  hmac.reset();
  size_t pos = 0;
  while (pos < out.size()) {
    hmac.update(Bytes(a, hlen));
    hmac.update(as_bytes(label));
    hmac.update(seed1);
    hmac.update(seed2);
    hmac.finish(block);
    hmac.reset();
    size_t n = std::min(hlen, out.size() - pos);
    std::memcpy(out.data() + pos, block, n);
    pos += n;
    if (pos < out.size()) {
      hmac.update(Bytes(a, hlen));
      hmac.finish(a);
      hmac.reset();
    }
  }
  secure_zero(a, sizeof(a));
  secure_zero(block, sizeof(block));
}

void derive_extended_master_secret(crypto::HashAlg alg, Bytes pre_master_secret, Bytes session_hash,
                                   Secret<kMasterSecretSize>& out) {
  // Straight into the Secret: no copy of the master secret to wipe.
  out.resize(kMasterSecretSize);
  tls12_prf(alg, pre_master_secret, "extended master secret", session_hash, {}, out.expose_mut());
}

void derive_traffic_keys(const SuiteParams& suite, Bytes master_secret, Bytes client_random, Bytes server_random,
                         TrafficKeys& out) {
  uint8_t block[2 * 32 + 2 * 12];
  const size_t k = suite.key_len, iv = suite.fixed_iv_len;
  const size_t n = 2 * k + 2 * iv;
  tls12_prf(suite.prf_hash, master_secret, "key expansion", server_random, client_random, MutBytes(block, n));
  out.client_write_key.assign(Bytes(block, k));
  out.server_write_key.assign(Bytes(block + k, k));
  out.client_write_iv.assign(Bytes(block + 2 * k, iv));
  out.server_write_iv.assign(Bytes(block + 2 * k + iv, iv));
  secure_zero(block, sizeof(block));
}

void compute_verify_data(crypto::HashAlg alg, Bytes master_secret, bool client, Bytes transcript_hash,
                         uint8_t out[kVerifyDataSize]) {
  tls12_prf(alg, master_secret, client ? "client finished" : "server finished", transcript_hash, {},
            MutBytes(out, kVerifyDataSize));
}

void export_keying_material(crypto::HashAlg alg, Bytes master_secret, std::string_view label, Bytes client_random,
                            Bytes server_random, MutBytes out) {
  tls12_prf(alg, master_secret, label, client_random, server_random, out);
}

Result<void> derive_srtp_keys(crypto::HashAlg alg, Bytes master_secret, Bytes client_random, Bytes server_random,
                              uint16_t profile, SrtpKeyingMaterial& out) {
  const SrtpProfileParams* p = srtp_profile_params(profile);
  if (!p) return make_error(Errc::unsupported, "dtls: unknown SRTP protection profile");
  uint8_t km[2 * (32 + 14)];
  const size_t k = p->key_len, s = p->salt_len;
  export_keying_material(alg, master_secret, kSrtpExporterLabel, client_random, server_random,
                         MutBytes(km, 2 * (k + s)));
  out.profile = profile;
  out.client_write_key.assign(Bytes(km, k));
  out.server_write_key.assign(Bytes(km + k, k));
  out.client_write_salt.assign(Bytes(km + 2 * k, s));
  out.server_write_salt.assign(Bytes(km + 2 * k + s, s));
  secure_zero(km, sizeof(km));
  return ok_result();
}

}  // namespace sansrtc::dtls
