// base/crypto/md32.h — SHA-1 and SHA-256 (FIPS 180-4 §6.1, §6.2) and MD5
// (RFC 1321) in portable C++, private to lib/base/crypto.
//
// All three are 32-bit Merkle-Damgard hashes over 64-byte blocks and share
// the buffering and padding here. Written for flash size, not speed: one
// rolled round loop each (mbedTLS unrolls all 80 SHA-1 rounds into ~3.7 KiB
// of code on Cortex-M). SHA-1 serves STUN MESSAGE-INTEGRITY (HMAC-SHA1,
// RFC 8489 §14.5) and sha-1 fingerprints, SHA-256 DTLS, certificates and
// MESSAGE-INTEGRITY-SHA256; MD5 only the STUN long-term key.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sansrtc::crypto::detail {

// The compression function; each start function stores its own, so an
// image links only the hashes it starts (MD5 only with the TURN code).
using Md32Block = void (*)(uint32_t* h, const uint8_t* block);

struct Md32Ctx {
  uint32_t h[8];
  uint64_t bytes;   // message length so far
  uint8_t buf[64];  // partial block (bytes % 64 of them are used)
  Md32Block block;
  uint8_t words;    // output size in 32-bit words
  bool md5;         // little-endian words and length (RFC 1321) instead of big-endian
};

void md32_start_sha1(Md32Ctx& c);
void md32_start_sha256(Md32Ctx& c);
void md32_start_md5(Md32Ctx& c);
void md32_update(Md32Ctx& c, const uint8_t* p, size_t n);
// Writes 20 (SHA-1), 32 (SHA-256) or 16 (MD5) bytes and wipes the context.
void md32_finish(Md32Ctx& c, uint8_t* out);

}  // namespace sansrtc::crypto::detail
