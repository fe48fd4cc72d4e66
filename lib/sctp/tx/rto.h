// sctp/tx/rto.h — the retransmission timeout estimator (RFC 9260 §6.3.1).
//
// SRTT/RTTVAR with alpha = 1/8 and beta = 1/4, RTO clamped to
// [RTO.Min, RTO.Max], doubled on expiry (§6.3.3 E2). Karn's rule (only
// samples from chunks sent once) is the caller's job.
#pragma once

#include "base/time.h"

#include <algorithm>
#include <cstdint>

namespace sansrtc::sctp {

class RetransmissionTimeout {
 public:
  RetransmissionTimeout(Duration initial, Duration min, Duration max)
      : rto_(initial), min_(min), max_(max) {}

  // §6.3.1 C2/C3: a new RTT measurement R.
  void observe(Duration r) {
    if (r < Duration(0)) return;
    // Unsigned nanoseconds (every value here is >= 0): the divisions are
    // shifts, which keeps this small on 32-bit targets.
    const uint64_t rr = uint64_t(r.count());
    uint64_t srtt = uint64_t(srtt_.count()), var = uint64_t(rttvar_.count());
    if (!has_sample_) {
      srtt = rr;
      var = rr >> 1;
      has_sample_ = true;
    } else {
      const uint64_t diff = srtt > rr ? srtt - rr : rr - srtt;
      var = ((var * 3) >> 2) + (diff >> 2);   // RTTVAR <- (1 - 1/4) * RTTVAR + 1/4 * |SRTT - R'|
      srtt = ((srtt * 7) >> 3) + (rr >> 3);   // SRTT <- (1 - 1/8) * SRTT + 1/8 * R'
    }
    srtt_ = Duration(int64_t(srtt));
    rttvar_ = Duration(int64_t(var));
    // §6.3.1 G1: clock granularity; we take 1 ms.
    const uint64_t k = std::max<uint64_t>(uint64_t(Duration(std::chrono::milliseconds(1)).count()), 4 * var);
    rto_ = std::clamp(Duration(int64_t(srtt + k)), min_, max_);
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
