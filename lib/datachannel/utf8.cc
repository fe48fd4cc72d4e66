#include "datachannel/utf8.h"

#include <cstdint>

namespace sansrtc::datachannel {

namespace {

enum Utf8Fault : uint8_t {
  kValid,
  kUnexpectedContinuation,
  kInvalidLead,
  kTruncated,
  kMissingContinuation,
  kOutOfRange,  // overlong, surrogate or beyond U+10FFFF (the second byte's range)
};

// RFC 3629 §4:
//   UTF8-1 = %x00-7F
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//            %xF4 %x80-8F 2( UTF8-tail )
// The second byte's range carries all the overlong/surrogate/too-large rules,
// so one (lo, hi) pair per lead byte is enough.
// The first fault in `s`: one scan for utf8_error() and is_valid_utf8().
Utf8Fault utf8_scan(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;        // overlong below U+0800
      else if (b == 0xED) hi = 0x9F;   // UTF-16 surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;        // overlong below U+10000
      else if (b == 0xF4) hi = 0x8F;   // above U+10FFFF
    } else if (b >= 0x80 && b <= 0xBF) {
      return kUnexpectedContinuation;
    } else {
      return kInvalidLead;
    }
    if (n - i < len) return kTruncated;
    if (p[i + 1] < lo || p[i + 1] > hi) return (p[i + 1] & 0xC0) != 0x80 ? kMissingContinuation : kOutOfRange;
    for (size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return kMissingContinuation;
    i += len;
  }
  return kValid;
}

}  // namespace

const char* utf8_error(std::string_view s) {
  static const char* const kText[] = {
      nullptr,
      "utf-8: unexpected continuation byte",
      "utf-8: invalid lead byte (overlong or beyond U+10FFFF)",
      "utf-8: truncated sequence",
      "utf-8: missing continuation byte",
      "utf-8: overlong, surrogate or beyond U+10FFFF",
  };
  return kText[utf8_scan(s)];
}

bool is_valid_utf8(std::string_view s) { return utf8_scan(s) == kValid; }

}  // namespace sansrtc::datachannel
