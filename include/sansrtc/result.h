// sansrtc/result.h — errors as values.
//
// Every fallible call in sansrtc returns `Result<T>`: either a value or an
// `Error` (a code plus a static, human-readable message). Building an error
// never allocates, so the core can report failures from anywhere, including
// out-of-memory paths and interrupt-free embedded loops. The core is built
// with -fno-exceptions; nothing here throws.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace sansrtc {

enum class Errc : uint8_t {
  invalid_argument,   // the caller passed something the call cannot accept
  invalid_state,      // the call is not legal in the machine's current state
  malformed,          // input bytes or text do not parse
  unsupported,        // well-formed but not implemented / not negotiated
  limit_exceeded,     // a configured bound would be exceeded
  not_found,          // a looked-up thing does not exist
  timeout,            // a transaction or handshake gave up
  auth_failed,        // integrity, fingerprint or credential check failed
  crypto_failure,     // the crypto backend reported an error
  buffer_too_small,   // the caller's buffer cannot hold the output
  closed,             // the object is closed
  io_error,           // the driver's socket or resolver failed (net/ only)
  internal,           // a bug: an invariant did not hold
};

const char* errc_name(Errc code);

// `message` must point to storage with static duration (a string literal).
struct Error {
  Errc code;
  const char* message;
};

constexpr Error make_error(Errc code, const char* message) { return Error{code, message}; }

// A build for a microcontroller may define SANSRTC_TERSE_ERRORS (meson
// option terse_errors): every error the library makes then carries its Errc
// and an empty message, and the message texts (several KiB of flash) are
// not in the image. Library code calls make_error() unqualified, which this
// macro relies on.
#if defined(SANSRTC_TERSE_ERRORS)
#define make_error(code, message) (static_cast<void>(message), ::sansrtc::Error{(code), ""})
#endif

template <class T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : has_value_(true) { new (&value_) T(value); }
  Result(T&& value) : has_value_(true) { new (&value_) T(std::move(value)); }
  Result(Error error) : has_value_(false) { error_ = error; }
  Result(const Result& o) : has_value_(o.has_value_) {
    if (has_value_) new (&value_) T(o.value_); else error_ = o.error_;
  }
  Result(Result&& o) noexcept : has_value_(o.has_value_) {
    if (has_value_) new (&value_) T(std::move(o.value_)); else error_ = o.error_;
  }
  Result& operator=(Result o) {
    this->~Result();
    new (this) Result(std::move(o));
    return *this;
  }
  ~Result() { if (has_value_) value_.~T(); }

  bool ok() const { return has_value_; }
  explicit operator bool() const { return has_value_; }

  // Precondition: ok(). Calling on an error is a bug (checked in debug builds).
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T value_or(T fallback) const { return has_value_ ? value_ : fallback; }

  // Precondition: !ok().
  Error error() const { return error_; }

 private:
  bool has_value_;
  union {
    T value_;
    Error error_;
  };
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : error_{Errc::internal, nullptr}, ok_(true) {}
  Result(Error error) : error_(error), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error error() const { return error_; }

 private:
  Error error_;
  bool ok_;
};

inline Result<void> ok_result() { return Result<void>(); }

}  // namespace sansrtc

// Propagate an error from an expression returning Result<...>.
#define SANSRTC_TRY(expr)                                   \
  do {                                                      \
    auto sansrtc_try_r_ = (expr);                           \
    if (!sansrtc_try_r_.ok()) return sansrtc_try_r_.error(); \
  } while (0)
