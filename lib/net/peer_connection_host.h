// net/peer_connection_host.h — runs many sans-IO PeerConnections on one
// EventLoop (Asio io_context), and the thread-safe facade over it.
//
// PeerConnectionHost (single-threaded: use it only on the loop's thread)
//   - sockets: one UDP socket per local interface address (getifaddrs, or the
//     addresses given in HostConfig), per connection — or, with
//     HostConfig::shared_port, ONE socket per address shared by every
//     connection: a datagram from a remote address not seen before is routed
//     by the STUN USERNAME's local ufrag (RFC 8445 §7.3: "LOCAL:REMOTE"),
//     after that by its remote address; unroutable datagrams are counted and
//     dropped;
//   - one steady timer per connection, armed at poll_timeout();
//   - after every input or command: drains poll_transmit() (sending from the
//     socket bound to Transmit::source) and poll_event() (to the
//     connection's callback), bounded, then re-arms the timer;
//   - resolve_hostname events: names ending in ".local" are resolved by mDNS
//     (RFC 6762 one-shot query, QU, answered by any responder; see
//     net/mdns_resolver.h), other names — the STUN server hosts of the
//     Configuration, which the PeerConnection asks for at creation, and FQDN
//     candidates — by DNS (net::Resolver, getaddrinfo off the loop thread);
//     the result goes back via PeerConnection::resolved_hostname(). These
//     events are the host's: they do not reach the event callback.
//
// PeerConnectionHandle (thread-safe) posts every call onto the loop's thread
// and returns the result through a callback run on that thread; events are
// delivered to the event callback on the loop's thread too. Calls made after
// the host is destroyed are dropped; calls posted before but run after it
// get Errc::closed. The host must outlive the calls of every handle (its
// destructor runs on the loop thread, like every host method).
//
// Shared-port routing in detail: a STUN message with USERNAME goes to the
// connection owning the ufrag before its colon (and routes its remote to it
// when the pair (shared socket, remote) is not routed yet); anything else
// goes where that pair is routed: to the first connection a STUN USERNAME
// routed it to or that sent to it. Routes go away with their connection.
// So two of our connections talking to ONE remote address (a remote that
// itself shares a port) are told apart for STUN only; DTLS/SCTP of the
// second would go to the first. Browsers and clients use a port per
// connection, which is the case this serves. USERNAME is not authenticated
// by the host, so a spoofed check cannot take over an established route.
#pragma once

#include "net/event_loop.h"
#include "net/udp_socket.h"

#include <sansrtc/peer_connection.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::net {

struct HostConfig {
  // Which local addresses connections gather on. Non-empty: exactly these
  // (port 0). Empty: every up interface from list_interfaces(filter).
  std::vector<IpAddress> addresses;
  bool loopback_only = false;      // the filter: only 127.0.0.1/::1 (tests)
  bool ipv6 = true;
  PortRange ports;                 // {0,0}: any port
  // One socket per address shared by all connections, on this port
  // (0 = any port, chosen once). nullopt: sockets per connection.
  std::optional<uint16_t> shared_port;
  // Where mDNS queries go (tests point this at a loopback responder).
  SocketAddress mdns_group = SocketAddress(IpAddress::v4(224, 0, 0, 251), 5353);
  size_t max_connections = 4096;
  UdpSocketConfig socket;
  // Randomness for every connection (must outlive the host); nullptr: the
  // host makes a CTR_DRBG seeded from the system (tests pass a SeededRng).
  Rng* rng = nullptr;
  // mDNS: the query is repeated every mdns_retransmit; no answer within
  // mdns_timeout resolves the name to nullopt.
  Duration mdns_timeout = std::chrono::seconds(3);
  Duration mdns_retransmit = std::chrono::seconds(1);
  // DNS (non-.local names): no answer within dns_timeout resolves to nullopt.
  Duration dns_timeout = std::chrono::seconds(10);
  // Bounds of the shared-port routing tables, per connection (so the tables
  // hold at most max_connections times these): remote addresses routed to
  // it (oldest evicted first) and local ufrags (the current one and those of
  // earlier ICE generations, oldest unmapped first).
  size_t max_routes_per_connection = 16;
  size_t max_ufrags_per_connection = 4;
  // Host names being resolved for one connection at once; more fail at once.
  size_t max_pending_names_per_connection = 32;
};

struct HostStats {
  uint64_t connections_created = 0;
  uint64_t connections_closed = 0;
  uint64_t datagrams_in = 0;
  uint64_t datagrams_out = 0;
  uint64_t dropped_unroutable = 0;     // shared port: no connection for it
  uint64_t dropped_unknown_ufrag = 0;  //   of which STUN (no USERNAME, or a ufrag of no connection)
  uint64_t dropped_not_stun = 0;       //   of which not STUN, from a remote of no connection
  uint64_t routes_evicted = 0;         // shared port: a connection's oldest route made room
  uint64_t ufrag_collisions = 0;       // shared port: two connections drew the same ufrag
  uint64_t send_failed = 0;
  uint64_t hostnames_resolved = 0;
  uint64_t hostnames_failed = 0;
};

using ConnectionId = uint64_t;
using EventCallback = std::function<void(PeerConnectionEvent&&)>;

class PeerConnectionHost {
 public:
  PeerConnectionHost(EventLoop& loop, HostConfig config = {});
  ~PeerConnectionHost();  // closes every connection
  PeerConnectionHost(const PeerConnectionHost&) = delete;
  PeerConnectionHost& operator=(const PeerConnectionHost&) = delete;

  // Creates a connection, binds its sockets (or joins the shared ones) and
  // reports their addresses to it. `on_event` runs on the loop thread for
  // every event, in order; it may call any method of the host, including
  // destroy() of this connection. Errors: those of PeerConnection::create,
  // of binding the sockets, limit_exceeded.
  Result<ConnectionId> create(const Configuration& config, const PeerConnectionOptions& options,
                              EventCallback on_event);

  // The connection, for commands; nullptr when unknown. After calling
  // commands, call update(id) (transmits, events and the timer follow).
  PeerConnection* get(ConnectionId id);
  void update(ConnectionId id);

  // Runs `fn(pc, now)` then update(id): the usual way to issue a command.
  // Returns false when the id is unknown.
  bool with(ConnectionId id, const std::function<void(PeerConnection&, Instant)>& fn);

  // Closes the connection (close_notify etc. are flushed) and frees it.
  void destroy(ConnectionId id);

  size_t connection_count() const;
  // The shared sockets' addresses (empty without shared_port).
  std::vector<SocketAddress> shared_addresses() const;
  // The sockets of one connection.
  std::vector<SocketAddress> local_addresses(ConnectionId id) const;
  const HostStats& stats() const;
  EventLoop& loop() const;
  Instant now() const;
  // Expires when the host is destroyed (PeerConnectionHandle checks it on
  // the loop thread before touching the host).
  std::weak_ptr<const void> alive_token() const;
  // Sizes of the shared-port routing tables (remote routes, mapped ufrags).
  size_t route_count() const;
  size_t ufrag_count() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Thread-safe facade: owns a PeerConnectionHost's connection; every call may
// come from any thread. Results arrive on the loop thread.
class PeerConnectionHandle {
 public:
  template <class T>
  using Done = std::function<void(Result<T>)>;

  // Posts creation to the loop; `done` gets the handle (or the error).
  static void create(PeerConnectionHost& host, Configuration config, PeerConnectionOptions options,
                     EventCallback on_event, Done<std::shared_ptr<PeerConnectionHandle>> done);
  ~PeerConnectionHandle();  // posts destroy()

  void create_offer(OfferOptions options, Done<SessionDescriptionInit> done);
  void create_answer(Done<SessionDescriptionInit> done);
  void set_local_description(SessionDescriptionInit desc, Done<void> done);
  void set_remote_description(SessionDescriptionInit desc, Done<void> done);
  void add_ice_candidate(IceCandidateInit candidate, Done<void> done);
  void create_data_channel(std::string label, DataChannelInit init, Done<DataChannelHandle> done);
  void send(DataChannelHandle channel, std::vector<uint8_t> data, bool binary, Done<void> done = {});
  void close_data_channel(DataChannelHandle channel);
  void get_stats(std::function<void(StatsReport)> done);
  void close();
  // Runs `fn` on the loop thread with the connection (any other command).
  void post(std::function<void(PeerConnection&, Instant)> fn);

  PeerConnectionHandle(PeerConnectionHost& host, ConnectionId id);

 private:
  PeerConnectionHost& host_;
  ConnectionId id_;
  std::weak_ptr<const void> alive_;  // the host's alive_token()
};

}  // namespace sansrtc::net
