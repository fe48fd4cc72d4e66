#include "base/crc.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace sansrtc;

TEST_CASE("CRC-32 check value (ISO-HDLC)") {
  REQUIRE(crc32(as_bytes("123456789")) == 0xCBF43926u);
  REQUIRE(crc32(Bytes()) == 0u);
}

TEST_CASE("CRC-32c check value and RFC 3720 B.4 vectors") {
  REQUIRE(crc32c(as_bytes("123456789")) == 0xE3069283u);
  std::vector<uint8_t> b(32, 0);
  REQUIRE(crc32c(b) == 0x8A9136AAu);
  std::fill(b.begin(), b.end(), 0xFF);
  REQUIRE(crc32c(b) == 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) b[size_t(i)] = uint8_t(i);
  REQUIRE(crc32c(b) == 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) b[size_t(i)] = uint8_t(31 - i);
  REQUIRE(crc32c(b) == 0x113FDB5Cu);
}

TEST_CASE("CRC-32c accelerated path equals the portable one, piecewise too") {
  std::vector<uint8_t> data(1021);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 131 + 7);
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 1021u}) {
    Bytes d(data.data(), len);
    REQUIRE(crc32c_update(kCrcInit, d) == crc32c_update_portable(kCrcInit, d));
  }
  uint32_t r = crc32c_update(kCrcInit, Bytes(data).first(100));
  r = crc32c_update(r, Bytes(data).subspan(100));
  REQUIRE((r ^ kCrcInit) == crc32c(data));
}
