// base/crypto/mbedtls_util.h — private glue between sansrtc and mbedTLS.
//
// Included only by lib/base/crypto/*.cc (the one place that sees mbedTLS).
// Holds the version switch between the 2.28 and 3.x APIs and the adapter
// that lets mbedTLS draw randomness from an injected `Rng&`.
#pragma once

#include <sansrtc/rng.h>

#include <mbedtls/version.h>

#include <cstddef>
#include <span>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SANSRTC_MBEDTLS3 1
// 3.x renames struct members through MBEDTLS_PRIVATE() (defined by every
// 3.x header via build_info.h); 2.x has no such macro.
#define SANSRTC_MBEDTLS_MEMBER(m) MBEDTLS_PRIVATE(m)
#else
#define SANSRTC_MBEDTLS3 0
#define SANSRTC_MBEDTLS_MEMBER(m) m
#endif

namespace sansrtc::crypto::detail {

// mbedTLS's f_rng signature over an `Rng*` passed as p_rng. Rng::fill never
// fails (a failing backend aborts), so this always returns 0.
inline int rng_adapter(void* p_rng, unsigned char* out, size_t n) {
  static_cast<Rng*>(p_rng)->fill(std::span<uint8_t>(out, n));
  return 0;
}

}  // namespace sansrtc::crypto::detail
