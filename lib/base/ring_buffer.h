// base/ring_buffer.h — a bounded FIFO whose storage grows on demand.
//
// Capacity is fixed at construction (from a Config limit); push on a full
// ring fails instead of growing past it. Storage is not allocated up front:
// the first push allocates a few slots and a push into full storage doubles
// it, up to the capacity. Storage shrinks only when the owner asks
// (shrink_when_empty; clear() keeps it), so once a queue has reached its
// working size the per-packet paths allocate nothing — while a connection whose queues stay short never pays for the
// limit (a 4096-event limit costs 4 slots when events are drained promptly).
// Used for queues on per-packet paths where std::deque would allocate.
#pragma once

#include "base/check.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace sansrtc {

template <class T>
class RingBuffer {
 public:
  // Slots allocated by the first push (fewer when the capacity is smaller).
  static constexpr size_t kInitialSlots = 4;

  RingBuffer() = default;
  explicit RingBuffer(size_t capacity) { reset(capacity); }

  // Drops all elements and storage and sets a new capacity (allocates
  // nothing; storage comes back on demand).
  void reset(size_t capacity) {
    slots_.reset();
    allocated_ = 0;
    capacity_ = capacity;
    head_ = size_ = 0;
  }

  // Allocates storage for `n` elements now (at most the capacity), so that
  // pushes up to `n` never allocate. Not for hot paths.
  void reserve(size_t n) {
    if (n > capacity_) n = capacity_;
    if (n > allocated_) grow_to(n);
  }

  // False when full (the element is not taken).
  [[nodiscard]] bool push_back(T v) {
    if (size_ == capacity_) return false;
    if (size_ == allocated_) {
      size_t n = allocated_ ? allocated_ * 2 : kInitialSlots;
      if (n > capacity_) n = capacity_;
      grow_to(n);
    }
    slots_[(head_ + size_) % allocated_].emplace(std::move(v));
    ++size_;
    return true;
  }
  std::optional<T> pop_front() {
    if (size_ == 0) return std::nullopt;
    std::optional<T> out = std::move(slots_[head_]);
    slots_[head_].reset();
    head_ = (head_ + 1) % allocated_;
    --size_;
    return out;
  }
  T& front() { SANSRTC_DCHECK(size_ > 0); return *slots_[head_]; }
  const T& front() const { SANSRTC_DCHECK(size_ > 0); return *slots_[head_]; }
  T& back() { SANSRTC_DCHECK(size_ > 0); return *slots_[(head_ + size_ - 1) % allocated_]; }
  // i-th element from the front.
  T& operator[](size_t i) { SANSRTC_DCHECK(i < size_); return *slots_[(head_ + i) % allocated_]; }
  const T& operator[](size_t i) const { SANSRTC_DCHECK(i < size_); return *slots_[(head_ + i) % allocated_]; }
  void clear() {
    while (size_) (void)pop_front();
    head_ = 0;
  }

  // When empty and holding more than `keep` slots (a burst grew it), gives
  // the storage back down to `keep` slots. Owners call it where their queue
  // drains: a ring that only ever holds a few elements stays small, and one
  // that keeps taking bursts pays an allocation per burst, never per element.
  void shrink_when_empty(size_t keep) {
    if (size_ != 0 || allocated_ <= keep) return;
    slots_ = keep ? std::make_unique<std::optional<T>[]>(keep) : nullptr;
    allocated_ = keep;
    head_ = 0;
  }

  size_t size() const { return size_; }
  // The limit given at construction / reset().
  size_t capacity() const { return capacity_; }
  // Slots currently allocated (<= capacity()).
  size_t allocated() const { return allocated_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }

 private:
  void grow_to(size_t n) {
    auto s = std::make_unique<std::optional<T>[]>(n);
    for (size_t i = 0; i < size_; ++i) {
      std::optional<T>& from = slots_[(head_ + i) % allocated_];
      s[i].emplace(std::move(*from));
      from.reset();
    }
    slots_ = std::move(s);
    allocated_ = n;
    head_ = 0;
  }

  std::unique_ptr<std::optional<T>[]> slots_;
  size_t allocated_ = 0;  // slots in slots_
  size_t capacity_ = 0;   // the limit
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace sansrtc
