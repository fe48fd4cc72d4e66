#include "base/crc.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SANSRTC_CRC32C_SSE42 1
#include <nmmintrin.h>
#endif

namespace sansrtc {
namespace {

#ifdef __OPTIMIZE_SIZE__
// A size-optimised build (-Os: microcontrollers, where even one 256-entry
// table per polynomial is 1 KiB of flash) steps a nibble at a time through
// 16-entry tables: 128 bytes for both polynomials, two lookups per byte.
using Table = std::array<uint32_t, 16>;

constexpr Table make_tables(uint32_t poly) {
  Table t{};
  for (uint32_t i = 0; i < 16; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 4; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t slice8(const Table& t, uint32_t crc, const uint8_t* p, size_t n) {
  while (n--) {
    crc ^= *p++;
    crc = (crc >> 4) ^ t[crc & 0xF];
    crc = (crc >> 4) ^ t[crc & 0xF];
  }
  return crc;
}
#else
// Everything else slices by eight (8 KiB of tables per polynomial).
constexpr size_t kSlices = 8;
using Table = std::array<std::array<uint32_t, 256>, kSlices>;

constexpr Table make_tables(uint32_t poly) {
  Table t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (size_t s = 1; s < kSlices; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

// Slicing-by-8 over the reflected register (byte order independent: the
// eight bytes are combined explicitly, not through a 64-bit load).
uint32_t slice8(const Table& t, uint32_t crc, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint32_t lo = crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^ t[3][p[4]] ^
          t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return crc;
}
#endif

constexpr Table kCrc32 = make_tables(0xEDB88320u);
constexpr Table kCrc32c = make_tables(0x82F63B78u);

#ifdef SANSRTC_CRC32C_SSE42
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = uint32_t(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool have_sse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t crc32_update(uint32_t reg, Bytes data) { return slice8(kCrc32, reg, data.data(), data.size()); }

uint32_t crc32c_update_portable(uint32_t reg, Bytes data) {
  return slice8(kCrc32c, reg, data.data(), data.size());
}

uint32_t crc32c_update(uint32_t reg, Bytes data) {
#ifdef SANSRTC_CRC32C_SSE42
  if (have_sse42()) return crc32c_sse42(reg, data.data(), data.size());
#endif
  return crc32c_update_portable(reg, data);
}

uint32_t crc32(Bytes data) { return crc32_update(kCrcInit, data) ^ kCrcInit; }
uint32_t crc32c(Bytes data) { return crc32c_update(kCrcInit, data) ^ kCrcInit; }

}  // namespace sansrtc
