// dtls/types.h — DTLS 1.2 wire constants and the parameters of the cipher
// suites and SRTP protection profiles this stack negotiates.
//
// RFC 5246 §7.2 (alerts), §A (content and handshake types), RFC 6347 §4.1
// (version 0xFEFD), RFC 5289/7905 (suites), RFC 5764 §4.1.2 / RFC 7714 §14.2
// (SRTP profiles). Only ECDHE-ECDSA AEAD suites exist here: no CBC, no RSA,
// no PSK, no compression, no resumption.
#pragma once

#include "base/crypto/hash.h"

#include <cstddef>
#include <cstdint>

namespace sansrtc::dtls {

inline constexpr uint16_t kDtls12Version = 0xFEFD;
inline constexpr uint16_t kDtls10Version = 0xFEFF;
inline constexpr size_t kRecordHeaderSize = 13;
inline constexpr size_t kHandshakeHeaderSize = 12;
inline constexpr size_t kRandomSize = 32;
inline constexpr size_t kMasterSecretSize = 48;
inline constexpr size_t kVerifyDataSize = 12;
inline constexpr size_t kMaxPlaintext = 16384;  // 2^14, RFC 5246 §6.2.1

enum class Role : uint8_t { client, server };

enum class ContentType : uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

enum class HandshakeType : uint8_t {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  hello_verify_request = 3,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
};

enum class AlertLevel : uint8_t { warning = 1, fatal = 2 };

enum class AlertDescription : uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_unknown = 46,
  illegal_parameter = 47,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  user_canceled = 90,
  no_renegotiation = 100,
  unsupported_extension = 110,
};

enum class CipherSuite : uint16_t {
  ecdhe_ecdsa_aes128_gcm_sha256 = 0xC02B,        // RFC 5289
  ecdhe_ecdsa_aes256_gcm_sha384 = 0xC02C,        // RFC 5289
  ecdhe_ecdsa_chacha20_poly1305_sha256 = 0xCCA9, // RFC 7905
};

enum class AeadAlg : uint8_t { aes_gcm, chacha20_poly1305 };

struct SuiteParams {
  AeadAlg aead;
  uint8_t key_len;         // enc_key_length
  uint8_t fixed_iv_len;    // fixed_iv_length (the "salt")
  uint8_t record_iv_len;   // explicit nonce carried in each record
  crypto::HashAlg prf_hash;
};

// nullptr for a suite this stack does not implement.
const SuiteParams* suite_params(uint16_t suite);
bool suite_known(uint16_t suite);

// RFC 5764 §4.1.2 and RFC 7714 §14.2.
enum class SrtpProfile : uint16_t {
  aes128_cm_hmac_sha1_80 = 0x0001,
  aes128_cm_hmac_sha1_32 = 0x0002,
  aead_aes_128_gcm = 0x0007,
  aead_aes_256_gcm = 0x0008,
};

struct SrtpProfileParams {
  uint8_t key_len;   // master key
  uint8_t salt_len;  // master salt
};
// nullptr for an unknown profile.
const SrtpProfileParams* srtp_profile_params(uint16_t profile);

// TLS supported_groups code points (RFC 8422 §5.1.1).
inline constexpr uint16_t kGroupSecp256r1 = 23;
inline constexpr uint16_t kGroupX25519 = 29;
// SignatureAndHashAlgorithm ecdsa_secp256r1_sha256 (hash sha256 = 4, ecdsa = 3).
inline constexpr uint16_t kSigEcdsaSecp256r1Sha256 = 0x0403;
// ecdsa_secp384r1_sha384: in TLS 1.2 only the hash matters (RFC 5246
// §7.4.1.4.1); mbedTLS 2.28 signs CertificateVerify with the suite's PRF
// hash, so SHA-384 suites bring this one with a P-256 key.
inline constexpr uint16_t kSigEcdsaSecp384r1Sha384 = 0x0503;
// ClientCertificateType ecdsa_sign (RFC 8422 §5.5).
inline constexpr uint8_t kCertTypeEcdsaSign = 64;
// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
inline constexpr uint16_t kEmptyRenegotiationInfoScsv = 0x00FF;

// Extension types.
inline constexpr uint16_t kExtSupportedGroups = 10;
inline constexpr uint16_t kExtEcPointFormats = 11;
inline constexpr uint16_t kExtSignatureAlgorithms = 13;
inline constexpr uint16_t kExtUseSrtp = 14;
inline constexpr uint16_t kExtExtendedMasterSecret = 23;
inline constexpr uint16_t kExtRenegotiationInfo = 0xFF01;

const char* alert_name(AlertDescription d);

}  // namespace sansrtc::dtls
