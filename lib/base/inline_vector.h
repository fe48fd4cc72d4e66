// base/inline_vector.h — a vector with fixed inline capacity, never on the heap.
//
// For small bounded lists (attributes of a message, gap blocks of a SACK,
// fingerprints of a description). push_back on a full vector fails.
#pragma once

#include "base/check.h"

#include <cstddef>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace sansrtc {

template <class T, size_t N>
class InlineVector {
 public:
  InlineVector() = default;
  InlineVector(const InlineVector& o) { for (const auto& v : o) (void)push_back(v); }
  InlineVector(InlineVector&& o) noexcept {
    for (auto& v : o) (void)push_back(std::move(v));
    o.clear();
  }
  InlineVector& operator=(const InlineVector& o) {
    if (this != &o) { clear(); for (const auto& v : o) (void)push_back(v); }
    return *this;
  }
  InlineVector& operator=(InlineVector&& o) noexcept {
    if (this != &o) { clear(); for (auto& v : o) (void)push_back(std::move(v)); o.clear(); }
    return *this;
  }
  ~InlineVector() { clear(); }

  [[nodiscard]] bool push_back(const T& v) { return emplace_back(v) != nullptr; }
  [[nodiscard]] bool push_back(T&& v) { return emplace_back(std::move(v)) != nullptr; }
  // Returns nullptr when full.
  template <class... A>
  T* emplace_back(A&&... a) {
    if (size_ == N) return nullptr;
    T* p = new (&storage_[size_]) T(std::forward<A>(a)...);
    ++size_;
    return p;
  }
  void pop_back() { SANSRTC_DCHECK(size_ > 0); data()[--size_].~T(); }
  void erase(size_t i) {
    SANSRTC_DCHECK(i < size_);
    for (size_t j = i; j + 1 < size_; ++j) data()[j] = std::move(data()[j + 1]);
    pop_back();
  }
  void clear() {
    if constexpr (std::is_trivially_destructible_v<T>) {
      size_ = 0;
    } else {
      while (size_) pop_back();
    }
  }

  T* data() { return std::launder(reinterpret_cast<T*>(storage_)); }
  const T* data() const { return std::launder(reinterpret_cast<const T*>(storage_)); }
  T& operator[](size_t i) { SANSRTC_DCHECK(i < size_); return data()[i]; }
  const T& operator[](size_t i) const { SANSRTC_DCHECK(i < size_); return data()[i]; }
  T& back() { return (*this)[size_ - 1]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  std::span<T> span() { return {data(), size_}; }
  std::span<const T> span() const { return {data(), size_}; }

  size_t size() const { return size_; }
  static constexpr size_t capacity() { return N; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == N; }

 private:
  alignas(T) unsigned char storage_[N][sizeof(T)];
  size_t size_ = 0;
};

}  // namespace sansrtc
