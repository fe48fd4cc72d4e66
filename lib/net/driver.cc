#include "net/driver.h"

#include "net/asio_endpoint.h"

namespace sansrtc::net {

// Lives in a shared_ptr: the timer's handler holds a weak_ptr so that a
// wait still queued when the Driver is destroyed finds nothing and returns;
// every callback into the machine holds a shared_ptr so that the
// application may destroy the Driver from inside it.
struct Driver::Impl final : DatagramSink, std::enable_shared_from_this<Driver::Impl> {
  Impl(EventLoop& l, Machine& m, DriverConfig c)
      : loop(l), machine(m), config(c), timer(l.context()), tx_buffer(c.max_transmit_size) {}

  EventLoop& loop;
  Machine& machine;
  DriverConfig config;
  asio::steady_timer timer;
  std::vector<uint8_t> tx_buffer;
  std::vector<std::unique_ptr<UdpSocket>> sockets;
  std::optional<Instant> armed;
  uint64_t generation = 0;
  bool closed = false;
  bool in_update = false;
  bool again = false;
  DriverStats stats;

  void on_datagram(const Datagram& d) override {
    if (closed) return;
    auto keep = shared_from_this();
    const Instant now = loop.now();
    ++stats.datagrams_in;
    machine.handle_datagram(now, d);
    update(now);
  }

  // The socket bound to t.source; a machine may leave the port out (0) or
  // the whole source (default: "any socket of the destination's family").
  UdpSocket* pick_socket(const Transmit& t) {
    if (sockets.size() == 1) return sockets[0].get();
    const SocketAddress& source = t.source;
    for (auto& s : sockets)
      if (s->local_address() == source) return s.get();
    if (source.port() == 0 && !source.ip().is_unspecified())
      for (auto& s : sockets)
        if (s->local_address().ip() == source.ip()) return s.get();
    for (auto& s : sockets)
      if (s->local_address().family() == source.family() && s->local_address().ip().is_unspecified() &&
          (source.port() == 0 || s->local_address().port() == source.port()))
        return s.get();
    if (source.ip().is_unspecified() && source.port() == 0)
      for (auto& s : sockets)
        if (s->local_address().family() == t.destination.family()) return s.get();
    return nullptr;
  }

  size_t drain_transmits() {
    size_t n = 0;
    while (!closed && n < config.max_transmits_per_update) {
      auto t = machine.poll_transmit(MutBytes(tx_buffer.data(), tx_buffer.size()));
      if (!t) break;
      ++n;
      UdpSocket* s = pick_socket(*t);
      if (!s) {
        ++stats.transmit_no_socket;
        continue;
      }
      const size_t size = t->size <= tx_buffer.size() ? t->size : tx_buffer.size();
      if (s->send_to(Bytes(tx_buffer.data(), size), t->destination).ok())
        ++stats.transmits;
      else
        ++stats.transmit_failed;
    }
    return n;
  }

  void update(Instant now) {
    if (closed) return;
    if (in_update) {
      again = true;
      return;
    }
    auto keep = shared_from_this();
    in_update = true;
    ++stats.updates;
    for (size_t round = 0; round < config.max_drain_rounds && !closed; ++round) {
      again = false;
      const size_t tx = drain_transmits();
      const size_t ev = closed ? 0 : machine.drain_events(now);
      stats.events += ev;
      if (tx == 0 && ev == 0 && !again) break;
    }
    in_update = false;
    rearm();
  }

  void rearm() {
    if (closed) return;
    const std::optional<Instant> deadline = machine.poll_timeout();
    if (deadline == armed) return;
    armed = deadline;
    ++generation;
    if (!deadline) {
      timer.cancel();
      return;
    }
    ++stats.timer_arms;
    timer.expires_at(loop.clock().to_steady(*deadline));
    timer.async_wait([weak = weak_from_this(), gen = generation](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto self = weak.lock()) self->on_timer(gen);
    });
  }

  void on_timer(uint64_t gen) {
    if (closed || gen != generation || !armed) return;
    const Instant deadline = *armed;
    const Instant now = loop.now();
    armed.reset();
    if (now < deadline) {
      // steady_timer fired early (it does not, but the contract is ours).
      rearm();
      return;
    }
    ++stats.timeouts;
    machine.handle_timeout(now);
    update(now);
  }

  void close() {
    if (closed) return;
    closed = true;
    ++generation;
    timer.cancel();
    for (auto& s : sockets) s->close();
  }
};

Driver::Driver(EventLoop& loop, Machine& machine, DriverConfig config)
    : impl_(std::make_shared<Impl>(loop, machine, config)) {}

Driver::~Driver() { impl_->close(); }

Result<SocketAddress> Driver::bind(const SocketAddress& local, PortRange ports) {
  if (impl_->closed) return make_error(Errc::closed, "the driver is closed");
  auto s = UdpSocket::open(impl_->loop, local, ports, impl_->config.socket);
  if (!s.ok()) return s.error();
  std::unique_ptr<UdpSocket> sock = std::move(s).value();
  const SocketAddress addr = sock->local_address();
  sock->start_receive(impl_.get());
  impl_->sockets.push_back(std::move(sock));
  return addr;
}

void Driver::update() { impl_->update(impl_->loop.now()); }
void Driver::close() { impl_->close(); }
bool Driver::closed() const { return impl_->closed; }
Instant Driver::now() const { return impl_->loop.now(); }
EventLoop& Driver::loop() const { return impl_->loop; }

std::vector<SocketAddress> Driver::local_addresses() const {
  std::vector<SocketAddress> out;
  for (auto& s : impl_->sockets) out.push_back(s->local_address());
  return out;
}

UdpSocket* Driver::socket(const SocketAddress& local) const {
  for (auto& s : impl_->sockets)
    if (s->local_address() == local) return s.get();
  return nullptr;
}

std::optional<Instant> Driver::armed_deadline() const { return impl_->armed; }
const DriverStats& Driver::stats() const { return impl_->stats; }

}  // namespace sansrtc::net
