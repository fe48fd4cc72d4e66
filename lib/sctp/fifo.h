// sctp/fifo.h — a growable ring (power-of-two capacity) for the association's
// queues. It grows by doubling and never shrinks, so once a connection has
// reached its working size the per-packet paths do not allocate. Every user
// bounds its size from Config (send buffer, receive buffer, event limit).
//
// Rings of trivially copyable elements (message pointers, stream ids,
// retransmission entries) share one growth routine (fifo.cc), so their
// growth code exists once in the image instead of once per element type.
#pragma once

#include "base/check.h"

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace sansrtc::sctp {

namespace detail {
// Allocates `n` slots of `elem` bytes, copies the `size` live elements of the
// ring `slots` (capacity `cap`, first at `head`) to the front, frees `slots`.
void* fifo_grow_raw(void* slots, size_t elem, size_t cap, size_t head, size_t size, size_t n);
void fifo_free_raw(void* slots);
}  // namespace detail

template <class T>
class Fifo {
 public:
  // Slots allocated by the first push (nothing before it).
  static constexpr size_t kInitialSlots = 4;

  Fifo() = default;
  explicit Fifo(size_t initial) { grow(initial); }
  ~Fifo() { release(); }
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;
  Fifo(Fifo&& o) noexcept { swap(o); }
  Fifo& operator=(Fifo&& o) noexcept {
    Fifo t(std::move(o));
    swap(t);
    return *this;
  }

  // Slots hold live objects only between push_back and pop_front; the rest
  // is raw storage.
  void push_back(T v) {
    if (size_ == cap_) grow(cap_ ? cap_ * 2 : kInitialSlots);
    ::new (static_cast<void*>(slots_ + ((head_ + size_) & (cap_ - 1)))) T(std::move(v));
    ++size_;
  }
  // Appends a default-constructed element and returns it (built in place).
  T& emplace_back() {
    if (size_ == cap_) grow(cap_ ? cap_ * 2 : kInitialSlots);
    T* slot = ::new (static_cast<void*>(slots_ + ((head_ + size_) & (cap_ - 1)))) T();
    ++size_;
    return *slot;
  }
  T pop_front() {
    SANSRTC_DCHECK(size_ > 0);
    T out = std::move(slots_[head_]);
    slots_[head_].~T();
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
  static constexpr bool kRaw = std::is_trivially_copyable_v<T>;
  void grow(size_t n) {
    size_t c = 1;
    while (c < n) c <<= 1;
    if constexpr (kRaw) {
      slots_ = static_cast<T*>(detail::fifo_grow_raw(slots_, sizeof(T), cap_, head_, size_, c));
    } else {
      T* s = static_cast<T*>(::operator new(c * sizeof(T)));
      for (size_t i = 0; i < size_; ++i) {
        T& from = slots_[(head_ + i) & (cap_ - 1)];
        ::new (static_cast<void*>(s + i)) T(std::move(from));
        from.~T();
      }
      ::operator delete(slots_);
      slots_ = s;
    }
    cap_ = c;
    head_ = 0;
  }
  void release() {
    if constexpr (kRaw) {
      detail::fifo_free_raw(slots_);
    } else {
      for (size_t i = 0; i < size_; ++i) slots_[(head_ + i) & (cap_ - 1)].~T();
      ::operator delete(slots_);
    }
  }
  void swap(Fifo& o) noexcept {
    std::swap(slots_, o.slots_);
    std::swap(cap_, o.cap_);
    std::swap(head_, o.head_);
    std::swap(size_, o.size_);
  }
  T* slots_ = nullptr;
  size_t cap_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace sansrtc::sctp
