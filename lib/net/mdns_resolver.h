// net/mdns_resolver.h — resolves ".local" names (RFC 8828 ICE candidates)
// with one-shot Multicast DNS queries on an EventLoop.
//
// RFC 6762 §5.1 one-shot queries: one UDP socket on an ephemeral port (not
// 5353) sends an A+AAAA query with the QU bit (§5.4) to the group
// (224.0.0.251:5353 by default; tests point it at a loopback responder) and
// takes the first answer for the name from any unicast or multicast
// response that reaches the socket. The query is repeated every
// `retransmit` until `timeout`, then the name is reported unresolved.
// Concurrent requests for one name share one query. Answers are not cached:
// RFC 8828 names are random per session.
//
// Single-threaded (the loop's thread). Leaves out: continuous querying,
// listening on port 5353 (a querier on 5353 would see every multicast
// answer on the link, but must then share the port with the system's
// responder), per-interface sockets (the OS's default multicast interface
// is used), IP TTL 255 (RFC 6762 §11; responders that check it answer
// one-shot queries anyway, §5.1).
#pragma once

#include "base/address.h"
#include "base/time.h"
#include "net/event_loop.h"
#include "net/mdns_codec.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sansrtc::net {

struct MdnsResolverConfig {
  SocketAddress group = SocketAddress(IpAddress::v4(224, 0, 0, 251), mdns::kPort);
  Duration timeout = std::chrono::seconds(3);
  Duration retransmit = std::chrono::seconds(1);
  size_t max_pending = 256;           // names being resolved at once
  size_t max_waiters_per_name = 64;   // callbacks waiting for one name
};

struct MdnsResolverStats {
  uint64_t queries_sent = 0;
  uint64_t send_failed = 0;
  uint64_t responses = 0;        // datagrams received
  uint64_t malformed = 0;        // responses that did not parse (counted once each)
  uint64_t resolved = 0;         // names answered
  uint64_t timed_out = 0;        // names not answered in time
  uint64_t rejected = 0;         // resolve() over a limit
};

class MdnsResolver {
 public:
  // Empty addresses: no answer before the timeout.
  using Callback = std::function<void(const mdns::Addresses&)>;

  MdnsResolver(EventLoop& loop, MdnsResolverConfig config = {});
  ~MdnsResolver();  // pending callbacks are not called
  MdnsResolver(const MdnsResolver&) = delete;
  MdnsResolver& operator=(const MdnsResolver&) = delete;

  // Starts (or joins) the query for `name`; `done` runs later on the loop's
  // thread exactly once unless the resolver is destroyed first, never from
  // inside this call. Errors: invalid_argument (not a valid DNS name),
  // limit_exceeded (max_pending or max_waiters_per_name), io_error (the
  // socket could not be opened).
  Result<void> resolve(const std::string& name, Callback done);

  size_t pending() const;
  const MdnsResolverStats& stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sansrtc::net
