// net/driver.h — runs one sans-IO machine on an EventLoop.
//
// The driver owns the machine's UDP sockets and ONE steady_timer. After every
// input (a datagram, the timer, or update() after an application command) it
//   1. drains poll_transmit() into one reusable buffer and sends each
//      datagram from the socket bound to Transmit::source (or the only
//      socket), to Transmit::destination;
//   2. drains the machine's events (Machine::drain_events);
//   3. repeats 1-2 while the events produced more work (bounded);
//   4. re-arms the timer at poll_timeout() (cancelling it when nullopt).
// The machine's `now` comes from the loop's ClockMapper. A timer never
// delivers handle_timeout() before the deadline it was armed for.
//
// Use: construct with a Machine (MachineAdapter<M> for any machine), bind()
// one or more sockets, call update() once (and after every command the
// application issues on the machine), run the loop.
//
// No protocol logic here. Single-threaded: use the driver only from the thread
// running its loop. The Driver may be destroyed from inside the machine's
// event callback. Leaves out: TCP/TLS sockets, send pacing, socket options
// beyond the ones of UdpSocketConfig.
#pragma once

#include "net/event_loop.h"
#include "net/machine.h"
#include "net/udp_socket.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace sansrtc::net {

struct DriverConfig {
  size_t max_transmit_size = 65536;      // the buffer passed to poll_transmit()
  size_t max_transmits_per_update = 1024; // bounds a machine that never stops sending
  size_t max_drain_rounds = 16;          // rounds of transmit/event draining per input
  UdpSocketConfig socket;
};

struct DriverStats {
  uint64_t datagrams_in = 0;
  uint64_t timeouts = 0;        // handle_timeout() calls
  uint64_t updates = 0;         // drain passes
  uint64_t transmits = 0;       // datagrams handed to a socket successfully
  uint64_t transmit_failed = 0; // the socket refused it (see UdpSocketStats)
  uint64_t transmit_no_socket = 0; // no socket matches Transmit::source
  uint64_t timer_arms = 0;
  uint64_t events = 0;
};

class Driver {
 public:
  // `machine` must outlive the driver (or its close()).
  Driver(EventLoop& loop, Machine& machine, DriverConfig config = {});
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Binds one more UDP socket (see UdpSocket::open) and starts receiving on
  // it; returns its bound address. Errors: those of UdpSocket::open, closed.
  Result<SocketAddress> bind(const SocketAddress& local, PortRange ports = {});

  // Drains and re-arms after the application called a command on the
  // machine (start a transaction, send data...). Safe to call from inside
  // the machine's event callback.
  void update();

  // Closes the sockets and the timer; the machine is not called again.
  void close();
  bool closed() const;

  Instant now() const;
  EventLoop& loop() const;
  std::vector<SocketAddress> local_addresses() const;
  // The socket bound to `local`, or nullptr.
  UdpSocket* socket(const SocketAddress& local) const;
  // The deadline the timer is armed for.
  std::optional<Instant> armed_deadline() const;
  const DriverStats& stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sansrtc::net
