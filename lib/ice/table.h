// ice/table.h — the agent's growable tables (candidates, pairs, STUN
// transactions, the triggered-check, transmit and event queues).
//
// Like std::vector, storage grows on demand (doubling, from one element),
// so a connection with one candidate per side pays for one pair, not for
// Config::max_pairs; the agent enforces the limits. Unlike std::vector, the
// growth is one non-template routine (table_grow) shared by every element
// type: per type only a small relocation loop is instantiated, instead of a
// _M_realloc_insert each, which matters in a Cortex-M image.
//
// Elements move by move-construction (never by assignment), so element
// types need only their constructors. No exceptions: allocation failure
// ends the program, as operator new does in the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace sansrtc::ice {

namespace detail {
// Moves `n` elements from `src` to `dst` (uninitialized) and destroys them in `src`.
using Relocate = void (*)(void* dst, void* src, size_t n);
// A table's storage, untyped.
struct TableStorage {
  void* data = nullptr;
  uint32_t size = 0;
  uint32_t capacity = 0;
};
// Doubles t's capacity (from one element of `element_size` bytes), the
// live elements relocated into the new storage; the old one is freed.
void table_grow(TableStorage& t, size_t element_size, Relocate relocate);
// Destroys t's elements (`destroy`, nullptr when trivial) and frees its storage.
using DestroyAll = void (*)(void* data, size_t n);
void table_release(TableStorage& t, DestroyAll destroy);
// Removes element i of n (each element_size bytes) by moving the rest down
// (trivially copyable elements: one memmove routine for every type).
void table_erase(void* data, size_t i, size_t n, size_t element_size);
}  // namespace detail

template <class T>
class Table {
 public:
  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  Table(Table&& o) noexcept : s_(std::exchange(o.s_, {})) {}
  Table& operator=(Table&& o) noexcept {
    if (this != &o) {
      release();
      s_ = std::exchange(o.s_, {});
    }
    return *this;
  }
  ~Table() { release(); }

  size_t size() const { return s_.size; }
  bool empty() const { return s_.size == 0; }
  size_t capacity() const { return s_.capacity; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  T* begin() { return data(); }
  T* end() { return data() + s_.size; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + s_.size; }
  std::span<const T> span() const { return {data(), s_.size}; }

  template <class... A>
  T& emplace_back(A&&... args) {
    if (s_.size == s_.capacity) detail::table_grow(s_, sizeof(T), &relocate);
    T* p = std::construct_at(data() + s_.size, std::forward<A>(args)...);
    ++s_.size;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void pop_back() { std::destroy_at(data() + --s_.size); }
  void clear() {
    while (s_.size) pop_back();
  }
  // Removes element i, keeping the order of the rest.
  void erase_at(size_t i) {
    if constexpr (std::is_trivially_copyable_v<T>) {
      detail::table_erase(s_.data, i, s_.size--, sizeof(T));
      return;
    }
    for (; i + 1 < s_.size; ++i) {
      std::destroy_at(data() + i);
      std::construct_at(data() + i, std::move(data()[i + 1]));
    }
    pop_back();
  }
  // Destroys the elements and gives the storage back.
  void release() { detail::table_release(s_, std::is_trivially_destructible_v<T> ? nullptr : &destroy_all); }

 private:
  T* data() const { return static_cast<T*>(s_.data); }
  static void destroy_all(void* data, size_t n) { std::destroy_n(static_cast<T*>(data), n); }
  static void relocate(void* dst, void* src, size_t n) {
    T* d = static_cast<T*>(dst);
    T* s = static_cast<T*>(src);
    for (size_t i = 0; i < n; ++i) {
      std::construct_at(d + i, std::move(s[i]));
      std::destroy_at(s + i);
    }
  }

  detail::TableStorage s_;
};

}  // namespace sansrtc::ice
