// base/log.h — formatting log lines without allocation, safely.
//
//   SANSRTC_LOG(LogLevel::info, "stun", "binding from {} rto={}ms", addr, rto);
//
// Each `{}` takes the next argument. Arguments go through `LogArg`, which has
// constructors only for integers, booleans, characters, strings and
// addresses (floating point is deleted): key
// material (anything wrapped in `Secret`) has none, so logging it does not
// compile. Addresses print as "[redacted]" when redaction is on. Lines longer
// than kMaxLogLine are truncated. Arguments are not evaluated when the level
// is disabled.
#pragma once

#include "base/address.h"
#include <sansrtc/log.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sansrtc {

inline constexpr size_t kMaxLogLine = 512;

class LogArg {
 public:
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  LogArg(I v) : kind_(std::is_signed_v<I> ? Kind::i64 : Kind::u64) {
    if constexpr (std::is_signed_v<I>) i_ = v; else u_ = v;
  }
  LogArg(bool v) : kind_(Kind::boolean) { u_ = v; }
  LogArg(char c) : kind_(Kind::chr) { u_ = uint8_t(c); }
  // No floating point: formatting it would pull soft-float and printf
  // into microcontroller builds (and a double must not decay to bool).
  LogArg(double) = delete;
  LogArg(const char* s) : kind_(Kind::str) { s_ = s ? std::string_view(s) : std::string_view("(null)"); }
  LogArg(std::string_view s) : kind_(Kind::str) { s_ = s; }
  LogArg(const std::string& s) : kind_(Kind::str) { s_ = s; }
  LogArg(const IpAddress& a) : kind_(Kind::ip) { ip_ = &a; }
  LogArg(const SocketAddress& a) : kind_(Kind::endpoint) { sa_ = &a; }

  // Appends the formatted argument; returns the new length (<= cap).
  size_t append(char* out, size_t len, size_t cap) const;

 private:
  enum class Kind : uint8_t { i64, u64, boolean, chr, str, ip, endpoint };
  Kind kind_;
  union {
    int64_t i_;
    uint64_t u_;
    const IpAddress* ip_;
    const SocketAddress* sa_;
  };
  std::string_view s_;
};

namespace detail {
bool log_enabled(LogLevel level);
void log_write(LogLevel level, const char* module, std::string_view fmt, const LogArg* args, size_t n);
}  // namespace detail

template <class... A>
void log(LogLevel level, const char* module, std::string_view fmt, const A&... args) {
  if (!detail::log_enabled(level)) return;
  if constexpr (sizeof...(A) == 0) {
    detail::log_write(level, module, fmt, nullptr, 0);
  } else {
    const LogArg list[] = {LogArg(args)...};
    detail::log_write(level, module, fmt, list, sizeof...(A));
  }
}

// Formats into `out` (for tests and tools); returns the length.
size_t log_format(char* out, size_t cap, std::string_view fmt, const LogArg* args, size_t n);

}  // namespace sansrtc

#define SANSRTC_LOG(level, module, ...)                                                  \
  do {                                                                                   \
    if (::sansrtc::detail::log_enabled(level)) ::sansrtc::log(level, module, __VA_ARGS__); \
  } while (0)
