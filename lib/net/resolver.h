// net/resolver.h — host name resolution for STUN/TURN server names.
//
// Asynchronous resolution on the EventLoop (asio::ip::udp::resolver, which
// runs getaddrinfo on a helper thread), plus a synchronous helper for tools
// and a "HOST:PORT" splitter. Returns addresses only; picking one (family
// preference, happy eyeballs) is the caller's business. No protocol logic.
// Leaves out: SRV/NAPTR lookups (RFC 5928 TURN URI resolution), mDNS.
#pragma once

#include "base/address.h"
#include "net/event_loop.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::net {

enum class AddressFamilies : uint8_t { any, v4_only, v6_only };

// Splits "host:port", "[v6]:port" or "v4:port" into host and port.
// Errors: malformed (no port, bad port, unbalanced brackets).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> split_host_port(std::string_view text);

// Resolves `host` (a name or a literal address) synchronously; the result
// has no duplicates and keeps the resolver's order. Errors: not_found.
Result<std::vector<SocketAddress>> resolve_sync(const std::string& host, uint16_t port,
                                                AddressFamilies families = AddressFamilies::any);

class Resolver {
 public:
  using Callback = std::function<void(Result<std::vector<SocketAddress>>)>;

  explicit Resolver(EventLoop& loop);
  ~Resolver();  // cancels; pending callbacks are not called
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves asynchronously; `done` runs on the loop's thread exactly once
  // unless cancel() or destruction comes first. Errors: not_found.
  void resolve(const std::string& host, uint16_t port, AddressFamilies families, Callback done);
  void cancel();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sansrtc::net
