// base/strong_id.h — distinct integer types for distinct IDs.
//
// `using StreamId = StrongId<struct StreamIdTag, uint16_t>;` makes a stream
// ID that cannot be passed where a PPID is expected, with no runtime cost.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>

namespace sansrtc {

template <class Tag, class T>
class StrongId {
 public:
  using value_type = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  T v_{};
};

}  // namespace sansrtc

template <class Tag, class T>
struct std::hash<sansrtc::StrongId<Tag, T>> {
  size_t operator()(const sansrtc::StrongId<Tag, T>& id) const { return std::hash<T>()(id.value()); }
};
