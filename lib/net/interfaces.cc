#include "net/interfaces.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace sansrtc::net {

Result<std::vector<Interface>> list_interfaces(const InterfaceFilter& filter) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return make_error(Errc::io_error, "getifaddrs failed");
  std::vector<Interface> out;
  for (ifaddrs* ifa = list; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP)) continue;
    IpAddress ip;
    if (ifa->ifa_addr->sa_family == AF_INET) {
      if (!filter.ipv4) continue;
      sockaddr_in sin;
      std::memcpy(&sin, ifa->ifa_addr, sizeof sin);
      ip = IpAddress::v4(ntohl(sin.sin_addr.s_addr));
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      if (!filter.ipv6) continue;
      sockaddr_in6 sin6;
      std::memcpy(&sin6, ifa->ifa_addr, sizeof sin6);
      std::array<uint8_t, 16> b;
      std::memcpy(b.data(), sin6.sin6_addr.s6_addr, 16);
      ip = IpAddress::v6(b);
    } else {
      continue;
    }
    const bool loopback = (ifa->ifa_flags & IFF_LOOPBACK) || ip.is_loopback();
    if (filter.loopback_only && !loopback) continue;
    if (loopback && !filter.include_loopback && !filter.loopback_only) continue;
    if (ip.is_v6() && ip.is_link_local() && !filter.include_link_local) continue;
    Interface i;
    i.name = ifa->ifa_name ? ifa->ifa_name : "";
    i.address = ip;
    i.is_loopback = loopback;
    i.index = ifa->ifa_name ? if_nametoindex(ifa->ifa_name) : 0;
    out.push_back(std::move(i));
  }
  freeifaddrs(list);
  return out;
}

}  // namespace sansrtc::net
