// net/clock_mapper.h — maps std::chrono::steady_clock onto sansrtc::Instant.
//
// Machines take `Instant now` on VirtualClock, which has no now(). The driver
// is the one place that reads a real clock: a ClockMapper remembers one
// steady_clock reading (the origin) and maps it to `base`, a large positive
// Instant, so that arithmetic mistakes near zero show up in real runs as they
// do in tests. The mapping is a pure offset, exact to the nanosecond in both
// directions, so a deadline converted to steady_clock and back is unchanged
// and a timer armed at to_steady(d) never fires before d.
#pragma once

#include <sansrtc/time.h>

#include <chrono>

namespace sansrtc::net {

// The Instant that the driver's clock starts from (1000 days, like kTestEpoch
// but distinct from it so that logs show which clock is in use).
inline constexpr Instant kDriverEpoch = Instant(std::chrono::hours(24 * 1000 + 1));

class ClockMapper {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  ClockMapper() : ClockMapper(std::chrono::steady_clock::now(), kDriverEpoch) {}
  ClockMapper(SteadyTime origin, Instant base) : origin_(origin), base_(base) {}

  Instant now() const { return to_instant(std::chrono::steady_clock::now()); }

  Instant to_instant(SteadyTime t) const {
    return base_ + std::chrono::duration_cast<Duration>(t - origin_);
  }
  SteadyTime to_steady(Instant i) const {
    return origin_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(i - base_);
  }

  SteadyTime origin() const { return origin_; }
  Instant base() const { return base_; }

 private:
  SteadyTime origin_;
  Instant base_;
};

}  // namespace sansrtc::net
