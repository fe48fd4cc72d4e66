#include "support/sim/nat.h"

#include <algorithm>

namespace sansrtc::sim {

NatConfig NatConfig::full_cone() {
  NatConfig c;
  c.mapping = NatBehavior::endpoint_independent;
  c.filtering = NatBehavior::endpoint_independent;
  return c;
}
NatConfig NatConfig::restricted_cone() {
  NatConfig c;
  c.mapping = NatBehavior::endpoint_independent;
  c.filtering = NatBehavior::address_dependent;
  return c;
}
NatConfig NatConfig::port_restricted_cone() {
  NatConfig c;
  c.mapping = NatBehavior::endpoint_independent;
  c.filtering = NatBehavior::address_and_port_dependent;
  return c;
}
NatConfig NatConfig::symmetric() {
  NatConfig c;
  c.mapping = NatBehavior::address_and_port_dependent;
  c.filtering = NatBehavior::address_and_port_dependent;
  return c;
}

Nat::Nat(const NatConfig& config, std::vector<IpAddress> external, uint64_t seed)
    : config_(config), external_(std::move(external)), rng_(seed) {}

bool Nat::is_external(const IpAddress& ip) const {
  return std::find(external_.begin(), external_.end(), ip) != external_.end();
}

static SocketAddress keyed(NatBehavior b, const SocketAddress& remote) {
  switch (b) {
    case NatBehavior::endpoint_independent: return SocketAddress(IpAddress(), 0);
    case NatBehavior::address_dependent: return SocketAddress(remote.ip(), 0);
    case NatBehavior::address_and_port_dependent: return remote;
  }
  return remote;
}

Nat::Key Nat::key_for(const SocketAddress& internal, const SocketAddress& remote) const {
  return Key{internal, keyed(config_.mapping, remote)};
}

SocketAddress Nat::filter_key(const SocketAddress& remote) const {
  return keyed(config_.filtering, remote);
}

void Nat::expire(Instant now) {
  if (now < next_expiry_) return;
  next_expiry_ = Instant::max();
  for (auto it = mappings_.begin(); it != mappings_.end();) {
    const Instant deadline = it->second.last_refresh + config_.mapping_timeout;
    if (deadline <= now) {
      by_external_.erase(it->second.external);
      it = mappings_.erase(it);
      ++stats_.mappings_expired;
    } else {
      next_expiry_ = std::min(next_expiry_, deadline);
      ++it;
    }
  }
}

std::optional<uint16_t> Nat::allocate_port(const IpAddress& ext, uint16_t wanted) {
  auto free = [&](uint16_t p) { return p != 0 && !by_external_.contains(SocketAddress(ext, p)); };
  if (config_.port_allocation == PortAllocation::preserving && free(wanted)) return wanted;
  const uint32_t lo = config_.port_min, hi = std::max<uint32_t>(config_.port_max, lo);
  const uint32_t span = hi - lo + 1;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const uint16_t p = uint16_t(lo + rng_.uniform(span));
    if (free(p)) return p;
  }
  for (uint32_t p = lo; p <= hi; ++p) {  // nearly full port range: scan
    if (free(uint16_t(p))) return uint16_t(p);
  }
  return std::nullopt;
}

DropReason Nat::outbound(Instant now, SocketAddress& source, const SocketAddress& destination) {
  expire(now);
  const Key key = key_for(source, destination);
  auto it = mappings_.find(key);
  if (it == mappings_.end()) {
    auto ext_ip = std::find_if(external_.begin(), external_.end(),
                               [&](const IpAddress& a) { return a.family() == source.family(); });
    if (ext_ip == external_.end()) {
      ++stats_.no_address;
      return DropReason::nat_no_address;
    }
    if (mappings_.size() >= config_.max_mappings) {
      ++stats_.table_full;
      return DropReason::nat_table_full;
    }
    auto port = allocate_port(*ext_ip, source.port());
    if (!port) {
      ++stats_.table_full;
      return DropReason::nat_table_full;
    }
    Mapping m;
    m.external = SocketAddress(*ext_ip, *port);
    m.last_refresh = now;
    it = mappings_.emplace(key, std::move(m)).first;
    by_external_.emplace(it->second.external, key);
    ++stats_.mappings_created;
  }
  Mapping& m = it->second;
  m.last_refresh = now;
  next_expiry_ = std::min(next_expiry_, now + config_.mapping_timeout);
  const SocketAddress fk = filter_key(destination);
  auto p = std::find_if(m.permissions.begin(), m.permissions.end(),
                        [&](const Permission& x) { return x.remote == fk; });
  if (p != m.permissions.end()) {
    p->last_used = now;
  } else {
    if (m.permissions.size() >= config_.max_permissions_per_mapping && !m.permissions.empty()) {
      auto oldest = std::min_element(m.permissions.begin(), m.permissions.end(),
                                     [](const Permission& a, const Permission& b) {
                                       return a.last_used < b.last_used;
                                     });
      m.permissions.erase(oldest);
    }
    m.permissions.push_back(Permission{fk, now});
  }
  source = m.external;
  ++stats_.translated_out;
  return DropReason::none;
}

DropReason Nat::inbound(Instant now, const SocketAddress& source, SocketAddress& destination) {
  expire(now);
  auto e = by_external_.find(destination);
  if (e == by_external_.end()) {
    ++stats_.no_mapping;
    return DropReason::nat_no_mapping;
  }
  Mapping& m = mappings_.at(e->second);
  const SocketAddress fk = filter_key(source);
  // A permission lives as long as its mapping (last_used only orders eviction).
  auto p = std::find_if(m.permissions.begin(), m.permissions.end(),
                        [&](const Permission& x) { return x.remote == fk; });
  if (p == m.permissions.end()) {
    ++stats_.filtered;
    return DropReason::nat_filtered;
  }
  if (config_.inbound_refresh) {
    m.last_refresh = now;
    next_expiry_ = std::min(next_expiry_, now + config_.mapping_timeout);
  }
  destination = e->second.internal;
  ++stats_.translated_in;
  return DropReason::none;
}

std::optional<SocketAddress> Nat::mapping_for(Instant now, const SocketAddress& internal,
                                              const SocketAddress& remote) {
  expire(now);
  auto it = mappings_.find(key_for(internal, remote));
  if (it == mappings_.end()) return std::nullopt;
  return it->second.external;
}

size_t Nat::mapping_count(Instant now) {
  expire(now);
  return mappings_.size();
}

}  // namespace sansrtc::sim
