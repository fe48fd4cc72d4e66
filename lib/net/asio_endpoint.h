// net/asio_endpoint.h — the one place that converts between Asio endpoints
// and sansrtc::SocketAddress / IpAddress.
//
// Internal to lib/net: includes Asio, so only lib/net/*.cc may include it.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are returned as IPv4, since a
// dual-stack socket reports IPv4 peers that way. IPv6 scope ids (zones) are
// not carried by SocketAddress and are dropped.
#pragma once

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
// lib/net normally builds with exceptions (it is not core), but it also
// builds in a -fno-exceptions -fno-rtti configuration: Asio then needs to be
// told, and asio::detail::throw_exception is defined below (it aborts; we
// use the error_code overloads, so it is reached only on a bug).
#if !defined(__cpp_exceptions) && !defined(ASIO_NO_EXCEPTIONS)
#define ASIO_NO_EXCEPTIONS 1
#endif
#if !defined(__cpp_rtti) && !defined(__GXX_RTTI) && !defined(ASIO_NO_TYPEID)
#define ASIO_NO_TYPEID 1
#endif
#include <asio.hpp>

#include "base/address.h"

#if defined(ASIO_NO_EXCEPTIONS)
#include <cstdio>
#include <cstdlib>

namespace asio::detail {
// Defined in every translation unit that includes Asio (all of them include
// this header), as Asio requires when exceptions are off.
template <typename Exception>
void throw_exception(const Exception& e) {
  std::fprintf(stderr, "sansrtc net: unexpected asio error with exceptions off: %s\n", e.what());
  std::abort();
}
}  // namespace asio::detail
#endif

namespace sansrtc::net {

inline IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  const asio::ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  const auto b = v6.to_bytes();
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < 16; ++i) bytes[i] = b[i];
  return IpAddress::v6(bytes);
}

inline asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) return asio::ip::address_v4(a.v4_host_order());
  asio::ip::address_v6::bytes_type b;
  const Bytes src = a.bytes();
  for (size_t i = 0; i < 16; ++i) b[i] = src[i];
  return asio::ip::address_v6(b);
}

inline SocketAddress from_asio(const asio::ip::udp::endpoint& e) {
  return SocketAddress(from_asio(e.address()), e.port());
}

inline asio::ip::udp::endpoint to_asio(const SocketAddress& a) {
  return asio::ip::udp::endpoint(to_asio(a.ip()), a.port());
}

}  // namespace sansrtc::net
