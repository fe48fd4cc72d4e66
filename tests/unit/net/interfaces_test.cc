// Interface enumeration: loopback appears only when asked for.
#include "net/interfaces.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sansrtc;
using namespace sansrtc::net;

TEST_CASE("loopback_only lists 127.0.0.1 on the loopback interface and nothing else", "[net][ifaces]") {
  InterfaceFilter f;
  f.loopback_only = true;
  auto list = list_interfaces(f);
  REQUIRE(list.ok());
  REQUIRE_FALSE(list->empty());
  for (const auto& i : *list) {
    CHECK(i.is_loopback);
    CHECK(i.address.is_loopback());
    CHECK(i.index != 0);
  }
  CHECK(std::any_of(list->begin(), list->end(),
                    [](const Interface& i) { return i.address == IpAddress::v4(127, 0, 0, 1); }));
}

TEST_CASE("the default filter leaves loopback and IPv6 link-local out", "[net][ifaces]") {
  auto list = list_interfaces();
  REQUIRE(list.ok());
  for (const auto& i : *list) {
    CHECK_FALSE(i.is_loopback);
    CHECK_FALSE(i.address.is_loopback());
    if (i.address.is_v6()) CHECK_FALSE(i.address.is_link_local());
  }
}

TEST_CASE("include_loopback adds loopback to the rest; family filters apply", "[net][ifaces]") {
  InterfaceFilter all;
  all.include_loopback = true;
  auto with_lo = list_interfaces(all);
  auto without = list_interfaces();
  REQUIRE(with_lo.ok());
  REQUIRE(without.ok());
  CHECK(with_lo->size() > without->size());

  InterfaceFilter v4;
  v4.loopback_only = true;
  v4.ipv6 = false;
  auto only4 = list_interfaces(v4);
  REQUIRE(only4.ok());
  REQUIRE_FALSE(only4->empty());
  for (const auto& i : *only4) CHECK(i.address.is_v4());
}
