#include "net/udp_socket.h"

#include "net/asio_endpoint.h"

#include <vector>

namespace sansrtc::net {

// Shared with the pending readiness handler, so that destroying the
// UdpSocket while a wait is queued leaves the handler something valid to
// look at (it sees `closed` and returns).
struct UdpSocket::Impl : std::enable_shared_from_this<UdpSocket::Impl> {
  Impl(asio::io_context& ctx, UdpSocketConfig cfg) : socket(ctx), config(cfg), buffer(cfg.receive_buffer + 1) {}

  asio::ip::udp::socket socket;
  UdpSocketConfig config;
  std::vector<uint8_t> buffer;  // one byte extra to detect truncation
  SocketAddress local;
  DatagramSink* sink = nullptr;
  bool waiting = false;
  bool closed = false;
  UdpSocketStats stats;

  void arm() {
    if (waiting || closed || !sink) return;
    waiting = true;
    socket.async_wait(asio::ip::udp::socket::wait_read,
                      [self = shared_from_this()](const asio::error_code& ec) { self->on_readable(ec); });
  }

  void on_readable(const asio::error_code& ec) {
    waiting = false;
    if (closed || ec == asio::error::operation_aborted) return;
    if (ec) {
      ++stats.receive_errors;
      arm();
      return;
    }
    // Keep ourselves alive while the sink runs: it may destroy the UdpSocket.
    auto keep = shared_from_this();
    for (size_t i = 0; i < config.max_batch && !closed && sink; ++i) {
      asio::ip::udp::endpoint from;
      asio::error_code rec;
      const size_t n = socket.receive_from(asio::buffer(buffer), from, 0, rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) break;
      if (rec) {
        // Linux reports an earlier ICMP error (e.g. port unreachable) on the
        // next receive; the socket stays usable.
        ++stats.receive_errors;
        continue;
      }
      size_t len = n;
      if (len > config.receive_buffer) {
        ++stats.truncated;
        len = config.receive_buffer;
      }
      ++stats.datagrams_received;
      stats.bytes_received += len;
      Datagram d{from_asio(from), local, Bytes(buffer.data(), len)};
      sink->on_datagram(d);
    }
    arm();
  }

  void close() {
    if (closed) return;
    closed = true;
    sink = nullptr;
    asio::error_code ignored;
    socket.close(ignored);
  }
};

namespace {

bool bind_one(asio::ip::udp::socket& s, const asio::ip::udp::endpoint& ep, asio::error_code& ec) {
  s.bind(ep, ec);
  return !ec;
}

}  // namespace

Result<std::unique_ptr<UdpSocket>> UdpSocket::open(EventLoop& loop, const SocketAddress& bind,
                                                   PortRange ports, UdpSocketConfig config) {
  if (ports.low > ports.high) return make_error(Errc::invalid_argument, "empty port range (low > high)");
  if (config.receive_buffer == 0 || config.max_batch == 0)
    return make_error(Errc::invalid_argument, "receive_buffer and max_batch must be positive");
  auto impl = std::make_shared<Impl>(loop.context(), config);
  asio::ip::udp::socket& s = impl->socket;
  asio::error_code ec;
  const auto proto = bind.ip().is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6();
  s.open(proto, ec);
  if (ec) return make_error(Errc::io_error, "cannot open a UDP socket");
  if (bind.ip().is_v6()) {
    s.set_option(asio::ip::v6_only(config.v6_only), ec);
    ec.clear();
  }
  s.non_blocking(true, ec);
  if (ec) return make_error(Errc::io_error, "cannot make the UDP socket non-blocking");

  asio::ip::udp::endpoint ep = to_asio(bind);
  bool bound = false;
  if (bind.port() != 0 || (ports.low == 0 && ports.high == 0)) {
    bound = bind_one(s, ep, ec);
    if (!bound) {
      if (ec == asio::error::address_in_use) return make_error(Errc::limit_exceeded, "UDP port already in use");
      if (ec == std::errc::address_not_available)
        return make_error(Errc::io_error, "cannot bind: address is not local");
      return make_error(Errc::io_error, "cannot bind the UDP socket");
    }
  } else {
    for (uint32_t p = ports.low; p <= ports.high && !bound; ++p) {
      if (p == 0) continue;
      ep.port(uint16_t(p));
      bound = bind_one(s, ep, ec);
      if (!bound && ec != asio::error::address_in_use && ec != asio::error::access_denied) {
        if (ec == std::errc::address_not_available)
          return make_error(Errc::io_error, "cannot bind: address is not local");
        return make_error(Errc::io_error, "cannot bind the UDP socket");
      }
    }
    if (!bound) return make_error(Errc::limit_exceeded, "every UDP port of the range is in use");
  }
  const auto local = s.local_endpoint(ec);
  if (ec) return make_error(Errc::io_error, "cannot read the bound UDP address");
  impl->local = from_asio(local);
  return std::unique_ptr<UdpSocket>(new UdpSocket(std::move(impl)));
}

UdpSocket::UdpSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UdpSocket::~UdpSocket() { impl_->close(); }

SocketAddress UdpSocket::local_address() const { return impl_->local; }

Result<void> UdpSocket::send_to(Bytes payload, const SocketAddress& to) {
  Impl& i = *impl_;
  if (i.closed) return make_error(Errc::closed, "the UDP socket is closed");
  asio::ip::udp::endpoint dest = to_asio(to);
  if (to.family() != i.local.family()) {
    // A dual-stack IPv6 socket reaches IPv4 peers through v4-mapped addresses
    // (and reports them as IPv4, see asio_endpoint.h).
    if (i.local.ip().is_v6() && !i.config.v6_only && to.ip().is_v4()) {
      dest = asio::ip::udp::endpoint(
          asio::ip::make_address_v6(asio::ip::v4_mapped, dest.address().to_v4()), to.port());
    } else {
      ++i.stats.send_errors;
      return make_error(Errc::invalid_argument, "destination address family differs from the socket's");
    }
  }
  asio::error_code ec;
  i.socket.send_to(asio::buffer(payload.data(), payload.size()), dest, 0, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ++i.stats.send_would_block;
    return make_error(Errc::io_error, "UDP send buffer full; datagram dropped");
  }
  if (ec) {
    ++i.stats.send_errors;
    return make_error(Errc::io_error, "the kernel refused the UDP datagram");
  }
  ++i.stats.datagrams_sent;
  i.stats.bytes_sent += payload.size();
  return ok_result();
}

void UdpSocket::start_receive(DatagramSink* sink) {
  impl_->sink = impl_->closed ? nullptr : sink;
  impl_->arm();
}

void UdpSocket::close() { impl_->close(); }
bool UdpSocket::is_open() const { return !impl_->closed; }
const UdpSocketStats& UdpSocket::stats() const { return impl_->stats; }

}  // namespace sansrtc::net
