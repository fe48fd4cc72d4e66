#include "base/bytes.h"

#include <catch2/catch.hpp>

using namespace sansrtc;

TEST_CASE("ByteReader reads big-endian and sets a sticky error past the end") {
  const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(data);
  REQUIRE(r.u8() == 0x01);
  REQUIRE(r.u16() == 0x0203);
  REQUIRE(r.u24() == 0x040506);
  REQUIRE(r.ok());
  REQUIRE(r.u32() == 0);  // only one byte left
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.u8() == 0);  // sticky: even a read that would fit fails now
  REQUIRE(r.remaining() == 1);
}

TEST_CASE("ByteReader sub-readers and views") {
  const uint8_t data[] = {0, 3, 'a', 'b', 'c', 9};
  ByteReader r(data);
  uint16_t n = r.u16();
  ByteReader s = r.sub(n);
  REQUIRE(as_string_view(s.rest()) == "abc");
  REQUIRE(r.u8() == 9);
  REQUIRE(r.empty());
  ByteReader bad(data);
  bad.skip(5);
  REQUIRE(bad.bytes(2).empty());
  REQUIRE_FALSE(bad.ok());
}

TEST_CASE("ByteWriter writes, pads, patches and fails without writing past the end") {
  uint8_t buf[8] = {};
  ByteWriter w(buf);
  w.u16(0xABCD);
  w.u8(1);
  w.pad_to(4);
  REQUIRE(w.position() == 4);
  w.patch_u16(0, 0x1234);
  REQUIRE(buf[0] == 0x12);
  REQUIRE(buf[1] == 0x34);
  w.u32(0xDEADBEEF);
  REQUIRE(w.ok());
  w.u8(0xFF);
  REQUIRE_FALSE(w.ok());
  REQUIRE(w.position() == 8);
  REQUIRE(buf[7] == 0xEF);
  uint64_t v48 = 0x0102030405FFull;
  uint8_t b6[6];
  store_be48(b6, v48);
  REQUIRE(load_be48(b6) == v48);
}

TEST_CASE("constant_time_equal") {
  const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 3}, c[] = {1, 2, 4};
  REQUIRE(constant_time_equal(a, b));
  REQUIRE_FALSE(constant_time_equal(a, c));
  REQUIRE_FALSE(constant_time_equal(Bytes(a).first(2), b));
}
