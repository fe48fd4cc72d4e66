// base/crypto/md5.h — MD5, only for the STUN long-term credential key
// (RFC 8489 §9.2.2: key = MD5(username ":" realm ":" password)).
//
// MD5 is broken as a collision-resistant hash; it is here because the STUN
// long-term key derivation (the default PASSWORD-ALGORITHM) and every TURN
// server in the field require it. Do not use it for anything else.
#pragma once

#include "base/bytes.h"

#include <cstdint>

namespace sansrtc::crypto {

inline constexpr size_t kMd5Size = 16;

// Writes the 16-byte MD5 digest of data into out.
void md5(Bytes data, uint8_t out[16]);

}  // namespace sansrtc::crypto
