// tests/embedded/mbedtls_config.h — mbedTLS 2.28 configuration for the
// Cortex-M33 target: only the primitives lib/base/crypto uses.
//
// Used as MBEDTLS_CONFIG_FILE both when build_mbedtls.sh compiles Debian's
// mbedTLS sources and when the sansrtc core is cross-compiled, so both see
// the same structure layouts.
//
// What lib/base/crypto needs, by file:
//   hash.cc        SHA-256, SHA-384/512 raw contexts (SHA-1 and HMAC are ours)
//   md5.cc         nothing (MD5 is ours, md32.cc)
//   cipher.cc      the AES block cipher (encryption only; GCM is ours),
//                  ChaCha20-Poly1305 when enabled
//   ec.cc          nothing: without ECP_C, ec_own.cc implements ec.h on our
//                  own P-256 (p256.cc); key/signature DER is ours (ec_der.cc)
//   certificate.cc nothing: X.509 is written and parsed by der.cc
//   ctr_drbg_rng.cc CTR_DRBG over the entropy module
// Left out: the SSL/TLS module, X.509, PK, OID, the md layer, bignum, ECP,
// ECDSA, ECDH, RSA, DHM, GCM and the cipher layer, SHA-1, MD5, PEM/base64,
// file system, time, threading, self tests, error strings.
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
#define MBEDTLS_SHA512_SMALLER      // rolled rounds: ~3 KiB less flash for SHA-384/512
#define MBEDTLS_ENTROPY_MAX_SOURCES 2
#define MBEDTLS_CTR_DRBG_ENTROPY_LEN 32  // entropy module runs on SHA-256 below
#define MBEDTLS_ENTROPY_FORCE_SHA256

// --- hashes -----------------------------------------------------------------
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

// --- symmetric ciphers --------------------------------------------------------
#define MBEDTLS_AES_C
// No ChaCha20-Poly1305: every browser offers the AES-GCM suites, and
// lib/base/crypto reports ChaChaPoly::available() == false without it, so
// the DTLS layer neither offers nor accepts that suite (saves ~3 KiB).

// --- public key -----------------------------------------------------------------
// None: without MBEDTLS_ECP_C, lib/base/crypto runs ECDH and ECDSA on its
// own P-256 (p256.cc, ~3 KiB instead of ~11 KiB for bignum + ECP + ECDSA).
// P-256 is the group every WebRTC peer supports; X25519 is left out (DTLS
// offers only P-256 when ecdh_group_available(x25519) is false).

// --- randomness -------------------------------------------------------------------
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

#include "mbedtls/check_config.h"

#endif  // SANSRTC_EMBEDDED_MBEDTLS_CONFIG_H
