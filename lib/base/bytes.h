// base/bytes.h — spans and big-endian readers/writers with a sticky error.
//
// Parsers read straight through with ByteReader and check ok() once at the
// end: a read past the end returns zeros and sets the error flag, never
// touches memory outside the span. ByteWriter serializes into the caller's
// buffer the same way: a write that does not fit sets the flag and writes
// nothing, so a builder can be run into any buffer and checked once.
#pragma once

#include <sansrtc/bytes.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sansrtc {

inline Bytes as_bytes(std::string_view s) {
  return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_string_view(Bytes b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline bool bytes_equal(Bytes a, Bytes b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}
// Constant-time comparison for MACs and other secrets.
bool constant_time_equal(Bytes a, Bytes b);
// Overwrites memory in a way the optimizer may not remove.
void secure_zero(void* p, size_t n);

inline uint16_t load_be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be24(const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint64_t load_be48(const uint8_t* p) { return uint64_t(load_be16(p)) << 32 | load_be32(p + 2); }
inline uint64_t load_be64(const uint8_t* p) { return uint64_t(load_be32(p)) << 32 | load_be32(p + 4); }
inline void store_be16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store_be24(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 16); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v); }
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline void store_be48(uint8_t* p, uint64_t v) { store_be16(p, uint16_t(v >> 32)); store_be32(p + 2, uint32_t(v)); }
inline void store_be64(uint8_t* p, uint64_t v) { store_be32(p, uint32_t(v >> 32)); store_be32(p + 4, uint32_t(v)); }

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data) : data_(data) {}

  uint8_t u8() { return take(1) ? data_[pos_ - 1] : 0; }
  uint16_t u16() { return take(2) ? load_be16(&data_[pos_ - 2]) : 0; }
  uint32_t u24() { return take(3) ? load_be24(&data_[pos_ - 3]) : 0; }
  uint32_t u32() { return take(4) ? load_be32(&data_[pos_ - 4]) : 0; }
  uint64_t u48() { return take(6) ? load_be48(&data_[pos_ - 6]) : 0; }
  uint64_t u64() { return take(8) ? load_be64(&data_[pos_ - 8]) : 0; }
  // A view of the next n bytes (empty and !ok() if fewer remain).
  Bytes bytes(size_t n) { return take(n) ? data_.subspan(pos_ - n, n) : Bytes(); }
  // A reader over the next n bytes, advancing this one past them.
  ByteReader sub(size_t n) {
    ByteReader r(bytes(n));
    r.ok_ = ok_;
    return r;
  }
  void skip(size_t n) { take(n); }
  // Copies n bytes into out (zero-fills on failure).
  void copy_to(uint8_t* out, size_t n) {
    if (take(n)) std::memcpy(out, &data_[pos_ - n], n); else std::memset(out, 0, n);
  }
  Bytes rest() const { return data_.subspan(pos_); }
  Bytes consumed() const { return data_.first(pos_); }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }

 private:
  bool take(size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  Bytes data_{};
  size_t pos_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  explicit ByteWriter(MutBytes buf) : buf_(buf) {}

  void u8(uint8_t v) { if (auto* p = take(1)) p[0] = v; }
  void u16(uint16_t v) { if (auto* p = take(2)) store_be16(p, v); }
  void u24(uint32_t v) { if (auto* p = take(3)) store_be24(p, v); }
  void u32(uint32_t v) { if (auto* p = take(4)) store_be32(p, v); }
  void u48(uint64_t v) { if (auto* p = take(6)) store_be48(p, v); }
  void u64(uint64_t v) { if (auto* p = take(8)) store_be64(p, v); }
  void bytes(Bytes b) { if (auto* p = take(b.size()); p && !b.empty()) std::memcpy(p, b.data(), b.size()); }
  void bytes(std::string_view s) { bytes(as_bytes(s)); }
  void zeros(size_t n) { if (auto* p = take(n)) std::memset(p, 0, n); }
  // Reserves n bytes to be filled later (e.g. a length field); empty span on failure.
  MutBytes reserve(size_t n) {
    auto* p = take(n);
    return p ? MutBytes(p, n) : MutBytes();
  }
  // Pads with zeros to a multiple of `align`.
  void pad_to(size_t align) { if (pos_ % align) zeros(align - pos_ % align); }
  // Overwrites already-written bytes at `offset` (no-op when out of range).
  void patch_u16(size_t offset, uint16_t v) { if (offset + 2 <= pos_) store_be16(&buf_[offset], v); }
  void patch_u24(size_t offset, uint32_t v) { if (offset + 3 <= pos_) store_be24(&buf_[offset], v); }
  void patch_u32(size_t offset, uint32_t v) { if (offset + 4 <= pos_) store_be32(&buf_[offset], v); }

  size_t position() const { return pos_; }
  size_t remaining() const { return buf_.size() - pos_; }
  MutBytes written() const { return buf_.first(pos_); }
  MutBytes buffer() const { return buf_; }
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }

 private:
  uint8_t* take(size_t n) {
    if (!ok_ || n > buf_.size() - pos_) {
      ok_ = false;
      return nullptr;
    }
    pos_ += n;
    return buf_.data() + pos_ - n;
  }
  MutBytes buf_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sansrtc
