// sansrtc/bytes.h — the byte-span vocabulary of every public call.
#pragma once

#include <cstdint>
#include <span>

namespace sansrtc {

using Bytes = std::span<const uint8_t>;  // read-only view of bytes
using MutBytes = std::span<uint8_t>;     // a caller's buffer to write into

}  // namespace sansrtc
