// net/udp_socket.h — a UDP socket (IPv4 or IPv6) on an EventLoop.
//
// Binds to one local address, trying each port of a configurable range until
// one binds; receives without blocking into one reusable buffer and hands
// each datagram to a DatagramSink; sends without blocking (a datagram that
// would block is dropped and counted: UDP may lose it anyway). No protocol
// logic. Asio stays out of this header.
//
// Leaves out: TCP/TLS (TURN over TCP comes with the TURN driver work), ECN,
// GSO/GRO batching, IP_PKTINFO (a socket bound to a wildcard address reports
// the wildcard as the datagram's destination).
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include "net/event_loop.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <memory>

namespace sansrtc::net {

// Ports tried in order, low..high inclusive. {0, 0}: the OS picks one.
struct PortRange {
  uint16_t low = 0;
  uint16_t high = 0;
};

// Receives datagrams from a UdpSocket. `d.payload` is valid only during the
// call; `d.destination` is the socket's local address. The sink may close or
// destroy the socket from inside the call.
class DatagramSink {
 public:
  virtual void on_datagram(const Datagram& d) = 0;

 protected:
  ~DatagramSink() = default;
};

struct UdpSocketConfig {
  size_t receive_buffer = 65536;  // bytes; larger datagrams are truncated (counted)
  size_t max_batch = 64;          // datagrams read per readiness wake-up
  bool v6_only = true;            // IPV6_V6ONLY on IPv6 sockets
};

struct UdpSocketStats {
  uint64_t datagrams_received = 0;
  uint64_t bytes_received = 0;
  uint64_t datagrams_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t send_would_block = 0;  // dropped: the socket's send buffer was full
  uint64_t send_errors = 0;       // dropped: the kernel refused the datagram
  uint64_t receive_errors = 0;    // e.g. ICMP errors reported on the socket
  uint64_t truncated = 0;         // datagram larger than receive_buffer
};

class UdpSocket {
 public:
  // Opens a socket of `bind.family()` bound to `bind.ip()` and, when
  // `bind.port()` is non-zero, exactly that port; otherwise the first port
  // of `ports` that binds (or an OS-chosen port when ports is {0, 0}).
  // Errors: io_error when the socket cannot be opened or the address is not
  // local, limit_exceeded when every port of the range is in use,
  // invalid_argument for an empty range (low > high).
  static Result<std::unique_ptr<UdpSocket>> open(EventLoop& loop, const SocketAddress& bind,
                                                 PortRange ports = {}, UdpSocketConfig config = {});
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // The bound address (with the port the OS or the range gave).
  SocketAddress local_address() const;

  // Sends one datagram now, without blocking. Errors: closed, invalid_argument
  // (address family differs from the socket's), io_error (would block or the
  // kernel refused it; counted in stats either way).
  Result<void> send_to(Bytes payload, const SocketAddress& to);

  // Starts (or restarts) delivering received datagrams to `sink`, which must
  // stay valid until close() or the socket's destruction. nullptr pauses.
  void start_receive(DatagramSink* sink);

  // Stops receiving and closes the socket. Idempotent.
  void close();
  bool is_open() const;

  const UdpSocketStats& stats() const;

  struct Impl;

 private:
  explicit UdpSocket(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sansrtc::net
