// sctp/fifo.h — a growable ring (power-of-two capacity) for the association's
// queues. It grows by doubling and never shrinks, so once a connection has
// reached its working size the per-packet paths do not allocate. Every user
// bounds its size from Config (send buffer, receive buffer, event limit).
#pragma once

#include "base/check.h"

#include <cstddef>
#include <memory>
#include <utility>

namespace sansrtc::sctp {

template <class T>
class Fifo {
 public:
  // Slots allocated by the first push (nothing before it).
  static constexpr size_t kInitialSlots = 4;

  Fifo() = default;
  explicit Fifo(size_t initial) { grow(initial); }

  void push_back(T v) {
    if (size_ == cap_) grow(cap_ ? cap_ * 2 : kInitialSlots);
    slots_[(head_ + size_) & (cap_ - 1)] = std::move(v);
    ++size_;
  }
  T pop_front() {
    SANSRTC_DCHECK(size_ > 0);
    T out = std::move(slots_[head_]);
    slots_[head_] = T();
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
    return out;
  }
  T& front() { SANSRTC_DCHECK(size_ > 0); return slots_[head_]; }
  const T& front() const { SANSRTC_DCHECK(size_ > 0); return slots_[head_]; }
  T& back() { SANSRTC_DCHECK(size_ > 0); return slots_[(head_ + size_ - 1) & (cap_ - 1)]; }
  T& operator[](size_t i) { SANSRTC_DCHECK(i < size_); return slots_[(head_ + i) & (cap_ - 1)]; }
  const T& operator[](size_t i) const { SANSRTC_DCHECK(i < size_); return slots_[(head_ + i) & (cap_ - 1)]; }
  void clear() { while (size_) (void)pop_front(); head_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  void grow(size_t n) {
    size_t c = 1;
    while (c < n) c <<= 1;
    auto s = std::make_unique<T[]>(c);
    for (size_t i = 0; i < size_; ++i) s[i] = std::move(slots_[(head_ + i) & (cap_ - 1)]);
    slots_ = std::move(s);
    cap_ = c;
    head_ = 0;
  }
  std::unique_ptr<T[]> slots_;
  size_t cap_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace sansrtc::sctp
