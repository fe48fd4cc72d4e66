// base/seq_num.h — wrap-aware sequence numbers and an unwrapper.
//
// One template serves RTP sequence numbers (16 bits), SCTP TSNs and SSNs
// (32/16 bits) and DTLS record sequence numbers (48 bits). Comparison follows
// serial number arithmetic (RFC 1982): a < b when b is "ahead" of a by less
// than half the space. `Unwrapper` maps a wrapping stream onto int64_t.
#pragma once

#include <compare>
#include <cstdint>

namespace sansrtc {

template <unsigned Bits>
class SeqNum {
  static_assert(Bits >= 8 && Bits <= 63);

 public:
  static constexpr uint64_t kMask = (uint64_t(1) << Bits) - 1;
  static constexpr uint64_t kHalf = uint64_t(1) << (Bits - 1);

  constexpr SeqNum() = default;
  constexpr explicit SeqNum(uint64_t v) : v_(v & kMask) {}
  constexpr uint64_t value() const { return v_; }

  constexpr SeqNum next() const { return SeqNum(v_ + 1); }
  constexpr SeqNum operator+(int64_t d) const { return SeqNum(v_ + uint64_t(d)); }
  constexpr SeqNum operator-(int64_t d) const { return SeqNum(v_ - uint64_t(d)); }
  SeqNum& operator++() { v_ = (v_ + 1) & kMask; return *this; }
  // Signed distance from `other` to this (positive when this is ahead).
  constexpr int64_t distance_from(SeqNum other) const {
    uint64_t d = (v_ - other.v_) & kMask;
    return d >= kHalf ? int64_t(d) - int64_t(kMask) - 1 : int64_t(d);
  }
  constexpr bool operator==(const SeqNum&) const = default;
  constexpr bool operator<(SeqNum o) const { return o.distance_from(*this) > 0; }
  constexpr bool operator>(SeqNum o) const { return o < *this; }
  constexpr bool operator<=(SeqNum o) const { return !(o < *this); }
  constexpr bool operator>=(SeqNum o) const { return !(*this < o); }

 private:
  uint64_t v_ = 0;
};

template <unsigned Bits>
class Unwrapper {
 public:
  // Returns the unwrapped value of `s`, choosing the candidate closest to
  // the last value seen, and advances the reference when `s` is newer.
  int64_t unwrap(SeqNum<Bits> s) {
    if (!has_last_) {
      has_last_ = true;
      last_ = int64_t(s.value());
      return last_;
    }
    int64_t v = last_ + s.distance_from(SeqNum<Bits>(uint64_t(last_)));
    if (v > last_) last_ = v;
    return v;
  }
  // Like unwrap() but does not move the reference.
  int64_t peek(SeqNum<Bits> s) const {
    if (!has_last_) return int64_t(s.value());
    return last_ + s.distance_from(SeqNum<Bits>(uint64_t(last_)));
  }
  void reset() { has_last_ = false; last_ = 0; }

 private:
  int64_t last_ = 0;
  bool has_last_ = false;
};

using Seq16 = SeqNum<16>;
using Seq32 = SeqNum<32>;
using Seq48 = SeqNum<48>;

}  // namespace sansrtc
