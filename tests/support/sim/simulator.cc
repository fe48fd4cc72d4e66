#include "support/sim/simulator.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace sansrtc::sim {

namespace {

constexpr uint32_t kNoEndpoint = UINT32_MAX;

size_t ip_size(const SocketAddress& dst, size_t payload) {
  return payload + 8 + (dst.ip().is_v6() ? 40 : 20);
}

// SANSRTC_PCAP: one writer shared by every simulator in the process.
PcapWriter* env_pcap() {
  static std::unique_ptr<PcapWriter> writer;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const char* path = std::getenv("SANSRTC_PCAP");
    if (path != nullptr && *path != '\0') {
      writer = std::make_unique<PcapWriter>();
      writer->open(path);
    }
  }
  return writer.get();
}

void fnv(uint64_t& h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
}

void fnv_addr(uint64_t& h, const SocketAddress& a) {
  const Bytes b = a.ip().bytes();
  fnv(h, b.data(), b.size());
  const uint16_t port = a.port();
  fnv(h, &port, sizeof port);
}

}  // namespace

Simulator::Simulator(SimConfig config) : config_(std::move(config)) {
  networks_.emplace_back();  // the internet
  tx_buf_.resize(std::max<size_t>(config_.transmit_buffer, 1));
  if (!config_.pcap_path.empty()) {
    open_pcap(config_.pcap_path);
  } else {
    pcap_ = env_pcap();
  }
}

Simulator::~Simulator() = default;

void Simulator::open_pcap(const std::string& path) {
  own_pcap_ = std::make_unique<PcapWriter>();
  own_pcap_->open(path);
  pcap_ = own_pcap_.get();
}

Simulator::Node& Simulator::node(NodeId id) {
  if (id.value() >= nodes_.size()) throw std::runtime_error("sim: unknown node");
  return nodes_[id.value()];
}
const Simulator::Node& Simulator::node(NodeId id) const {
  if (id.value() >= nodes_.size()) throw std::runtime_error("sim: unknown node");
  return nodes_[id.value()];
}

NodeId Simulator::new_node(NodeKind kind, NetworkId net, std::vector<IpAddress> ips) {
  if (net.value() >= networks_.size()) throw std::runtime_error("sim: unknown network");
  const NodeId id(uint32_t(nodes_.size()));
  Network& n = networks_[net.value()];
  for (const IpAddress& ip : ips) {
    if (n.nodes.contains(ip)) throw std::runtime_error("sim: address in use: " + ip.to_string());
  }
  for (const IpAddress& ip : ips) n.nodes.emplace(ip, id);
  Node nd;
  nd.kind = kind;
  nd.network = net;
  nd.ips = std::move(ips);
  nd.up = std::make_unique<Link>(config_.default_link, derive_seed(config_.seed, streams_++));
  nd.down = std::make_unique<Link>(config_.default_link, derive_seed(config_.seed, streams_++));
  nodes_.push_back(std::move(nd));
  return id;
}

NodeId Simulator::add_host(std::vector<IpAddress> addresses, NetworkId network) {
  if (addresses.empty()) throw std::runtime_error("sim: a host needs an address");
  return new_node(NodeKind::host, network, std::move(addresses));
}

Simulator::NatHandle Simulator::add_nat(const NatConfig& config, std::vector<IpAddress> external,
                                        NetworkId outside) {
  if (external.empty()) throw std::runtime_error("sim: a NAT needs an external address");
  const NodeId id = new_node(NodeKind::nat, outside, external);
  const NetworkId inside(uint32_t(networks_.size()));
  networks_.emplace_back();
  networks_.back().gateway = id;
  Node& n = node(id);
  n.nat = std::make_unique<Nat>(config, std::move(external), derive_seed(config_.seed, streams_++));
  n.inside = inside;
  return NatHandle{id, inside};
}

EndpointId Simulator::attach(NodeId host, Endpoint& ep, uint16_t port) {
  Node& h = node(host);
  if (h.kind != NodeKind::host) throw std::runtime_error("sim: attach to a NAT node");
  if (h.ports.contains(port)) throw std::runtime_error("sim: port already bound");
  const EndpointId id(uint32_t(endpoints_.size()));
  EndpointSlot s;
  s.ep = &ep;
  s.host = host;
  s.port = port;
  s.default_port = port != 0 ? port : uint16_t(50000 + id.value() % 10000);
  endpoints_.push_back(s);
  h.ports.emplace(port, id);
  service(id);
  return id;
}

EndpointId Simulator::attach(std::vector<IpAddress> addresses, Endpoint& ep, NetworkId network,
                             uint16_t port) {
  return attach(add_host(std::move(addresses), network), ep, port);
}

void Simulator::detach(EndpointId id) {
  EndpointSlot& s = endpoints_.at(id.value());
  if (s.ep == nullptr) return;
  node(s.host).ports.erase(s.port);
  s.ep = nullptr;
  ++s.timer_gen;
  s.deadline.reset();
}

Link& Simulator::uplink(NodeId n) { return *node(n).up; }
Link& Simulator::downlink(NodeId n) { return *node(n).down; }
void Simulator::set_links(NodeId n, const LinkConfig& config) {
  node(n).up->config() = config;
  node(n).down->config() = config;
}
Nat& Simulator::nat(NodeId n) {
  Node& nd = node(n);
  if (!nd.nat) throw std::runtime_error("sim: not a NAT node");
  return *nd.nat;
}
NodeId Simulator::host_of(EndpointId id) const { return endpoints_.at(id.value()).host; }
const std::vector<IpAddress>& Simulator::addresses(NodeId n) const { return node(n).ips; }

SocketAddress Simulator::address_of(EndpointId id, IpFamily family, uint16_t port) const {
  const EndpointSlot& s = endpoints_.at(id.value());
  for (const IpAddress& ip : node(s.host).ips) {
    if (ip.family() == family) return SocketAddress(ip, s.port != 0 ? s.port : (port ? port : s.default_port));
  }
  throw std::runtime_error("sim: host has no address of that family");
}

uint64_t Simulator::delivered_to(EndpointId id) const { return endpoints_.at(id.value()).delivered; }
uint64_t Simulator::sent_by(EndpointId id) const { return endpoints_.at(id.value()).sent; }

void Simulator::push(Instant at, EventKind kind, uint32_t target, uint64_t gen) {
  queue_.push(Event{at, seq_++, kind, target, gen});
}

uint32_t Simulator::store(Packet&& p) {
  if (!free_slots_.empty()) {
    const uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    slots_[s] = std::move(p);
    return s;
  }
  slots_.push_back(std::move(p));
  return uint32_t(slots_.size() - 1);
}

Simulator::Packet Simulator::take(uint32_t slot) {
  Packet p = std::move(slots_[slot]);
  free_slots_.push_back(slot);
  return p;
}

void Simulator::wake(EndpointId id) { service(id); }

void Simulator::service(EndpointId id) {
  if (endpoints_.at(id.value()).ep == nullptr) return;
  size_t n = 0;
  for (;;) {
    Endpoint* ep = endpoints_[id.value()].ep;
    std::optional<Transmit> t = ep->poll_transmit(MutBytes(tx_buf_));
    if (!t) break;
    if (++n > config_.max_transmits_per_wake) {
      throw std::runtime_error("sim: endpoint keeps transmitting (runaway poll_transmit)");
    }
    if (t->size > tx_buf_.size()) throw std::runtime_error("sim: Transmit::size exceeds buffer");
    send_from(id, *t, Bytes(tx_buf_.data(), t->size));
  }
  EndpointSlot& s = endpoints_[id.value()];
  const std::optional<Instant> d = s.ep->poll_timeout();
  if (d != s.deadline) {
    s.deadline = d;
    ++s.timer_gen;
    if (d) push(std::max(*d, now_), EventKind::timer, id.value(), s.timer_gen);
  }
}

void Simulator::send_from(EndpointId id, const Transmit& t, Bytes payload) {
  EndpointSlot& s = endpoints_[id.value()];
  const Node& h = node(s.host);
  Packet p;
  p.id = next_packet_id_++;
  p.destination = t.destination;
  p.ttl = config_.ttl;
  IpAddress src_ip = t.source.ip();
  if (src_ip.is_unspecified()) {
    auto it = std::find_if(h.ips.begin(), h.ips.end(),
                           [&](const IpAddress& a) { return a.family() == t.destination.family(); });
    if (it != h.ips.end()) src_ip = *it;
  }
  p.source = SocketAddress(src_ip, t.source.port() != 0 ? t.source.port() : s.default_port);
  p.payload.assign(payload.begin(), payload.end());
  ++stats_.sent;
  const uint64_t index = s.sent++;
  if (std::find(h.ips.begin(), h.ips.end(), src_ip) == h.ips.end() ||
      src_ip.family() != t.destination.family()) {
    drop(p, DropReason::bad_source);
    return;
  }
  if (send_filter_ &&
      !send_filter_(SentDatagram{now_, id, index, p.source, p.destination, payload})) {
    drop(p, DropReason::test_filter);
    return;
  }
  const NetworkId net = h.network;
  Link& up = *node(s.host).up;
  send_on(up, ip_size(p.destination, p.payload.size()), std::move(p), EventKind::at_router,
          net.value());
}

void Simulator::send_on(Link& link, size_t size, Packet&& p, EventKind kind, uint32_t target) {
  const Link::Fate f = link.offer(now_, size);
  if (f.drop != DropReason::none) {
    drop(p, f.drop);
    return;
  }
  for (int i = 0; i < f.copies; ++i) {
    if (in_flight_ >= config_.max_in_flight) {
      drop(p, DropReason::in_flight_cap);
      continue;
    }
    const uint32_t slot = store(i + 1 < f.copies ? Packet(p) : std::move(p));
    ++in_flight_;
    stats_.max_in_flight_seen = std::max(stats_.max_in_flight_seen, in_flight_);
    push(f.arrival[i], kind, target, slot);
  }
}

void Simulator::route(NetworkId net, Packet&& p) {
  if (p.ttl == 0) {
    drop(p, DropReason::ttl_exceeded);
    return;
  }
  --p.ttl;
  Network& n = networks_[net.value()];
  if (auto it = n.nodes.find(p.destination.ip()); it != n.nodes.end()) {
    const NodeId to = it->second;
    send_on(*node(to).down, ip_size(p.destination, p.payload.size()), std::move(p),
            EventKind::at_node, to.value());
    return;
  }
  if (!n.gateway) {
    drop(p, DropReason::no_route);
    return;
  }
  const NodeId gw = *n.gateway;
  Nat& nat = *node(gw).nat;
  if (DropReason r = nat.outbound(now_, p.source, p.destination); r != DropReason::none) {
    drop(p, r);
    return;
  }
  if (nat.is_external(p.destination.ip())) {
    // RFC 4787 §6: hairpinning. The datagram re-enters with the sender's
    // external mapping as its source (REQ-9) and meets the filter like any
    // inbound datagram.
    if (!nat.config().hairpinning) {
      ++nat.mutable_stats().hairpin_dropped;
      drop(p, DropReason::nat_hairpin_off);
      return;
    }
    if (DropReason r = nat.inbound(now_, p.source, p.destination); r != DropReason::none) {
      drop(p, r);
      return;
    }
    ++nat.mutable_stats().hairpinned;
    route(node(gw).inside, std::move(p));
    return;
  }
  const NetworkId outside = node(gw).network;
  send_on(*node(gw).up, ip_size(p.destination, p.payload.size()), std::move(p),
          EventKind::at_router, outside.value());
}

void Simulator::arrive_at_node(NodeId id, Packet&& p) {
  Node& nd = node(id);
  if (nd.kind == NodeKind::host) {
    deliver(id, std::move(p));
    return;
  }
  if (DropReason r = nd.nat->inbound(now_, p.source, p.destination); r != DropReason::none) {
    drop(p, r);
    return;
  }
  route(nd.inside, std::move(p));
}

void Simulator::deliver(NodeId host, Packet&& p) {
  Node& h = node(host);
  auto it = h.ports.find(p.destination.port());
  if (it == h.ports.end()) it = h.ports.find(0);
  if (it == h.ports.end() || endpoints_[it->second.value()].ep == nullptr) {
    drop(p, DropReason::no_endpoint);
    return;
  }
  const EndpointId id = it->second;
  const Bytes payload(p.payload.data(), p.payload.size());
  const TraceRecord r{now_, p.id, p.source, p.destination, uint32_t(p.payload.size()),
                      DropReason::none, id};
  record(r, payload);
  ++stats_.delivered;
  ++endpoints_[id.value()].delivered;
  if (delivery_observer_) delivery_observer_(r, payload);
  endpoints_[id.value()].ep->handle_datagram(now_, Datagram{p.source, p.destination, payload});
  service(id);
}

void Simulator::drop(const Packet& p, DropReason why) {
  ++stats_.dropped;
  ++stats_.dropped_by[size_t(why)];
  record(TraceRecord{now_, p.id, p.source, p.destination, uint32_t(p.payload.size()), why,
                     EndpointId(kNoEndpoint)},
         Bytes(p.payload.data(), p.payload.size()));
}

void Simulator::record(const TraceRecord& r, Bytes payload) {
  const int64_t at = r.at.time_since_epoch().count();
  fnv(digest_, &at, sizeof at);
  fnv(digest_, &r.packet_id, sizeof r.packet_id);
  fnv_addr(digest_, r.source);
  fnv_addr(digest_, r.destination);
  fnv(digest_, &r.size, sizeof r.size);
  const uint8_t d = uint8_t(r.drop);
  fnv(digest_, &d, 1);
  const uint32_t to = r.to.value();
  fnv(digest_, &to, sizeof to);
  if (config_.record_trace && trace_.size() < config_.max_trace) trace_.push_back(r);
  if (pcap_ != nullptr && (r.drop == DropReason::none || config_.pcap_drops)) {
    pcap_->write(r.at, r.source, r.destination, payload, r.drop);
  }
}

bool Simulator::step() {
  if (queue_.empty()) return false;
  const Event ev = queue_.top();
  queue_.pop();
  now_ = std::max(now_, ev.at);
  switch (ev.kind) {
    case EventKind::at_router:
      --in_flight_;
      route(NetworkId(ev.target), take(uint32_t(ev.gen)));
      break;
    case EventKind::at_node:
      --in_flight_;
      arrive_at_node(NodeId(ev.target), take(uint32_t(ev.gen)));
      break;
    case EventKind::timer: {
      EndpointSlot& s = endpoints_[ev.target];
      if (s.ep == nullptr || ev.gen != s.timer_gen) break;  // superseded
      if (s.last_timer_at == now_) {
        if (++s.timer_spins > config_.max_timer_spins) {
          throw std::runtime_error(
              "sim: endpoint keeps reporting a deadline at now() without progress");
        }
      } else {
        s.last_timer_at = now_;
        s.timer_spins = 0;
      }
      // Forget the deadline so that the one read after the timeout is armed
      // even when it is numerically the same.
      s.deadline.reset();
      ++stats_.timeouts;
      s.ep->handle_timeout(now_);
      service(EndpointId(ev.target));
      break;
    }
  }
  return true;
}

void Simulator::run_until(Instant t) {
  while (!queue_.empty() && queue_.top().at <= t) step();
  now_ = std::max(now_, t);
}

bool Simulator::run_until(const std::function<bool()>& pred, Instant limit) {
  if (pred()) return true;
  while (!queue_.empty() && queue_.top().at <= limit) {
    step();
    if (pred()) return true;
  }
  now_ = std::max(now_, limit);
  return pred();
}

std::optional<Instant> Simulator::next_event_time() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().at;
}

std::string Simulator::summary() const {
  std::string s = seed_info(config_.seed);
  s += " t=" + std::to_string(to_millis(now_ - kTestEpoch)) + "ms";
  s += " sent=" + std::to_string(stats_.sent);
  s += " delivered=" + std::to_string(stats_.delivered);
  s += " dropped=" + std::to_string(stats_.dropped);
  for (size_t i = 1; i < kDropReasonCount; ++i) {
    if (stats_.dropped_by[i] != 0) {
      s += std::string(" ") + drop_reason_name(DropReason(i)) + "=" +
           std::to_string(stats_.dropped_by[i]);
    }
  }
  return s;
}

}  // namespace sansrtc::sim
