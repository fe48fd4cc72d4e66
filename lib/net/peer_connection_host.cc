#include "net/peer_connection_host.h"

#include "base/crypto/ctr_drbg_rng.h"
#include "net/asio_endpoint.h"
#include "net/interfaces.h"
#include "net/mdns_resolver.h"
#include "net/resolver.h"
#include "stun/message.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sansrtc::net {

namespace {

// The buffer handed to poll_transmit(): larger than any datagram we send.
constexpr size_t kTransmitBufferSize = 65536;
// Bounds on one update(): a connection that never stops producing output
// gets the rest of its turn in a posted follow-up, so the loop stays fair.
constexpr size_t kMaxTransmitsPerRound = 1024;
constexpr size_t kMaxEventsPerRound = 4096;
constexpr size_t kMaxDrainRounds = 16;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// A shared-port route: the shared socket it arrived on and the remote.
struct RouteKey {
  SocketAddress local;
  SocketAddress remote;
  bool operator==(const RouteKey&) const = default;
};
struct RouteKeyHash {
  size_t operator()(const RouteKey& k) const noexcept {
    const size_t a = std::hash<SocketAddress>{}(k.local);
    return a ^ (std::hash<SocketAddress>{}(k.remote) + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  }
};

bool is_mdns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  constexpr std::string_view kLocal = ".local";
  return name.size() > kLocal.size() && mdns::names_equal(name.substr(name.size() - kLocal.size()), kLocal);
}

// The address of `family` when there is one (a connection can only use an
// address of a family it has a socket for), else the other.
std::optional<IpAddress> pick(std::optional<IpAddress> v4, std::optional<IpAddress> v6, bool prefer_v6) {
  if (prefer_v6) return v6 ? v6 : v4;
  return v4 ? v4 : v6;
}

// A DNS lookup in flight for one connection, with its deadline.
struct DnsWait {
  explicit DnsWait(asio::io_context& ctx) : timer(ctx) {}
  asio::steady_timer timer;
  bool answered = false;
};

}  // namespace

// One connection: its PeerConnection, its sockets (without shared_port), its
// timer. Lives in a shared_ptr so that handlers (timer, sockets, resolvers)
// can hold it weakly and an update() can keep it alive while the user's
// callback destroys it.
struct HostedConnection final : DatagramSink, std::enable_shared_from_this<HostedConnection> {
  HostedConnection(PeerConnectionHost::Impl& h, ConnectionId i, asio::io_context& ctx) : host(h), id(i), timer(ctx) {}
  void on_datagram(const Datagram& d) override;

  PeerConnectionHost::Impl& host;  // outlives every live connection (its destructor destroys them)
  ConnectionId id;
  std::unique_ptr<PeerConnection> pc;
  EventCallback on_event;
  std::vector<std::unique_ptr<UdpSocket>> sockets;  // empty with shared_port
  asio::steady_timer timer;
  std::optional<Instant> armed;
  uint64_t timer_generation = 0;
  bool in_update = false;
  bool again = false;
  bool follow_up_posted = false;
  bool destroyed = false;
  bool has_v4 = false, has_v6 = false;
  std::vector<std::string> ufrags;  // routed to us, oldest first (shared_port)
  std::vector<RouteKey> routes;     // routed to us, oldest first (shared_port)
  size_t names_pending = 0;
  std::vector<std::shared_ptr<DnsWait>> dns_waits;  // at most max_pending_names_per_connection
};

struct PeerConnectionHost::Impl final : DatagramSink {
  Impl(EventLoop& l, HostConfig c) : loop(l), config(std::move(c)), tx(kTransmitBufferSize) {}

  EventLoop& loop;
  HostConfig config;
  HostStats stats;
  std::unique_ptr<crypto::CtrDrbgRng> own_rng;
  Rng* rng = nullptr;
  // Expires with the host: handlers posted by PeerConnectionHandle check it.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::unordered_map<ConnectionId, std::shared_ptr<HostedConnection>> connections;
  ConnectionId next_id = 1;
  std::vector<uint8_t> tx;

  // shared_port: the sockets and the routing tables. Every entry belongs to
  // one live connection, which holds at most max_ufrags_per_connection
  // ufrags and max_routes_per_connection routes, so both tables are bounded
  // by max_connections times those.
  std::vector<std::unique_ptr<UdpSocket>> shared_sockets;
  std::unordered_map<std::string, ConnectionId, StringHash, std::equal_to<>> by_ufrag;
  std::unordered_map<RouteKey, ConnectionId, RouteKeyHash> by_route;

  std::unique_ptr<MdnsResolver> mdns;
  std::unique_ptr<Resolver> dns;

  // ---- sockets ---------------------------------------------------------------

  Result<std::vector<IpAddress>> local_ips(bool allow_loopback) const {
    if (!config.addresses.empty()) return config.addresses;
    InterfaceFilter filter;
    filter.loopback_only = config.loopback_only;
    filter.include_loopback = config.loopback_only || allow_loopback;
    filter.ipv6 = config.ipv6;
    auto list = list_interfaces(filter);
    if (!list.ok()) return list.error();
    std::vector<IpAddress> out;
    for (const Interface& i : *list)
      if (std::find(out.begin(), out.end(), i.address) == out.end()) out.push_back(i.address);
    return out;
  }

  // Binds one socket per local address; addresses that do not bind (an
  // interface that went away, IPv6 disabled) are skipped.
  Result<std::vector<std::unique_ptr<UdpSocket>>> bind_all(bool allow_loopback, std::optional<uint16_t> port) {
    auto ips = local_ips(allow_loopback);
    if (!ips.ok()) return ips.error();
    std::vector<std::unique_ptr<UdpSocket>> out;
    uint16_t chosen = port.value_or(0);
    for (const IpAddress& ip : *ips) {
      auto s = UdpSocket::open(loop, SocketAddress(ip, chosen), chosen ? PortRange{} : config.ports, config.socket);
      if (!s.ok() && port && *port == 0 && chosen != 0)
        s = UdpSocket::open(loop, SocketAddress(ip, 0), config.ports, config.socket);  // the port is taken here
      if (!s.ok()) continue;
      // shared_port 0: "any port, chosen once" — the first socket's port is
      // tried on every other address.
      if (port && *port == 0 && chosen == 0) chosen = (*s)->local_address().port();
      out.push_back(std::move(s).value());
    }
    if (out.empty()) return make_error(Errc::io_error, "no local address could be bound");
    return out;
  }

  Result<void> open_shared() {
    if (!shared_sockets.empty()) return {};
    // Loopback only when asked for with loopback_only (or listed in addresses).
    auto s = bind_all(/*allow_loopback=*/false, config.shared_port);
    if (!s.ok()) return s.error();
    shared_sockets = std::move(s).value();
    for (auto& sock : shared_sockets) sock->start_receive(this);
    return {};
  }

  UdpSocket* pick_socket(const std::vector<std::unique_ptr<UdpSocket>>& sockets, const Transmit& t) const {
    for (auto& s : sockets)
      if (s->local_address() == t.source) return s.get();
    for (auto& s : sockets)
      if (s->local_address().ip() == t.source.ip() && (t.source.port() == 0)) return s.get();
    if (t.source.ip().is_unspecified())
      for (auto& s : sockets)
        if (s->local_address().family() == t.destination.family()) return s.get();
    return nullptr;
  }

  // ---- shared-port routing -------------------------------------------------

  void forget_route(HostedConnection& c, const RouteKey& k) {
    auto it = std::find(c.routes.begin(), c.routes.end(), k);
    if (it != c.routes.end()) c.routes.erase(it);
  }

  void map_route(HostedConnection& c, const RouteKey& k) {
    auto it = by_route.find(k);
    if (it != by_route.end()) {
      if (it->second == c.id) return;
      if (auto old = connections.find(it->second); old != connections.end()) forget_route(*old->second, k);
      it->second = c.id;
    } else {
      by_route.emplace(k, c.id);
    }
    if (c.routes.size() >= config.max_routes_per_connection && !c.routes.empty()) {
      by_route.erase(c.routes.front());
      c.routes.erase(c.routes.begin());
      ++stats.routes_evicted;
    }
    c.routes.push_back(k);
  }

  // Maps the connection's current local ufrag (it changes on ICE restart;
  // the old ones stay mapped, bounded, until the connection is destroyed:
  // checks of the old generation may still arrive).
  void refresh_ufrag(HostedConnection& c) {
    if (!config.shared_port || !c.pc) return;
    std::string ufrag = c.pc->local_ice_ufrag();
    if (ufrag.empty() || (!c.ufrags.empty() && c.ufrags.back() == ufrag)) return;
    if (std::find(c.ufrags.begin(), c.ufrags.end(), ufrag) != c.ufrags.end()) return;
    auto [it, inserted] = by_ufrag.emplace(ufrag, c.id);
    if (!inserted) {
      // Random 4+ character ufrags of two connections collided: the first
      // keeps it (the second is reachable once it has a route).
      ++stats.ufrag_collisions;
      return;
    }
    if (c.ufrags.size() >= config.max_ufrags_per_connection && !c.ufrags.empty()) {
      by_ufrag.erase(c.ufrags.front());
      c.ufrags.erase(c.ufrags.begin());
    }
    c.ufrags.push_back(std::move(ufrag));
  }

  // RFC 8445 §7.2.2: a check's USERNAME is "RFRAG:LFRAG" from the sender's
  // view, so the part before the colon is the ufrag of the receiving agent:
  // ours. Only STUN with USERNAME (checks and indications) is routed by it.
  HostedConnection* route_by_username(Bytes payload) {
    if (payload.empty() || payload[0] > 3 || !stun::looks_like_stun(payload)) return nullptr;
    stun::MessageView m;
    if (m.parse(payload) != stun::ParseError::none) return nullptr;
    auto username = m.username();
    if (!username) return nullptr;
    const size_t colon = username->find(':');
    const std::string_view local = username->substr(0, colon);
    auto it = by_ufrag.find(local);
    if (it == by_ufrag.end()) return nullptr;
    auto c = connections.find(it->second);
    return c == connections.end() ? nullptr : c->second.get();
  }

  void on_datagram(const Datagram& d) override {  // a shared socket
    ++stats.datagrams_in;
    const RouteKey key{d.destination, d.source};
    // A check goes to the owner of its ufrag even when its remote is
    // routed elsewhere (a remote that shares one port between sessions
    // too); it routes the remote only when nothing else does: USERNAME is
    // not authenticated here (the PeerConnection checks MESSAGE-INTEGRITY),
    // so a spoofed check must not be able to steal an established route.
    HostedConnection* c = route_by_username(d.payload);
    if (c) {
      if (by_route.find(key) == by_route.end()) map_route(*c, key);
    } else if (auto it = by_route.find(key); it != by_route.end()) {
      if (auto found = connections.find(it->second); found != connections.end()) c = found->second.get();
    }
    if (!c) {
      ++stats.dropped_unroutable;
      if (!d.payload.empty() && d.payload[0] <= 3 && stun::looks_like_stun(d.payload))
        ++stats.dropped_unknown_ufrag;
      else
        ++stats.dropped_not_stun;
      return;
    }
    deliver(*c, d);
  }

  // ---- driving one connection ----------------------------------------------

  void deliver(HostedConnection& c, const Datagram& d) {
    if (c.destroyed) return;
    auto keep = c.shared_from_this();
    const Instant now = loop.now();
    c.pc->handle_datagram(now, d);
    update(c);
  }

  size_t drain_transmits(HostedConnection& c) {
    size_t n = 0;
    const bool shared = config.shared_port.has_value();
    auto& sockets = shared ? shared_sockets : c.sockets;
    while (n < kMaxTransmitsPerRound) {
      auto t = c.pc->poll_transmit(MutBytes(tx.data(), tx.size()));
      if (!t) break;
      ++n;
      UdpSocket* s = pick_socket(sockets, *t);
      if (!s) {
        ++stats.send_failed;
        continue;
      }
      const size_t size = std::min(t->size, tx.size());
      if (shared) {
        // (One hash lookup per datagram sent: the route table is the one
        // per-packet structure of the shared port, bounded, no allocation
        // once the route exists.)
        // A remote we send to first (our checks, before theirs arrive) is
        // routed to us from now on. An address already routed elsewhere
        // keeps its route: two of our connections talking to one remote
        // port are told apart by USERNAME only (see the header).
        const RouteKey key{s->local_address(), t->destination};
        if (by_route.find(key) == by_route.end()) map_route(c, key);
      }
      if (s->send_to(Bytes(tx.data(), size), t->destination).ok())
        ++stats.datagrams_out;
      else
        ++stats.send_failed;
    }
    return n;
  }

  size_t drain_events(HostedConnection& c, Instant now) {
    size_t n = 0;
    while (!c.destroyed && n < kMaxEventsPerRound) {
      auto e = c.pc->poll_event();
      if (!e) break;
      ++n;
      if (e->type == PeerConnectionEvent::Type::resolve_hostname) {
        start_resolve(c, now, std::move(e->hostname));
        continue;
      }
      if (c.on_event) c.on_event(std::move(*e));
    }
    return n;
  }

  void update(HostedConnection& c) {
    if (c.destroyed) return;
    if (c.in_update) {
      c.again = true;
      return;
    }
    auto keep = c.shared_from_this();
    c.in_update = true;
    bool more = false;
    for (size_t round = 0; round < kMaxDrainRounds && !c.destroyed; ++round) {
      c.again = false;
      const size_t tx_count = drain_transmits(c);
      const size_t ev = c.destroyed ? 0 : drain_events(c, loop.now());
      more = tx_count == kMaxTransmitsPerRound || ev == kMaxEventsPerRound || c.again;
      if (tx_count == 0 && ev == 0 && !c.again) break;
    }
    c.in_update = false;
    if (c.destroyed) return;
    refresh_ufrag(c);
    if (more) post_follow_up(c);
    rearm(c);
  }

  void post_follow_up(HostedConnection& c) {
    if (c.follow_up_posted) return;
    c.follow_up_posted = true;
    asio::post(loop.context(), [weak = c.weak_from_this()] {
      auto self = weak.lock();
      if (!self || self->destroyed) return;
      self->follow_up_posted = false;
      self->host.update(*self);
    });
  }

  void rearm(HostedConnection& c) {
    const std::optional<Instant> deadline = c.pc->poll_timeout();
    if (deadline == c.armed) return;
    c.armed = deadline;
    ++c.timer_generation;
    if (!deadline) {
      c.timer.cancel();
      return;
    }
    c.timer.expires_at(loop.clock().to_steady(*deadline));
    c.timer.async_wait([weak = c.weak_from_this(), gen = c.timer_generation](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      auto self = weak.lock();
      if (!self || self->destroyed || self->timer_generation != gen || !self->armed) return;
      self->host.on_timer(*self);
    });
  }

  void on_timer(HostedConnection& c) {
    const Instant deadline = *c.armed;
    const Instant now = loop.now();
    c.armed.reset();
    if (now < deadline) {  // steady_timer does not fire early; the contract is ours
      rearm(c);
      return;
    }
    c.pc->handle_timeout(now);
    update(c);
  }

  // ---- host names ------------------------------------------------------------

  void answer(const std::weak_ptr<HostedConnection>& weak, const std::string& name, std::optional<IpAddress> ip) {
    auto c = weak.lock();
    if (!c || c->destroyed) return;
    if (c->names_pending) --c->names_pending;
    if (ip)
      ++stats.hostnames_resolved;
    else
      ++stats.hostnames_failed;
    c->pc->resolved_hostname(loop.now(), name, ip);
    update(*c);
  }

  void start_resolve(HostedConnection& c, Instant now, std::string name) {
    auto fail_now = [&] {
      ++stats.hostnames_failed;
      c.pc->resolved_hostname(now, name, std::nullopt);
      c.again = true;
    };
    if (c.names_pending >= config.max_pending_names_per_connection) return fail_now();
    std::weak_ptr<HostedConnection> weak = c.weak_from_this();
    const bool prefer_v6 = c.has_v6 && !c.has_v4;
    if (is_mdns_name(name)) {
      if (!mdns) {
        MdnsResolverConfig mc;
        mc.group = config.mdns_group;
        mc.timeout = config.mdns_timeout;
        mc.retransmit = config.mdns_retransmit;
        mdns = std::make_unique<MdnsResolver>(loop, mc);
      }
      auto r = mdns->resolve(name, [this, weak, name, prefer_v6](const mdns::Addresses& a) {
        answer(weak, name, pick(a.v4, a.v6, prefer_v6));
      });
      if (!r.ok()) return fail_now();
    } else {
      if (!dns) dns = std::make_unique<Resolver>(loop);
      // getaddrinfo keeps its own (long) deadlines: a timer answers nullopt
      // at dns_timeout, and a later result is ignored.
      auto wait = std::make_shared<DnsWait>(loop.context());
      c.dns_waits.push_back(wait);
      wait->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(config.dns_timeout));
      wait->timer.async_wait([this, weak, name, wait](const asio::error_code& ec) {
        auto conn = weak.lock();  // a live connection means a live host
        if (ec || wait->answered || !conn || conn->destroyed) return;
        wait->answered = true;
        forget_wait(*conn, wait);
        answer(weak, name, std::nullopt);
      });
      dns->resolve(name, 0, AddressFamilies::any,
                   [this, weak, name, prefer_v6, wait](Result<std::vector<SocketAddress>> r) {
                     auto conn = weak.lock();
                     if (wait->answered || !conn || conn->destroyed) return;
                     wait->answered = true;
                     wait->timer.cancel();
                     forget_wait(*conn, wait);
                     std::optional<IpAddress> v4, v6;
                     if (r.ok())
                       for (const SocketAddress& a : *r) {
                         if (a.ip().is_v4() && !v4) v4 = a.ip();
                         if (a.ip().is_v6() && !v6) v6 = a.ip();
                       }
                     answer(weak, name, pick(v4, v6, prefer_v6));
                   });
    }
    ++c.names_pending;
  }

  static void forget_wait(HostedConnection& c, const std::shared_ptr<DnsWait>& w) {
    auto it = std::find(c.dns_waits.begin(), c.dns_waits.end(), w);
    if (it != c.dns_waits.end()) c.dns_waits.erase(it);
  }

  // ---- lifetime ----------------------------------------------------------------

  void destroy(ConnectionId id) {
    auto it = connections.find(id);
    if (it == connections.end()) return;
    std::shared_ptr<HostedConnection> c = it->second;
    // close() fires no events (W3C) but queues close_notify / ABORT: send them.
    if (!c->destroyed) {
      c->pc->close(loop.now());
      drain_transmits(*c);
    }
    c->destroyed = true;
    ++c->timer_generation;
    c->timer.cancel();
    for (auto& w : c->dns_waits) w->timer.cancel();
    c->dns_waits.clear();
    for (auto& s : c->sockets) s->close();
    for (const std::string& u : c->ufrags)
      if (auto f = by_ufrag.find(u); f != by_ufrag.end() && f->second == id) by_ufrag.erase(f);
    for (const RouteKey& k : c->routes)
      if (auto f = by_route.find(k); f != by_route.end() && f->second == id) by_route.erase(f);
    c->ufrags.clear();
    c->routes.clear();
    connections.erase(id);
    ++stats.connections_closed;
  }
};

void HostedConnection::on_datagram(const Datagram& d) {
  if (destroyed) return;
  ++host.stats.datagrams_in;
  host.deliver(*this, d);
}

// ---- PeerConnectionHost ----------------------------------------------------------

PeerConnectionHost::PeerConnectionHost(EventLoop& loop, HostConfig config)
    : impl_(std::make_unique<Impl>(loop, std::move(config))) {
  impl_->rng = impl_->config.rng;
}

PeerConnectionHost::~PeerConnectionHost() {
  std::vector<ConnectionId> ids;
  for (auto& [id, c] : impl_->connections) ids.push_back(id);
  for (ConnectionId id : ids) impl_->destroy(id);
  impl_->mdns.reset();
  impl_->dns.reset();
  for (auto& s : impl_->shared_sockets) s->close();
  impl_->alive.reset();
}

Result<ConnectionId> PeerConnectionHost::create(const Configuration& config, const PeerConnectionOptions& options,
                                                EventCallback on_event) {
  Impl& h = *impl_;
  if (h.connections.size() >= h.config.max_connections)
    return make_error(Errc::limit_exceeded, "host: max_connections reached");
  if (!h.rng) {
    auto drbg = crypto::CtrDrbgRng::create();
    if (!drbg.ok()) return drbg.error();
    h.own_rng = std::move(drbg).value();
    h.rng = h.own_rng.get();
  }
  const Instant now = h.loop.now();
  auto pc = PeerConnection::create(now, config, *h.rng, options);
  if (!pc.ok()) return pc.error();

  const ConnectionId id = h.next_id++;
  auto c = std::make_shared<HostedConnection>(h, id, h.loop.context());
  c->pc = std::move(pc).value();
  c->on_event = std::move(on_event);

  std::vector<SocketAddress> addresses;
  if (h.config.shared_port) {
    SANSRTC_TRY(h.open_shared());
    for (auto& s : h.shared_sockets) addresses.push_back(s->local_address());
  } else {
    auto sockets = h.bind_all(options.allow_loopback, std::nullopt);
    if (!sockets.ok()) return sockets.error();
    c->sockets = std::move(sockets).value();
    for (auto& s : c->sockets) addresses.push_back(s->local_address());
  }
  for (const SocketAddress& a : addresses) {
    if (!c->pc->add_local_address(now, a).ok()) continue;  // e.g. loopback the options exclude
    (a.ip().is_v4() ? c->has_v4 : c->has_v6) = true;
  }
  c->pc->end_of_local_addresses(now);
  for (auto& s : c->sockets) s->start_receive(c.get());

  h.connections.emplace(id, c);
  ++h.stats.connections_created;
  h.refresh_ufrag(*c);
  // The first update (events, timer) runs after create() returns, so the
  // caller knows the id before its callback first runs.
  h.post_follow_up(*c);
  return id;
}

PeerConnection* PeerConnectionHost::get(ConnectionId id) {
  auto it = impl_->connections.find(id);
  return it == impl_->connections.end() ? nullptr : it->second->pc.get();
}

void PeerConnectionHost::update(ConnectionId id) {
  auto it = impl_->connections.find(id);
  if (it == impl_->connections.end()) return;
  auto c = it->second;
  impl_->update(*c);
}

bool PeerConnectionHost::with(ConnectionId id, const std::function<void(PeerConnection&, Instant)>& fn) {
  auto it = impl_->connections.find(id);
  if (it == impl_->connections.end()) return false;
  auto c = it->second;
  fn(*c->pc, impl_->loop.now());
  impl_->update(*c);
  return true;
}

void PeerConnectionHost::destroy(ConnectionId id) { impl_->destroy(id); }

size_t PeerConnectionHost::connection_count() const { return impl_->connections.size(); }

std::vector<SocketAddress> PeerConnectionHost::shared_addresses() const {
  std::vector<SocketAddress> out;
  for (auto& s : impl_->shared_sockets) out.push_back(s->local_address());
  return out;
}

std::vector<SocketAddress> PeerConnectionHost::local_addresses(ConnectionId id) const {
  auto it = impl_->connections.find(id);
  if (it == impl_->connections.end()) return {};
  if (impl_->config.shared_port) return shared_addresses();
  std::vector<SocketAddress> out;
  for (auto& s : it->second->sockets) out.push_back(s->local_address());
  return out;
}

const HostStats& PeerConnectionHost::stats() const { return impl_->stats; }
EventLoop& PeerConnectionHost::loop() const { return impl_->loop; }
Instant PeerConnectionHost::now() const { return impl_->loop.now(); }
std::weak_ptr<const void> PeerConnectionHost::alive_token() const { return impl_->alive; }

size_t PeerConnectionHost::route_count() const { return impl_->by_route.size(); }
size_t PeerConnectionHost::ufrag_count() const { return impl_->by_ufrag.size(); }

// ---- PeerConnectionHandle ----------------------------------------------------------

namespace {

// Runs `f(pc, now)` on the loop thread: pc is nullptr when the host or the
// connection is gone. Commands are followed by an update of the connection.
template <class F>
void post_call(PeerConnectionHost& host, std::weak_ptr<const void> alive, ConnectionId id, F&& f) {
  if (alive.expired()) {
    return;  // the host is gone: there is no loop thread left to answer on
  }
  asio::post(host.loop().context(), [&host, alive, id, f = std::forward<F>(f)]() mutable {
    if (alive.expired()) {
      f(static_cast<PeerConnection*>(nullptr), Instant{});
      return;
    }
    PeerConnection* pc = host.get(id);
    f(pc, host.now());
    if (pc) host.update(id);
  });
}

constexpr Error kGone = make_error(Errc::closed, "the connection or its host is gone");

}  // namespace

PeerConnectionHandle::PeerConnectionHandle(PeerConnectionHost& host, ConnectionId id)
    : host_(host), id_(id), alive_(host.alive_token()) {}

PeerConnectionHandle::~PeerConnectionHandle() {
  post_call(host_, alive_, id_, [&host = host_, id = id_](PeerConnection* pc, Instant) {
    if (pc) host.destroy(id);
  });
}

void PeerConnectionHandle::create(PeerConnectionHost& host, Configuration config, PeerConnectionOptions options,
                                  EventCallback on_event, Done<std::shared_ptr<PeerConnectionHandle>> done) {
  std::weak_ptr<const void> alive = host.alive_token();
  if (alive.expired()) return;
  asio::post(host.loop().context(), [&host, alive, config = std::move(config), options = std::move(options),
                                     on_event = std::move(on_event), done = std::move(done)]() mutable {
    if (alive.expired()) {
      if (done) done(kGone);
      return;
    }
    auto id = host.create(config, options, std::move(on_event));
    if (!id.ok()) {
      if (done) done(id.error());
      return;
    }
    auto handle = std::make_shared<PeerConnectionHandle>(host, *id);
    if (done) done(std::move(handle));
  });
}

void PeerConnectionHandle::create_offer(OfferOptions options, Done<SessionDescriptionInit> done) {
  post_call(host_, alive_, id_, [options, done = std::move(done)](PeerConnection* pc, Instant now) {
    auto r = pc ? pc->create_offer(now, options) : Result<SessionDescriptionInit>(kGone);
    if (done) done(std::move(r));
  });
}

void PeerConnectionHandle::create_answer(Done<SessionDescriptionInit> done) {
  post_call(host_, alive_, id_, [done = std::move(done)](PeerConnection* pc, Instant now) {
    auto r = pc ? pc->create_answer(now) : Result<SessionDescriptionInit>(kGone);
    if (done) done(std::move(r));
  });
}

void PeerConnectionHandle::set_local_description(SessionDescriptionInit desc, Done<void> done) {
  post_call(host_, alive_, id_, [desc = std::move(desc), done = std::move(done)](PeerConnection* pc, Instant now) {
    Result<void> r = pc ? pc->set_local_description(now, desc) : Result<void>(kGone);
    if (done) done(r);
  });
}

void PeerConnectionHandle::set_remote_description(SessionDescriptionInit desc, Done<void> done) {
  post_call(host_, alive_, id_, [desc = std::move(desc), done = std::move(done)](PeerConnection* pc, Instant now) {
    Result<void> r = pc ? pc->set_remote_description(now, desc) : Result<void>(kGone);
    if (done) done(r);
  });
}

void PeerConnectionHandle::add_ice_candidate(IceCandidateInit candidate, Done<void> done) {
  post_call(host_, alive_, id_,
            [candidate = std::move(candidate), done = std::move(done)](PeerConnection* pc, Instant now) {
              Result<void> r = pc ? pc->add_ice_candidate(now, candidate) : Result<void>(kGone);
              if (done) done(r);
            });
}

void PeerConnectionHandle::create_data_channel(std::string label, DataChannelInit init,
                                               Done<DataChannelHandle> done) {
  post_call(host_, alive_, id_,
            [label = std::move(label), init = std::move(init), done = std::move(done)](PeerConnection* pc,
                                                                                       Instant now) {
              auto r = pc ? pc->create_data_channel(now, label, init) : Result<DataChannelHandle>(kGone);
              if (done) done(std::move(r));
            });
}

void PeerConnectionHandle::send(DataChannelHandle channel, std::vector<uint8_t> data, bool binary,
                                Done<void> done) {
  post_call(host_, alive_, id_,
            [channel, data = std::move(data), binary, done = std::move(done)](PeerConnection* pc,
                                                                              Instant now) mutable {
              Result<void> r = pc ? pc->send(now, channel, std::move(data), binary) : Result<void>(kGone);
              if (done) done(r);
            });
}

void PeerConnectionHandle::close_data_channel(DataChannelHandle channel) {
  post_call(host_, alive_, id_, [channel](PeerConnection* pc, Instant now) {
    if (pc) (void)pc->close_data_channel(now, channel);
  });
}

void PeerConnectionHandle::get_stats(std::function<void(StatsReport)> done) {
  post_call(host_, alive_, id_, [done = std::move(done)](PeerConnection* pc, Instant now) {
    if (done) done(pc ? pc->get_stats(now) : StatsReport{});
  });
}

void PeerConnectionHandle::close() {
  post_call(host_, alive_, id_, [](PeerConnection* pc, Instant now) {
    if (pc) pc->close(now);
  });
}

void PeerConnectionHandle::post(std::function<void(PeerConnection&, Instant)> fn) {
  post_call(host_, alive_, id_, [fn = std::move(fn)](PeerConnection* pc, Instant now) {
    if (pc && fn) fn(*pc, now);
  });
}

}  // namespace sansrtc::net
