// support/sim/sim_types.h — IDs and drop reasons shared by the simulator parts.
#pragma once

#include "base/strong_id.h"

#include <cstdint>

namespace sansrtc::sim {

using NetworkId = StrongId<struct NetworkIdTag, uint32_t>;   // internet() is 0
using NodeId = StrongId<struct NodeIdTag, uint32_t>;         // a host or a NAT box
using EndpointId = StrongId<struct EndpointIdTag, uint32_t>; // an attached machine

// Why a datagram did not reach an endpoint. Every drop is counted by reason
// (Simulator::stats().dropped[reason]) and, with pcap drops enabled, written
// to the capture with IP TTL / hop limit 0 and the reason in the IPv4
// identification field / IPv6 flow label.
enum class DropReason : uint8_t {
  none = 0,
  link_down,        // LinkConfig::down
  loss,             // Bernoulli or Gilbert–Elliott loss
  too_big,          // IP packet larger than the link MTU
  queue_full,       // rate-limited link's queue full (tail drop)
  in_flight_cap,    // SimConfig::max_in_flight reached
  no_route,         // destination IP unknown in the network and no gateway
  no_endpoint,      // host reached, but no endpoint bound to the port
  nat_no_mapping,   // inbound to a NAT with no (live) mapping for the port
  nat_filtered,     // inbound refused by the NAT's filtering behaviour
  nat_table_full,   // outbound needing a new mapping, table at max_mappings
  nat_hairpin_off,  // internal host sent to the NAT's own external address
  nat_no_address,   // no external address of the packet's family
  test_filter,      // the test's send filter said drop (loss masks)
  bad_source,       // transmit from an address the host does not own
  ttl_exceeded,     // routing loop guard
  count_
};
inline constexpr size_t kDropReasonCount = size_t(DropReason::count_);

const char* drop_reason_name(DropReason r);

}  // namespace sansrtc::sim
