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
#include <utility>

namespace sansrtc::ice {

namespace detail {
// Moves `n` elements from `src` to `dst` (uninitialized) and destroys them in `src`.
using Relocate = void (*)(void* dst, void* src, size_t n);
// New storage for `capacity` elements of `element_size` bytes, with the `n`
// live elements of `old` relocated into it; `old` is freed.
void* table_grow(void* old, size_t n, size_t capacity, size_t element_size, Relocate relocate);
void table_free(void* p);
}  // namespace detail

template <class T>
class Table {
 public:
  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  Table(Table&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
                              capacity_(std::exchange(o.capacity_, 0)) {}
  Table& operator=(Table&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  ~Table() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::span<const T> span() const { return {data_, size_}; }

  template <class... A>
  T& emplace_back(A&&... args) {
    if (size_ == capacity_) grow();
    T* p = std::construct_at(data_ + size_, std::forward<A>(args)...);
    ++size_;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void pop_back() { std::destroy_at(data_ + --size_); }
  void clear() {
    while (size_) pop_back();
  }
  // Removes element i, keeping the order of the rest.
  void erase_at(size_t i) {
    for (; i + 1 < size_; ++i) {
      std::destroy_at(data_ + i);
      std::construct_at(data_ + i, std::move(data_[i + 1]));
    }
    pop_back();
  }
  // Destroys the elements and gives the storage back.
  void release() {
    clear();
    detail::table_free(data_);
    data_ = nullptr;
    capacity_ = 0;
  }

 private:
  static void relocate(void* dst, void* src, size_t n) {
    T* d = static_cast<T*>(dst);
    T* s = static_cast<T*>(src);
    for (size_t i = 0; i < n; ++i) {
      std::construct_at(d + i, std::move(s[i]));
      std::destroy_at(s + i);
    }
  }
  void grow() {
    const uint32_t capacity = capacity_ ? capacity_ * 2 : 1;
    data_ = static_cast<T*>(detail::table_grow(data_, size_, capacity, sizeof(T), &relocate));
    capacity_ = capacity;
  }

  T* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

}  // namespace sansrtc::ice
