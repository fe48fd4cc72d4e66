// base/crypto/der.cc — strict DER tag/length walking and backward writing.
#include "base/crypto/der.h"

#include <cstring>

namespace sansrtc::crypto::der {

//   identifier octet | length octets                  | contents
//   class|P/C|tag<31 | 0xxxxxxx            (0..127)   | len bytes
//                    | 10000001 1xxxxxxx   (128..255)
//                    | 10000010 (256..65535, big-endian)
// X.690 §10.1: DER "shall" use the definite form with the minimum number
// of length octets; anything else is refused here.
bool Reader::peek(uint8_t& tag, Bytes& contents, const uint8_t*& next) const {
  const uint8_t* p = p_;
  if (!ok_ || end_ - p < 2) return false;
  tag = *p++;
  if ((tag & 0x1f) == 0x1f) return false;  // high tag number form
  size_t len = *p++;
  if (len >= 0x80) {
    const size_t n = len & 0x7f;
    if (n == 0 || n > 2 || size_t(end_ - p) < n) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | *p++;
    if (len < 0x80 || (n == 2 && len < 0x100)) return false;  // not the shortest form
  }
  if (size_t(end_ - p) < len) return false;
  contents = Bytes(p, len);
  next = p + len;
  return true;
}

Bytes Reader::read(uint8_t tag) {
  Bytes out;
  if (!read_optional(tag, out)) ok_ = false;
  return out;
}

bool Reader::read_optional(uint8_t tag, Bytes& out) {
  uint8_t t;
  Bytes c;
  const uint8_t* next;
  if (!peek(t, c, next)) {
    // Absent at the end of the span is fine for an OPTIONAL field; a
    // malformed element is not.
    if (p_ != end_) ok_ = false;
    return false;
  }
  if (t != tag) return false;
  p_ = next;
  out = c;
  return true;
}

// X.690 §8.3.2: the first nine bits of a (multi-octet) INTEGER are not all
// zero or all one.
Bytes Reader::read_positive_integer() {
  Bytes v = read(kInteger);
  if (v.empty() || (v[0] & 0x80) != 0) {
    ok_ = false;
    return {};
  }
  if (v[0] == 0 && v.size() > 1) {
    if ((v[1] & 0x80) == 0) {
      ok_ = false;
      return {};
    }
    v = v.subspan(1);
  }
  return v;
}

Bytes Reader::read_bit_string() {
  Bytes v = read(kBitString);
  if (v.empty() || v[0] != 0) {
    ok_ = false;
    return {};
  }
  return v.subspan(1);
}

void Writer::raw(Bytes b) {
  if (!ok_ || size_t(p_ - begin_) < b.size()) {
    ok_ = false;
    return;
  }
  p_ -= b.size();
  if (!b.empty()) std::memcpy(p_, b.data(), b.size());
}

void Writer::header(uint8_t tag, size_t len) {
  uint8_t h[4];
  size_t n = 0;
  h[n++] = tag;
  if (len >= 0x100) {
    h[n++] = 0x82;
    h[n++] = uint8_t(len >> 8);
  } else if (len >= 0x80) {
    h[n++] = 0x81;
  }
  h[n++] = uint8_t(len);
  if (len > 0xffff) ok_ = false;
  raw(Bytes(h, n));
}

void Writer::positive_integer(Bytes magnitude) {
  while (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  const size_t mark = written();
  raw(magnitude);
  if (magnitude.empty() || (magnitude[0] & 0x80) != 0) byte(0);
  wrap(kInteger, mark);
}

}  // namespace sansrtc::crypto::der
