// dtls/key_schedule.h — the TLS 1.2 PRF and everything derived from it.
//
// RFC 5246 §5 (PRF = P_<hash>(secret, label + seed)), RFC 7627 §4 (extended
// master secret over the session hash), RFC 5246 §6.3 (key block, AEAD
// suites: no MAC keys), §7.4.9 (Finished verify_data, 12 bytes), RFC 5705
// §4 (exporter, no context) and RFC 5764 §4.2 (SRTP keying material layout).
//
// Leaves out: the non-EMS master secret (we refuse peers without EMS), the
// TLS 1.0/1.1 MD5/SHA-1 PRF, exporter contexts.
#pragma once

#include "base/bytes.h"
#include "base/crypto/hash.h"
#include "base/secret.h"
#include "dtls/types.h"
#include <sansrtc/result.h>

#include <string_view>

namespace sansrtc::dtls {

// PRF(secret, label, seed1 + seed2) into `out` (any length).
void tls12_prf(crypto::HashAlg alg, Bytes secret, std::string_view label, Bytes seed1, Bytes seed2, MutBytes out);

// master_secret = PRF(pre_master_secret, "extended master secret",
//                     session_hash)[0..47]   (RFC 7627 §4)
void derive_extended_master_secret(crypto::HashAlg alg, Bytes pre_master_secret, Bytes session_hash,
                                   Secret<kMasterSecretSize>& out);

// The AEAD keys of one connection (RFC 5246 §6.3 key_block order).
struct TrafficKeys {
  Secret<32> client_write_key;
  Secret<32> server_write_key;
  Secret<12> client_write_iv;
  Secret<12> server_write_iv;
};
// key_block = PRF(master_secret, "key expansion", server_random + client_random)
void derive_traffic_keys(const SuiteParams& suite, Bytes master_secret, Bytes client_random, Bytes server_random,
                         TrafficKeys& out);

// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
void compute_verify_data(crypto::HashAlg alg, Bytes master_secret, bool client, Bytes transcript_hash,
                         uint8_t out[kVerifyDataSize]);

// RFC 5705 §4 with no context: PRF(master_secret, label, client_random + server_random).
void export_keying_material(crypto::HashAlg alg, Bytes master_secret, std::string_view label, Bytes client_random,
                            Bytes server_random, MutBytes out);

inline constexpr std::string_view kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";

// SRTP master keys (RFC 5764 §4.2): the exporter output is
// client_write_SRTP_master_key | server_write_SRTP_master_key |
// client_write_SRTP_master_salt | server_write_SRTP_master_salt.
struct SrtpKeyingMaterial {
  uint16_t profile = 0;
  Secret<32> client_write_key;
  Secret<14> client_write_salt;
  Secret<32> server_write_key;
  Secret<14> server_write_salt;
};
[[nodiscard]] Result<void> derive_srtp_keys(crypto::HashAlg alg, Bytes master_secret, Bytes client_random,
                                            Bytes server_random, uint16_t profile, SrtpKeyingMaterial& out);

}  // namespace sansrtc::dtls
