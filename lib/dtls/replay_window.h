// dtls/replay_window.h — the DTLS anti-replay sliding window (RFC 6347 §4.1.2.6).
//
// A 64-entry bitmap anchored at the highest sequence number seen in one
// epoch. "The receive window is updated only if the MAC verification
// succeeds" (RFC 6347 §4.1.2.6): callers check() before decrypting and
// mark() after a successful open.
#pragma once

#include <cstdint>

namespace sansrtc::dtls {

class ReplayWindow {
 public:
  static constexpr uint64_t kWindowSize = 64;

  // True when `seq` (48-bit) is new and not older than the window.
  bool check(uint64_t seq) const {
    if (seq >= next_) return true;
    const uint64_t diff = next_ - 1 - seq;
    return diff < kWindowSize && !((bitmap_ >> diff) & 1);
  }

  void mark(uint64_t seq) {
    if (seq >= next_) {
      // Slide the window so that `seq` is its right edge (bit 0).
      const uint64_t shift = seq + 1 - next_;
      bitmap_ = shift >= kWindowSize ? 0 : bitmap_ << shift;
      next_ = seq + 1;
    }
    const uint64_t diff = next_ - 1 - seq;
    if (diff < kWindowSize) bitmap_ |= uint64_t(1) << diff;
  }

  void reset() { *this = ReplayWindow(); }
  // The highest sequence number marked (meaningful after the first mark).
  uint64_t max_seq() const { return next_ - 1; }

 private:
  uint64_t next_ = 0;    // highest sequence number seen + 1; 0 before the first
  uint64_t bitmap_ = 0;  // bit i: next_ - 1 - i was seen
};

}  // namespace sansrtc::dtls
