// net/machine.h — what the driver needs from a sans-IO machine.
//
// Every sansrtc machine has the shape of DESIGN.md §2 (handle_* with `now`,
// poll_transmit into a caller buffer, poll_timeout, poll_event). The driver
// talks to it through this small interface so that one non-template Driver
// (net/driver.h) runs any of them. MachineAdapter<M> implements it for a
// machine M by forwarding; the application receives M's events through a
// callable it passes to the adapter. Nothing here includes Asio.
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include "base/time.h"

#include <cstddef>
#include <optional>
#include <utility>

namespace sansrtc::net {

class Machine {
 public:
  // A datagram arrived on one of the driver's sockets (`d.payload` valid
  // during the call only).
  virtual void handle_datagram(Instant now, const Datagram& d) = 0;
  // The deadline last returned by poll_timeout() has passed.
  virtual void handle_timeout(Instant now) = 0;
  // Serializes the next datagram to send into `buf`, or nullopt when none.
  virtual std::optional<Transmit> poll_transmit(MutBytes buf) = 0;
  // The earliest deadline, or nullopt for none.
  virtual std::optional<Instant> poll_timeout() = 0;
  // Drains the machine's events to the application (poll_event() until
  // empty); returns how many it drained. The application may call commands
  // on the machine from here: the driver drains transmits again afterwards.
  virtual size_t drain_events(Instant /*now*/) { return 0; }

 protected:
  ~Machine() = default;
};

// An event sink that ignores every event (for machines without events, or
// when the application polls them itself).
struct IgnoreEvents {
  template <class E>
  void operator()(Instant, E&&) const {}
};

// Adapts any machine M with the standard shape. M's input method may be
// called handle_datagram(now, const Datagram&) or handle_packet(now, const
// Datagram&); handle_timeout() and poll_event() are optional.
// `on_event(now, event)` is called for each event M produces. The adapter holds a reference: M must outlive it.
template <class M, class OnEvent = IgnoreEvents>
class MachineAdapter final : public Machine {
 public:
  explicit MachineAdapter(M& machine, OnEvent on_event = OnEvent())
      : machine_(machine), on_event_(std::move(on_event)) {}

  void handle_datagram(Instant now, const Datagram& d) override {
    if constexpr (requires { machine_.handle_datagram(now, d); })
      machine_.handle_datagram(now, d);
    else
      machine_.handle_packet(now, d);
  }
  void handle_timeout(Instant now) override {
    // A machine without timers (e.g. a stateless responder) may omit it.
    if constexpr (requires { machine_.handle_timeout(now); }) machine_.handle_timeout(now);
  }
  std::optional<Transmit> poll_transmit(MutBytes buf) override { return machine_.poll_transmit(buf); }
  std::optional<Instant> poll_timeout() override { return machine_.poll_timeout(); }
  size_t drain_events(Instant now) override {
    size_t n = 0;
    if constexpr (requires { machine_.poll_event(); }) {
      while (auto e = machine_.poll_event()) {
        ++n;
        on_event_(now, std::move(*e));
      }
    }
    return n;
  }

  M& machine() { return machine_; }

 private:
  M& machine_;
  OnEvent on_event_;
};

}  // namespace sansrtc::net
