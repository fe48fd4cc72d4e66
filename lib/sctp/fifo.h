// sctp/fifo.h — a growable ring (power-of-two capacity) for the association's
// queues. It grows by doubling and never shrinks, so once a connection has
// reached its working size the per-packet paths do not allocate. Every user
// bounds its size from Config (send buffer, receive buffer, event limit).
//
// Rings of relocatable elements (message pointers, stream ids,
// retransmission entries, events) share one append and growth routine
// (fifo.cc), so that code exists once in the image instead of once per
// element type.
#pragma once

#include "base/check.h"

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace sansrtc::sctp {

namespace detail {
// The ring's state, the same for every element type.
struct FifoRaw {
  void* slots = nullptr;
  size_t cap = 0;
  size_t head = 0;
  size_t size = 0;
};
// Allocates `n` slots of `elem` bytes, copies the `size` live elements of the
// ring `slots` (capacity `cap`, first at `head`) to the front, frees `slots`.
void* fifo_grow_raw(void* slots, size_t elem, size_t cap, size_t head, size_t size, size_t n);
void fifo_free_raw(void* slots);
// For relocatable element types (below): makes room for one more element
// (doubling the ring when it is full), counts it and returns its raw slot.
void* fifo_push_raw(FifoRaw& f, size_t elem);
}  // namespace detail

// Whether a std::vector's bytes may be copied to new storage in place of a
// move (the old bytes then forgotten): libstdc++ and libc++ in their normal
// modes hold no pointer into the vector object, so it moves like a struct
// of three pointers. Their debug modes track iterators through the object:
// there, and with any other library, the rings below move element by element
// and the receive queue does not compile (sctp/rx/receive_queue.cc).
#if (defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)) || \
    (defined(_LIBCPP_VERSION) && !defined(_LIBCPP_ENABLE_DEBUG_MODE) && !defined(_LIBCPP_DEBUG))
inline constexpr bool kVectorBytesRelocate = true;
#else
inline constexpr bool kVectorBytesRelocate = false;
#endif

// Element types whose objects may be moved to new storage by copying their
// bytes (and not destroying the old bytes): trivially copyable types, and
// types declared so below. Their rings share one out-of-line append and
// growth routine (fifo.cc). An event (enums, a static string, std::vector
// members) qualifies where kVectorBytesRelocate holds.
template <class T>
struct FifoRelocatable : std::is_trivially_copyable<T> {};
struct Event;  // sctp/association.h
template <>
struct FifoRelocatable<Event> : std::bool_constant<kVectorBytesRelocate> {};

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
  void push_back(T v) { ::new (back_slot()) T(std::move(v)); }
  // Appends a default-constructed element and returns it (built in place).
  T& emplace_back() { return *::new (back_slot()) T(); }
  T pop_front() {
    SANSRTC_DCHECK(r_.size > 0);
    T& slot = slots()[r_.head];
    T out = std::move(slot);
    slot.~T();
    r_.head = (r_.head + 1) & (r_.cap - 1);
    --r_.size;
    return out;
  }
  T& front() { SANSRTC_DCHECK(r_.size > 0); return slots()[r_.head]; }
  const T& front() const { SANSRTC_DCHECK(r_.size > 0); return slots()[r_.head]; }
  T& back() { SANSRTC_DCHECK(r_.size > 0); return (*this)[r_.size - 1]; }
  T& operator[](size_t i) { SANSRTC_DCHECK(i < r_.size); return slots()[(r_.head + i) & (r_.cap - 1)]; }
  const T& operator[](size_t i) const { SANSRTC_DCHECK(i < r_.size); return slots()[(r_.head + i) & (r_.cap - 1)]; }
  void clear() { while (r_.size) (void)pop_front(); r_.head = 0; }
  size_t size() const { return r_.size; }
  bool empty() const { return r_.size == 0; }

 private:
  static constexpr bool kRaw = FifoRelocatable<T>::value;
  T* slots() const { return static_cast<T*>(r_.slots); }
  // The raw slot for a new back element, counted in size.
  void* back_slot() {
    if constexpr (kRaw) {
      return detail::fifo_push_raw(r_, sizeof(T));
    } else {
      if (r_.size == r_.cap) grow(r_.cap ? r_.cap * 2 : kInitialSlots);
      return slots() + ((r_.head + r_.size++) & (r_.cap - 1));
    }
  }
  void grow(size_t n) {
    size_t c = 1;
    while (c < n) c <<= 1;
    if constexpr (kRaw) {
      r_.slots = detail::fifo_grow_raw(r_.slots, sizeof(T), r_.cap, r_.head, r_.size, c);
    } else {
      T* s = static_cast<T*>(::operator new(c * sizeof(T)));
      for (size_t i = 0; i < r_.size; ++i) {
        T& from = (*this)[i];
        ::new (static_cast<void*>(s + i)) T(std::move(from));
        from.~T();
      }
      ::operator delete(r_.slots);
      r_.slots = s;
    }
    r_.cap = c;
    r_.head = 0;
  }
  void release() {
    if constexpr (!std::is_trivially_destructible_v<T>)
      for (size_t i = 0; i < r_.size; ++i) (*this)[i].~T();
    detail::fifo_free_raw(r_.slots);
  }
  void swap(Fifo& o) noexcept { std::swap(r_, o.r_); }
  detail::FifoRaw r_;
};

}  // namespace sansrtc::sctp
