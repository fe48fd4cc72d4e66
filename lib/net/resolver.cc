#include "net/resolver.h"

#include "net/asio_endpoint.h"

#include <algorithm>
#include <charconv>

namespace sansrtc::net {

Result<HostPort> split_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return make_error(Errc::malformed, "missing ']' in [address]:port");
    hp.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(Errc::malformed, "expected ':port' after ']'");
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error(Errc::malformed, "expected HOST:PORT");
    if (text.find(':') != colon)
      return make_error(Errc::malformed, "an IPv6 address needs brackets: [addr]:port");
    hp.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (hp.host.empty()) return make_error(Errc::malformed, "empty host");
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535)
    return make_error(Errc::malformed, "port must be a number 0-65535");
  hp.port = uint16_t(port);
  return hp;
}

namespace {

std::vector<SocketAddress> collect(const asio::ip::udp::resolver::results_type& results,
                                   AddressFamilies families) {
  std::vector<SocketAddress> out;
  for (const auto& entry : results) {
    const SocketAddress a = from_asio(entry.endpoint());
    if (families == AddressFamilies::v4_only && !a.ip().is_v4()) continue;
    if (families == AddressFamilies::v6_only && !a.ip().is_v6()) continue;
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

asio::ip::udp protocol_for(AddressFamilies f) {
  return f == AddressFamilies::v6_only ? asio::ip::udp::v6() : asio::ip::udp::v4();
}

}  // namespace

Result<std::vector<SocketAddress>> resolve_sync(const std::string& host, uint16_t port,
                                                AddressFamilies families) {
  asio::io_context ctx(1);
  asio::ip::udp::resolver r(ctx);
  asio::error_code ec;
  const std::string service = std::to_string(port);
  auto results = families == AddressFamilies::any
                     ? r.resolve(host, service, asio::ip::resolver_base::numeric_service, ec)
                     : r.resolve(protocol_for(families), host, service,
                                 asio::ip::resolver_base::numeric_service, ec);
  if (ec) return make_error(Errc::not_found, "host name did not resolve");
  auto out = collect(results, families);
  if (out.empty()) return make_error(Errc::not_found, "host name has no address of the wanted family");
  return out;
}

struct Resolver::Impl {
  explicit Impl(asio::io_context& ctx) : resolver(ctx) {}
  asio::ip::udp::resolver resolver;
  uint64_t generation = 0;
};

Resolver::Resolver(EventLoop& loop) : impl_(std::make_shared<Impl>(loop.context())) {}

Resolver::~Resolver() { cancel(); }

void Resolver::cancel() {
  ++impl_->generation;
  impl_->resolver.cancel();
}

void Resolver::resolve(const std::string& host, uint16_t port, AddressFamilies families, Callback done) {
  std::weak_ptr<Impl> weak = impl_;
  const uint64_t gen = impl_->generation;
  auto handler = [weak, gen, families, done = std::move(done)](
                     const asio::error_code& ec, asio::ip::udp::resolver::results_type results) {
    auto self = weak.lock();
    if (!self || self->generation != gen || ec == asio::error::operation_aborted) return;
    if (ec) {
      done(make_error(Errc::not_found, "host name did not resolve"));
      return;
    }
    auto out = collect(results, families);
    if (out.empty()) {
      done(make_error(Errc::not_found, "host name has no address of the wanted family"));
      return;
    }
    done(std::move(out));
  };
  const std::string service = std::to_string(port);
  if (families == AddressFamilies::any)
    impl_->resolver.async_resolve(host, service, asio::ip::resolver_base::numeric_service, std::move(handler));
  else
    impl_->resolver.async_resolve(protocol_for(families), host, service,
                                  asio::ip::resolver_base::numeric_service, std::move(handler));
}

}  // namespace sansrtc::net
