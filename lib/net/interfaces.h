// net/interfaces.h — the host's network interface addresses (getifaddrs).
//
// ICE gathers host candidates from these. Only interfaces that are up are
// listed. Loopback and IPv6 link-local addresses are left out unless asked
// for (RFC 8445 §5.1.1.1: loopback addresses MUST NOT be included as
// candidates... unless the application asks; link-local IPv6 addresses
// "SHOULD NOT" be unless the application knows they are usable).
// `loopback_only` restricts the list to loopback (tests obey the network
// rule with it).
#pragma once

#include "base/address.h"
#include <sansrtc/result.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sansrtc::net {

struct Interface {
  std::string name;     // "eth0", "lo"
  IpAddress address;
  bool is_loopback = false;
  uint32_t index = 0;   // if_nametoindex(name)
};

struct InterfaceFilter {
  bool include_loopback = false;
  bool include_link_local = false;
  bool loopback_only = false;  // implies include_loopback
  bool ipv4 = true;
  bool ipv6 = true;
};

// Errors: io_error when getifaddrs fails.
Result<std::vector<Interface>> list_interfaces(const InterfaceFilter& filter = {});

}  // namespace sansrtc::net
