// support/sim/nat.h — a UDP NAT box with RFC 4787 behaviours.
//
// Mapping behaviour (RFC 4787 §4.1) decides when an outbound datagram reuses
// an existing external address:port; filtering behaviour (§5) decides which
// inbound datagrams a mapping lets through. Both take one of three values:
//   endpoint_independent        full cone when both are EI
//   address_dependent           "restricted cone" = EIM + ADF
//   address_and_port_dependent  "port-restricted cone" = EIM + APDF,
//                               "symmetric" = APDM + APDF
// Also modelled: mapping refresh by outbound traffic (§4.3, REQ-6; inbound
// refresh optional), mapping timeout, port preservation or random ports
// from the seed (§4.2.1), hairpinning (§6: the hairpinned datagram's source
// is the sender's external mapped address, REQ-9), a bounded mapping table.
// Left out: ICMP, port parity/contiguity, paired IP pooling beyond "first
// external address of the family", TCP.
//
// The Nat only translates addresses; the Simulator routes datagrams through it.
#pragma once

#include "base/address.h"
#include "support/sim/sim_types.h"

#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sansrtc::sim {

enum class NatBehavior : uint8_t {
  endpoint_independent,
  address_dependent,
  address_and_port_dependent,
};

enum class PortAllocation : uint8_t {
  preserving,  // external port = internal port when free, else random
  random,      // uniform in [port_min, port_max] from the seed
};

struct NatConfig {
  NatBehavior mapping = NatBehavior::endpoint_independent;
  NatBehavior filtering = NatBehavior::address_and_port_dependent;
  Duration mapping_timeout = std::chrono::seconds(120);  // RFC 4787 REQ-5: >= 2 min
  bool inbound_refresh = false;  // REQ-6: outbound refresh is mandatory, inbound optional
  PortAllocation port_allocation = PortAllocation::preserving;
  bool hairpinning = true;
  size_t max_mappings = 1024;
  size_t max_permissions_per_mapping = 64;  // filter entries; oldest evicted
  uint16_t port_min = 1024;
  uint16_t port_max = 65535;

  static NatConfig full_cone();              // EIM + EIF
  static NatConfig restricted_cone();        // EIM + ADF
  static NatConfig port_restricted_cone();   // EIM + APDF
  static NatConfig symmetric();              // APDM + APDF
};

struct NatStats {
  uint64_t mappings_created = 0;
  uint64_t mappings_expired = 0;
  uint64_t translated_out = 0;
  uint64_t translated_in = 0;
  uint64_t filtered = 0;        // inbound dropped by the filtering behaviour
  uint64_t no_mapping = 0;      // inbound to a port with no live mapping
  uint64_t table_full = 0;
  uint64_t no_address = 0;
  uint64_t hairpinned = 0;      // counted by the Simulator
  uint64_t hairpin_dropped = 0; // counted by the Simulator
};

class Nat {
 public:
  Nat(const NatConfig& config, std::vector<IpAddress> external, uint64_t seed);

  NatConfig& config() { return config_; }
  const NatConfig& config() const { return config_; }
  const NatStats& stats() const { return stats_; }
  NatStats& mutable_stats() { return stats_; }
  const std::vector<IpAddress>& external_addresses() const { return external_; }
  bool is_external(const IpAddress& ip) const;

  // Outbound: rewrites `source` (internal) to its external mapping for
  // `destination`, creating or refreshing the mapping. DropReason::none on success.
  DropReason outbound(Instant now, SocketAddress& source, const SocketAddress& destination);
  // Inbound: rewrites `destination` (external) to the internal endpoint, if a
  // live mapping exists and its filter admits `source`.
  DropReason inbound(Instant now, const SocketAddress& source, SocketAddress& destination);

  // Inspection for tests: the live external address for an internal endpoint
  // talking to `remote` (as the mapping behaviour keys it), if any.
  std::optional<SocketAddress> mapping_for(Instant now, const SocketAddress& internal,
                                           const SocketAddress& remote);
  size_t mapping_count(Instant now);

 private:
  struct Key {
    SocketAddress internal;
    SocketAddress remote;  // zeroed parts the mapping behaviour ignores
    auto operator<=>(const Key&) const = default;
  };
  struct Permission {
    SocketAddress remote;  // zeroed parts the filtering behaviour ignores
    Instant last_used;
  };
  struct Mapping {
    SocketAddress external;
    Instant last_refresh;
    std::vector<Permission> permissions;
  };

  Key key_for(const SocketAddress& internal, const SocketAddress& remote) const;
  SocketAddress filter_key(const SocketAddress& remote) const;
  void expire(Instant now);
  std::optional<uint16_t> allocate_port(const IpAddress& ext, uint16_t wanted);

  NatConfig config_;
  std::vector<IpAddress> external_;
  SeededRng rng_;
  NatStats stats_;
  std::map<Key, Mapping> mappings_;
  std::map<SocketAddress, Key> by_external_;
  Instant next_expiry_ = Instant::max();
};

}  // namespace sansrtc::sim
