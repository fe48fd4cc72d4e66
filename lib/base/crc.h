// base/crc.h — CRC-32 (ISO-HDLC, for the STUN FINGERPRINT, RFC 8489 §14.7)
// and CRC-32c (Castagnoli, for the SCTP common header, RFC 9260 Appendix A).
//
// Both are the reflected forms with init and final XOR 0xFFFFFFFF. CRC-32c
// uses the SSE4.2 instruction when the CPU has it, slicing-by-8 otherwise.
// `update` functions take and return the raw (un-finalized) register so a
// checksum can be run over several pieces.
#pragma once

#include "base/bytes.h"

#include <cstdint>

namespace sansrtc {

uint32_t crc32(Bytes data);
uint32_t crc32c(Bytes data);

// Piecewise: r = kCrcInit; r = crc32c_update(r, a); r = crc32c_update(r, b); crc = r ^ kCrcInit.
inline constexpr uint32_t kCrcInit = 0xFFFFFFFFu;
uint32_t crc32_update(uint32_t reg, Bytes data);
uint32_t crc32c_update(uint32_t reg, Bytes data);
// The portable CRC-32c, exposed to test the accelerated one against.
uint32_t crc32c_update_portable(uint32_t reg, Bytes data);

}  // namespace sansrtc
