// base/secret.h — key material.
//
// `Secret<N>` holds up to N secret bytes, wipes them on destruction and on
// reassignment, and has no formatter: it cannot be passed to SANSRTC_LOG
// (LogArg has no constructor for it) and exposes its bytes only through an
// explicit `expose()` call that is easy to grep for.
#pragma once

#include "base/bytes.h"
#include "base/check.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sansrtc {

template <size_t N>
class Secret {
 public:
  Secret() = default;
  explicit Secret(Bytes b) { assign(b); }
  Secret(const Secret& o) { assign(o.expose()); }
  Secret& operator=(const Secret& o) {
    if (this != &o) assign(o.expose());
    return *this;
  }
  ~Secret() { secure_zero(data_, sizeof(data_)); }

  // Copies min(b.size(), N) bytes; returns false if b was longer than N.
  bool assign(Bytes b) {
    secure_zero(data_, sizeof(data_));
    size_ = b.size() < N ? b.size() : N;
    if (size_) std::memcpy(data_, b.data(), size_);
    return b.size() <= N;
  }
  void resize(size_t n) { SANSRTC_DCHECK(n <= N); size_ = n; }
  Bytes expose() const { return Bytes(data_, size_); }
  MutBytes expose_mut() { return MutBytes(data_, size_); }
  size_t size() const { return size_; }
  static constexpr size_t capacity() { return N; }
  bool empty() const { return size_ == 0; }
  void clear() { secure_zero(data_, sizeof(data_)); size_ = 0; }

 private:
  uint8_t data_[N] = {};
  size_t size_ = 0;
};

}  // namespace sansrtc
