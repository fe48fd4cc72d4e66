// base/ring_buffer.h — a bounded FIFO that allocates once.
//
// Capacity is fixed at construction (from a Config limit); push on a full
// ring fails instead of growing. Used for queues on per-packet paths where
// std::deque would allocate.
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
  RingBuffer() = default;
  explicit RingBuffer(size_t capacity) { reset(capacity); }

  // Drops all elements and sets a new capacity (allocates; not for hot paths).
  void reset(size_t capacity) {
    slots_ = capacity ? std::make_unique<std::optional<T>[]>(capacity) : nullptr;
    capacity_ = capacity;
    head_ = size_ = 0;
  }

  // False when full (the element is not taken).
  [[nodiscard]] bool push_back(T v) {
    if (size_ == capacity_) return false;
    slots_[(head_ + size_) % capacity_].emplace(std::move(v));
    ++size_;
    return true;
  }
  std::optional<T> pop_front() {
    if (size_ == 0) return std::nullopt;
    std::optional<T> out = std::move(slots_[head_]);
    slots_[head_].reset();
    head_ = (head_ + 1) % capacity_;
    --size_;
    return out;
  }
  T& front() { SANSRTC_DCHECK(size_ > 0); return *slots_[head_]; }
  const T& front() const { SANSRTC_DCHECK(size_ > 0); return *slots_[head_]; }
  T& back() { SANSRTC_DCHECK(size_ > 0); return *slots_[(head_ + size_ - 1) % capacity_]; }
  // i-th element from the front.
  T& operator[](size_t i) { SANSRTC_DCHECK(i < size_); return *slots_[(head_ + i) % capacity_]; }
  const T& operator[](size_t i) const { SANSRTC_DCHECK(i < size_); return *slots_[(head_ + i) % capacity_]; }
  void clear() {
    while (size_) (void)pop_front();
    head_ = 0;
  }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }

 private:
  std::unique_ptr<std::optional<T>[]> slots_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace sansrtc
