// Host name resolution and HOST:PORT splitting. Only loopback names.
#include "net/resolver.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sansrtc;
using namespace sansrtc::net;

TEST_CASE("split_host_port accepts names, IPv4 and bracketed IPv6", "[net][resolve]") {
  auto a = split_host_port("stun.example.org:3478");
  REQUIRE(a.ok());
  CHECK(a->host == "stun.example.org");
  CHECK(a->port == 3478);
  auto b = split_host_port("[::1]:19302");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(b->port == 19302);
  auto c = split_host_port("127.0.0.1:0");
  REQUIRE(c.ok());
  CHECK(c->port == 0);

  for (const char* bad : {"host", "host:", ":3478", "host:65536", "host:12x", "::1:3478", "[::1]3478", "[::1:3478"}) {
    INFO(bad);
    auto r = split_host_port(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::malformed);
  }
}

TEST_CASE("resolve_sync of a literal returns it unchanged", "[net][resolve]") {
  auto r = resolve_sync("127.0.0.1", 3478);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0] == SocketAddress(IpAddress::v4(127, 0, 0, 1), 3478));
}

TEST_CASE("resolve_sync of localhost gives 127.0.0.1 for IPv4", "[net][resolve]") {
  auto r = resolve_sync("localhost", 5000, AddressFamilies::v4_only);
  REQUIRE(r.ok());
  CHECK(std::find(r->begin(), r->end(), SocketAddress(IpAddress::v4(127, 0, 0, 1), 5000)) != r->end());
  for (const auto& a : *r) CHECK(a.ip().is_v4());
}

// No test resolves a name that is not in /etc/hosts: that would send a DNS
// query off the machine, and tests talk to loopback only.

TEST_CASE("Resolver resolves localhost asynchronously on the loop", "[net][resolve]") {
  EventLoop loop;
  Resolver resolver(loop);
  int calls = 0;
  std::vector<SocketAddress> got;
  resolver.resolve("localhost", 3478, AddressFamilies::v4_only, [&](Result<std::vector<SocketAddress>> r) {
    ++calls;
    if (r.ok()) got = *r;
  });
  loop.run_for(std::chrono::seconds(5));
  CHECK(calls == 1);
  CHECK(std::find(got.begin(), got.end(), SocketAddress(IpAddress::v4(127, 0, 0, 1), 3478)) != got.end());
}

TEST_CASE("a cancelled resolution never calls back", "[net][resolve]") {
  EventLoop loop;
  int calls = 0;
  {
    Resolver resolver(loop);
    resolver.resolve("localhost", 1, AddressFamilies::v4_only, [&](auto) { ++calls; });
    resolver.cancel();
    loop.run_for(std::chrono::milliseconds(500));
  }
  loop.restart();
  loop.run_for(std::chrono::milliseconds(100));
  CHECK(calls == 0);
}
