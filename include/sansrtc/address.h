// sansrtc/address.h — IPv4/IPv6 addresses and socket addresses as plain values.
//
// No sockets here: these are the values that STUN attributes, ICE candidates
// and the simulator carry. Parsing and printing follow RFC 5952 for IPv6
// (lower case, longest zero run compressed) and "[v6]:port" for endpoints.
#pragma once

#include <sansrtc/bytes.h>
#include <sansrtc/result.h>

#include <array>
#include <span>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace sansrtc {

enum class IpFamily : uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  constexpr IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(uint32_t host_order);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return v4(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d);
  }
  static IpAddress v6(const std::array<uint8_t, 16>& bytes);
  // "192.0.2.1" or "2001:db8::1" (no brackets, no zone).
  static Result<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::v4; }
  bool is_v6() const { return family_ == IpFamily::v6; }
  // 4 or 16 bytes in network order.
  Bytes bytes() const { return Bytes(bytes_.data(), is_v4() ? 4 : 16); }
  uint32_t v4_host_order() const {
    return uint32_t(bytes_[0]) << 24 | uint32_t(bytes_[1]) << 16 | uint32_t(bytes_[2]) << 8 | bytes_[3];
  }

  bool is_loopback() const;
  bool is_unspecified() const;
  bool is_link_local() const;
  bool is_private() const;  // RFC 1918 / RFC 4193 unique local

  std::string to_string() const;
  // Writes into out (>= 46 bytes); returns the length.
  size_t format(char* out, size_t cap) const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::v4;
  std::array<uint8_t, 16> bytes_{};
};

class SocketAddress {
 public:
  constexpr SocketAddress() = default;
  SocketAddress(IpAddress ip, uint16_t port) : ip_(ip), port_(port) {}
  // "192.0.2.1:3478" or "[2001:db8::1]:3478".
  static Result<SocketAddress> parse(std::string_view text);

  const IpAddress& ip() const { return ip_; }
  uint16_t port() const { return port_; }
  IpFamily family() const { return ip_.family(); }
  void set_port(uint16_t p) { port_ = p; }

  std::string to_string() const;
  size_t format(char* out, size_t cap) const;  // out >= 56 bytes

  auto operator<=>(const SocketAddress&) const = default;

 private:
  IpAddress ip_;
  uint16_t port_ = 0;
};

// A received datagram. `payload` is valid only during the handle_* call.
struct Datagram {
  SocketAddress source;
  SocketAddress destination;  // the local address it arrived on
  Bytes payload;
};

// A datagram a machine wants sent: its payload was written into the buffer
// passed to poll_transmit(); `size` bytes of it are valid.
struct Transmit {
  SocketAddress source;       // local address to send from
  SocketAddress destination;
  size_t size = 0;
};

}  // namespace sansrtc

template <>
struct std::hash<sansrtc::IpAddress> {
  size_t operator()(const sansrtc::IpAddress& a) const noexcept;
};
template <>
struct std::hash<sansrtc::SocketAddress> {
  size_t operator()(const sansrtc::SocketAddress& a) const noexcept;
};
