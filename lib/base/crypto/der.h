// base/crypto/der.h — a strict, bounded DER reader and a backward DER writer
// (ITU-T X.690 §8 and §10), just enough for X.509 certificates (RFC 5280
// §4.1), EC private keys (RFC 5915, RFC 5208) and ECDSA signatures
// (RFC 8422 §5.4).
//
// The reader walks tag-length-value elements inside one span and never
// reads past it. It accepts only what DER allows and what these formats
// need: one-byte tags (no high tag numbers), definite lengths in the
// shortest form, at most 65535 content bytes. Any violation sets a sticky
// error: read straight through and check ok() once.
//
// The writer fills a caller's buffer from the END towards the front, so a
// constructed element is written contents first and its header last, when
// the length is known (no second pass, no moving bytes).
//
// Leaves out: BER (indefinite lengths, constructed strings), tags >= 31,
// element contents above 64 KiB, every ASN.1 type the formats above do not use.
#pragma once

#include "base/bytes.h"

#include <cstddef>
#include <cstdint>

namespace sansrtc::crypto::der {

inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
// [n] EXPLICIT (constructed) and [n] IMPLICIT of a primitive type.
constexpr uint8_t context_constructed(unsigned n) { return uint8_t(0xa0 | n); }
constexpr uint8_t context_primitive(unsigned n) { return uint8_t(0x80 | n); }

class Reader {
 public:
  explicit Reader(Bytes in) : p_(in.data()), end_(in.data() + in.size()) {}

  // The contents of the next element, which must carry `tag`. Otherwise (or
  // when the element is malformed) sets the error and returns an empty span.
  Bytes read(uint8_t tag);
  // An OPTIONAL/DEFAULT field: when the next element carries `tag`, consumes
  // it, stores its contents in `out` and returns true; otherwise consumes
  // nothing and returns false.
  bool read_optional(uint8_t tag, Bytes& out);
  // A positive INTEGER in minimal form; returns its magnitude without the
  // sign octet. Negative or zero-padded encodings set the error.
  Bytes read_positive_integer();
  // A BIT STRING without unused bits; returns the bytes after that octet.
  Bytes read_bit_string();
  // Sets the error unless the span is exhausted.
  void expect_end() {
    if (p_ != end_) ok_ = false;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }

 private:
  // Parses the header at p_; false when it is malformed.
  bool peek(uint8_t& tag, Bytes& contents, const uint8_t*& next) const;

  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

// Writes backwards into `buf`: every call PREPENDS. The result is
// out() (the last written() bytes of buf). Overflow sets a sticky error.
class Writer {
 public:
  explicit Writer(MutBytes buf) : begin_(buf.data()), p_(buf.data() + buf.size()), end_(p_) {}

  void raw(Bytes b);
  void byte(uint8_t b) { raw(Bytes(&b, 1)); }
  // Prepends the tag and length of an element whose contents are the bytes
  // written since written() returned `mark`.
  void wrap(uint8_t tag, size_t mark) { header(tag, written() - mark); }
  void header(uint8_t tag, size_t len);
  // A positive INTEGER from a big-endian magnitude (leading zeros dropped,
  // a sign octet added when the top bit is set).
  void positive_integer(Bytes magnitude);

  size_t written() const { return size_t(end_ - p_); }
  Bytes out() const { return Bytes(p_, written()); }
  bool ok() const { return ok_; }

 private:
  uint8_t* begin_;
  uint8_t* p_;
  uint8_t* end_;
  bool ok_ = true;
};

}  // namespace sansrtc::crypto::der
