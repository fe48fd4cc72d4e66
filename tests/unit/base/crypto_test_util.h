// Hex helpers shared by the crypto known-answer tests.
#pragma once

#include "base/bytes.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crypto_test {

// Parses hex, ignoring spaces, newlines and ':' so vectors can be pasted as printed.
inline std::vector<uint8_t> unhex(std::string_view s) {
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) { hi = v; } else { out.push_back(uint8_t(hi << 4 | v)); hi = -1; }
  }
  return out;
}

inline std::string tohex(sansrtc::Bytes b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) { s += d[x >> 4]; s += d[x & 15]; }
  return s;
}

}  // namespace crypto_test
