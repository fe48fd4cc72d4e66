// base/time.h — Instant/Duration (from the public header) and TimerTable.
//
// Timers are data: a machine keeps one optional deadline per `enum class`
// value and reports the earliest through poll_timeout(). No timer objects,
// no callbacks.
#pragma once

#include <sansrtc/time.h>

#include <array>
#include <cstddef>
#include <optional>

namespace sansrtc {

// Keeps `now` monotonic: an input earlier than the last one is clamped.
class MonotonicNow {
 public:
  Instant update(Instant now) {
    if (!last_ || now > *last_) last_ = now;
    return *last_;
  }
  std::optional<Instant> last() const { return last_; }

 private:
  std::optional<Instant> last_;
};

// One optional deadline per enumerator of E; E's last enumerator must be
// `count_`-like: pass the number of timers as N.
template <class E, size_t N>
class TimerTable {
 public:
  void arm(E timer, Instant deadline) { deadlines_[index(timer)] = deadline; }
  void disarm(E timer) { deadlines_[index(timer)].reset(); }
  void disarm_all() { deadlines_.fill(std::nullopt); }
  bool armed(E timer) const { return deadlines_[index(timer)].has_value(); }
  std::optional<Instant> deadline(E timer) const { return deadlines_[index(timer)]; }
  // True (and disarms it) when `timer` is armed and due at `now`.
  bool take_expired(E timer, Instant now) {
    auto& d = deadlines_[index(timer)];
    if (d && *d <= now) {
      d.reset();
      return true;
    }
    return false;
  }
  bool expired(E timer, Instant now) const {
    const auto& d = deadlines_[index(timer)];
    return d && *d <= now;
  }
  // The earliest armed deadline.
  std::optional<Instant> next() const {
    std::optional<Instant> best;
    for (const auto& d : deadlines_)
      if (d && (!best || *d < *best)) best = d;
    return best;
  }
  // The timer with the earliest deadline (for "why did we wake up").
  std::optional<E> next_timer() const {
    std::optional<E> which;
    std::optional<Instant> best;
    for (size_t i = 0; i < N; ++i)
      if (deadlines_[i] && (!best || *deadlines_[i] < *best)) {
        best = deadlines_[i];
        which = static_cast<E>(i);
      }
    return which;
  }

 private:
  static size_t index(E e) { return static_cast<size_t>(e); }
  std::array<std::optional<Instant>, N> deadlines_{};
};

// The earlier of two optional instants.
inline std::optional<Instant> earliest(std::optional<Instant> a, std::optional<Instant> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace sansrtc
