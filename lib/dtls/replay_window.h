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
    if (!any_) return true;
    if (seq > max_seq_) return true;
    uint64_t diff = max_seq_ - seq;
    if (diff >= kWindowSize) return false;
    return (bitmap_ & (uint64_t(1) << diff)) == 0;
  }

  void mark(uint64_t seq) {
    if (!any_) {
      any_ = true;
      max_seq_ = seq;
      bitmap_ = 1;
      return;
    }
    if (seq > max_seq_) {
      uint64_t shift = seq - max_seq_;
      bitmap_ = shift >= kWindowSize ? 0 : bitmap_ << shift;
      bitmap_ |= 1;
      max_seq_ = seq;
      return;
    }
    uint64_t diff = max_seq_ - seq;
    if (diff < kWindowSize) bitmap_ |= uint64_t(1) << diff;
  }

  void reset() { *this = ReplayWindow(); }
  uint64_t max_seq() const { return max_seq_; }

 private:
  uint64_t max_seq_ = 0;
  uint64_t bitmap_ = 0;
  bool any_ = false;
};

}  // namespace sansrtc::dtls
