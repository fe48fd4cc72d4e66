#include "dtls/types.h"

namespace sansrtc::dtls {

namespace {
constexpr SuiteParams kAes128Gcm{AeadAlg::aes_gcm, 16, 4, 8, crypto::HashAlg::sha256};
constexpr SuiteParams kAes256Gcm{AeadAlg::aes_gcm, 32, 4, 8, crypto::HashAlg::sha384};
constexpr SuiteParams kChaCha{AeadAlg::chacha20_poly1305, 32, 12, 0, crypto::HashAlg::sha256};
constexpr SrtpProfileParams kCm{16, 14};
constexpr SrtpProfileParams kGcm128{16, 12};
constexpr SrtpProfileParams kGcm256{32, 12};
}  // namespace

const SuiteParams* suite_params(uint16_t suite) {
  switch (static_cast<CipherSuite>(suite)) {
    case CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256: return &kAes128Gcm;
    case CipherSuite::ecdhe_ecdsa_aes256_gcm_sha384: return &kAes256Gcm;
    case CipherSuite::ecdhe_ecdsa_chacha20_poly1305_sha256: return &kChaCha;
  }
  return nullptr;
}

bool suite_known(uint16_t suite) { return suite_params(suite) != nullptr; }

const SrtpProfileParams* srtp_profile_params(uint16_t profile) {
  switch (static_cast<SrtpProfile>(profile)) {
    case SrtpProfile::aes128_cm_hmac_sha1_80:
    case SrtpProfile::aes128_cm_hmac_sha1_32: return &kCm;
    case SrtpProfile::aead_aes_128_gcm: return &kGcm128;
    case SrtpProfile::aead_aes_256_gcm: return &kGcm256;
  }
  return nullptr;
}

const char* alert_name(AlertDescription d) {
  switch (d) {
    case AlertDescription::close_notify: return "close_notify";
    case AlertDescription::unexpected_message: return "unexpected_message";
    case AlertDescription::bad_record_mac: return "bad_record_mac";
    case AlertDescription::record_overflow: return "record_overflow";
    case AlertDescription::handshake_failure: return "handshake_failure";
    case AlertDescription::bad_certificate: return "bad_certificate";
    case AlertDescription::unsupported_certificate: return "unsupported_certificate";
    case AlertDescription::certificate_unknown: return "certificate_unknown";
    case AlertDescription::illegal_parameter: return "illegal_parameter";
    case AlertDescription::decode_error: return "decode_error";
    case AlertDescription::decrypt_error: return "decrypt_error";
    case AlertDescription::protocol_version: return "protocol_version";
    case AlertDescription::insufficient_security: return "insufficient_security";
    case AlertDescription::internal_error: return "internal_error";
    case AlertDescription::user_canceled: return "user_canceled";
    case AlertDescription::no_renegotiation: return "no_renegotiation";
    case AlertDescription::unsupported_extension: return "unsupported_extension";
  }
  return "unknown";
}

}  // namespace sansrtc::dtls
