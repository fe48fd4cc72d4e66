// base/crypto/ec_internal.h — the mbedTLS representation behind EcdsaP256Key.
//
// Private to lib/base/crypto (certificate.cc signs with the same pk context).
#pragma once

#include "base/crypto/ec.h"

#include <mbedtls/pk.h>

#if defined(MBEDTLS_PK_USE_PSA_EC_DATA)
// mbedTLS 3.5+ with MBEDTLS_USE_PSA_CRYPTO keeps EC keys inside PSA, and
// mbedtls_pk_ec() no longer reaches them; this glue needs the ecp_keypair.
#error "sansrtc crypto: mbedTLS built with MBEDTLS_PK_USE_PSA_EC_DATA is not supported"
#endif

namespace sansrtc::crypto {

struct EcdsaP256KeyImpl {
  EcdsaP256KeyImpl() { mbedtls_pk_init(&pk); }
  ~EcdsaP256KeyImpl() { mbedtls_pk_free(&pk); }  // frees and zeroizes the private scalar
  EcdsaP256KeyImpl(const EcdsaP256KeyImpl&) = delete;
  EcdsaP256KeyImpl& operator=(const EcdsaP256KeyImpl&) = delete;

  mbedtls_pk_context pk;                                // MBEDTLS_PK_ECKEY holding an ecp_keypair on P-256
  std::array<uint8_t, kP256PublicKeySize> pub{};        // cached uncompressed public point
};

}  // namespace sansrtc::crypto
