// sansrtc/time.h — the virtual clock.
//
// Machines never read a clock: every mutating call takes `Instant now`.
// `Instant` is a time point on `VirtualClock`, a clock type that has no
// `now()`, so code that tries to read the time does not compile. The driver
// (lib/net) maps its steady clock onto it; tests start it away from zero so
// that arithmetic mistakes near the epoch show.
#pragma once

#include <chrono>
#include <cstdint>

namespace sansrtc {

struct VirtualClock {
  using rep = int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<VirtualClock>;
  static constexpr bool is_steady = true;
  // Deliberately no now().
};

using Duration = std::chrono::nanoseconds;
using Instant = VirtualClock::time_point;

using std::chrono::milliseconds;
using std::chrono::microseconds;
using std::chrono::seconds;

// A point in time far enough from zero that no test relies on the epoch.
inline constexpr Instant kTestEpoch = Instant(std::chrono::hours(24 * 1000));

inline int64_t to_millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
inline int64_t to_micros(Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace sansrtc
