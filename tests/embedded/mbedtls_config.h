// tests/embedded/mbedtls_config.h — mbedTLS 2.28 configuration for the
// Cortex-M33 target: only the primitives lib/base/crypto uses.
//
// Used as MBEDTLS_CONFIG_FILE both when build_mbedtls.sh compiles Debian's
// mbedTLS sources and when the sansrtc core is cross-compiled, so both see
// the same structure layouts.
//
// What lib/base/crypto needs, by file:
//   hash.cc        SHA-1, SHA-256, SHA-384/512 raw contexts (HMAC is ours)
//   md5.cc         MD5 (TURN long-term credentials key)
//   cipher.cc      AES (ECB block for SRTP AES-CM), GCM, ChaCha20-Poly1305
//   ec.cc          ECP P-256 and Curve25519, ECDH, ECDSA (deterministic,
//                  RFC 6979 -> HMAC_DRBG), PK parse/write of EC keys
//   certificate.cc X.509 certificate write (self-signed) and parse, OID
//   ctr_drbg_rng.cc CTR_DRBG over the entropy module
// Left out: the SSL/TLS module, RSA, DHM, PEM/base64, file system, time,
// threading, self tests, error strings.
#ifndef SANSRTC_EMBEDDED_MBEDTLS_CONFIG_H
#define SANSRTC_EMBEDDED_MBEDTLS_CONFIG_H

// --- system ---------------------------------------------------------------
// Bare metal: no time(), no /dev/urandom, no file system.
#define MBEDTLS_NO_PLATFORM_ENTROPY
// The firmware supplies mbedtls_hardware_poll() (on a real device: the TRNG).
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_HAVE_ASM

// --- size/RAM trade-offs for a microcontroller ---------------------------------
#define MBEDTLS_AES_ROM_TABLES      // AES tables in flash, not built in RAM
#define MBEDTLS_AES_FEWER_TABLES    // 2 KiB of tables instead of 8 KiB
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_ECP_WINDOW_SIZE 2   // fewer precomputed points in RAM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_MPI_MAX_SIZE 48
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_CTR_DRBG_ENTROPY_LEN 32  // entropy module runs on SHA-256 below
#define MBEDTLS_ENTROPY_FORCE_SHA256

// --- hashes -----------------------------------------------------------------
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

// --- symmetric ciphers --------------------------------------------------------
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
// No ChaCha20-Poly1305: every browser offers the AES-GCM suites, and
// lib/base/crypto reports ChaChaPoly::available() == false without it, so
// the DTLS layer neither offers nor accepts that suite (saves ~3 KiB).

// --- public key -----------------------------------------------------------------
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
// No X25519: P-256 is the group every WebRTC peer supports (DTLS offers
// only it when ecdh_group_available(x25519) is false).
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C

// --- X.509 ----------------------------------------------------------------------
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C

// --- randomness -------------------------------------------------------------------
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

#include "mbedtls/check_config.h"

#endif  // SANSRTC_EMBEDDED_MBEDTLS_CONFIG_H
