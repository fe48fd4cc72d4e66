// sctp/tx/rto.h — the retransmission timeout estimator (RFC 9260 §6.3.1).
//
// SRTT/RTTVAR with alpha = 1/8 and beta = 1/4, RTO clamped to
// [RTO.Min, RTO.Max], doubled on expiry (§6.3.3 E2). Karn's rule (only
// samples from chunks sent once) is the caller's job.
#pragma once

#include "base/time.h"

#include <algorithm>

namespace sansrtc::sctp {

class RetransmissionTimeout {
 public:
  RetransmissionTimeout(Duration initial, Duration min, Duration max)
      : rto_(initial), min_(min), max_(max) {}

  // §6.3.1 C2/C3: a new RTT measurement R.
  void observe(Duration r) {
    if (r < Duration(0)) return;
    if (!has_sample_) {
      srtt_ = r;
      rttvar_ = r / 2;
      has_sample_ = true;
    } else {
      Duration diff = srtt_ > r ? srtt_ - r : r - srtt_;
      rttvar_ = rttvar_ * 3 / 4 + diff / 4;
      srtt_ = srtt_ * 7 / 8 + r / 8;
    }
    // §6.3.1 G1: clock granularity; we take 1 ms.
    rto_ = srtt_ + std::max(Duration(std::chrono::milliseconds(1)), 4 * rttvar_);
    rto_ = std::clamp(rto_, min_, max_);
  }
  // §6.3.3 E2: "set RTO <- RTO * 2 ('back off the timer')".
  void back_off() { rto_ = std::min(rto_ * 2, max_); }
  Duration rto() const { return rto_; }
  Duration srtt() const { return srtt_; }

 private:
  Duration rto_;
  Duration min_;
  Duration max_;
  Duration srtt_{0};
  Duration rttvar_{0};
  bool has_sample_ = false;
};

}  // namespace sansrtc::sctp
