// support/sim/machine.h — adapting any sans-IO machine to the simulator.
//
// Layers name their inputs differently (handle_datagram, handle_packet with a
// Datagram or with bytes, handle_input) and some poll_transmit() return a
// Transmit while others return only a size. MachineTraits<M> detects the
// common spellings at compile time:
//
//   input    m.handle_datagram(now, Datagram) | m.handle_packet(now, Datagram)
//            | m.handle_packet(now, Bytes) | m.handle_input(now, Bytes)
//   output   m.poll_transmit(MutBytes) -> optional<Transmit> | optional<size_t>
//   timers   m.handle_timeout(now), m.poll_timeout() -> optional<Instant>
//            (both optional: a machine without them never has a deadline)
//
// Anything else: specialize MachineTraits<M>, or wrap the machine in a
// FnMachine built from four lambdas. MachineEndpoint<M> turns a machine into
// a simulator Endpoint; for address-less machines (SCTP over DTLS, DTLS
// itself) it fills in a fixed peer address as every transmit's destination.
#pragma once

#include "support/sim/simulator.h"

#include <functional>
#include <optional>
#include <type_traits>

namespace sansrtc::sim {

template <class>
inline constexpr bool kAlwaysFalse = false;

template <class M>
struct MachineTraits {
  static void handle(M& m, Instant now, const Datagram& d) {
    if constexpr (requires { m.handle_datagram(now, d); }) {
      m.handle_datagram(now, d);
    } else if constexpr (requires { m.handle_packet(now, d); }) {
      m.handle_packet(now, d);
    } else if constexpr (requires { m.handle_packet(now, d.payload); }) {
      m.handle_packet(now, d.payload);
    } else if constexpr (requires { m.handle_input(now, d.payload); }) {
      m.handle_input(now, d.payload);
    } else {
      static_assert(kAlwaysFalse<M>, "no known input method: specialize sim::MachineTraits<M>");
    }
  }
  // Machines without timers (e.g. a stateless responder) may omit handle_timeout.
  static void timeout(M& m, Instant now) {
    if constexpr (requires { m.handle_timeout(now); }) m.handle_timeout(now);
  }
  static std::optional<Transmit> poll(M& m, MutBytes buf) {
    auto r = m.poll_transmit(buf);
    using R = decltype(r);
    if constexpr (std::is_same_v<R, std::optional<Transmit>>) {
      return r;
    } else if constexpr (requires { r.has_value(); size_t(*r); }) {
      if (!r) return std::nullopt;
      Transmit t;
      t.size = size_t(*r);
      return t;
    } else {
      static_assert(kAlwaysFalse<M>, "unknown poll_transmit result: specialize sim::MachineTraits<M>");
    }
  }
  static std::optional<Instant> deadline(M& m) {
    if constexpr (requires { m.poll_timeout(); }) {
      return m.poll_timeout();
    } else {
      return std::nullopt;
    }
  }
};

// A machine made of four lambdas, for tests that drive something unusual.
struct FnMachine {
  std::function<void(Instant, const Datagram&)> on_datagram;
  std::function<void(Instant)> on_timeout;
  std::function<std::optional<Transmit>(MutBytes)> on_poll_transmit;
  std::function<std::optional<Instant>()> on_poll_timeout;

  void handle_datagram(Instant now, const Datagram& d) { if (on_datagram) on_datagram(now, d); }
  void handle_timeout(Instant now) { if (on_timeout) on_timeout(now); }
  std::optional<Transmit> poll_transmit(MutBytes buf) {
    return on_poll_transmit ? on_poll_transmit(buf) : std::nullopt;
  }
  std::optional<Instant> poll_timeout() { return on_poll_timeout ? on_poll_timeout() : std::nullopt; }
};

template <class M, class Traits = MachineTraits<M>>
class MachineEndpoint final : public Endpoint {
 public:
  // `peer`: the destination for transmits that leave it unspecified
  // (address 0.0.0.0 and port 0), i.e. machines that know no addresses.
  explicit MachineEndpoint(M& m, std::optional<SocketAddress> peer = std::nullopt)
      : m_(m), peer_(peer) {}

  M& machine() { return m_; }
  void set_peer(SocketAddress peer) { peer_ = peer; }

  void handle_datagram(Instant now, const Datagram& d) override { Traits::handle(m_, now, d); }
  void handle_timeout(Instant now) override { Traits::timeout(m_, now); }
  std::optional<Transmit> poll_transmit(MutBytes buf) override {
    std::optional<Transmit> t = Traits::poll(m_, buf);
    if (t && peer_ && t->destination.ip().is_unspecified() && t->destination.port() == 0) {
      t->destination = *peer_;
    }
    return t;
  }
  std::optional<Instant> poll_timeout() override { return Traits::deadline(m_); }

 private:
  M& m_;
  std::optional<SocketAddress> peer_;
};

}  // namespace sansrtc::sim
