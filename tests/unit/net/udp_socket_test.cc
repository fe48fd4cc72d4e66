// UdpSocket: binding (exact port, port ranges), sending and receiving on
// loopback, and the endpoint conversions. Loopback only.
#include "net/udp_socket.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::net;

namespace {

const SocketAddress kLoopback4(IpAddress::v4(127, 0, 0, 1), 0);

struct Collect final : DatagramSink {
  std::vector<std::string> payloads;
  std::vector<Datagram> meta;
  EventLoop* loop = nullptr;
  size_t stop_after = 1;
  void on_datagram(const Datagram& d) override {
    payloads.emplace_back(as_string_view(d.payload));
    meta.push_back(Datagram{d.source, d.destination, {}});
    if (payloads.size() >= stop_after) loop->stop();
  }
};

}  // namespace

TEST_CASE("a socket bound to 127.0.0.1 port 0 gets an OS-chosen port", "[net][udp]") {
  EventLoop loop;
  auto s = UdpSocket::open(loop, kLoopback4);
  REQUIRE(s.ok());
  const SocketAddress local = (*s)->local_address();
  CHECK(local.ip() == IpAddress::v4(127, 0, 0, 1));
  CHECK(local.port() != 0);
}

TEST_CASE("a port range skips ports in use and fails when all are taken", "[net][udp]") {
  EventLoop loop;
  auto a = UdpSocket::open(loop, kLoopback4);
  REQUIRE(a.ok());
  const uint16_t taken = (*a)->local_address().port();

  auto only_taken = UdpSocket::open(loop, kLoopback4, PortRange{taken, taken});
  REQUIRE_FALSE(only_taken.ok());
  CHECK(only_taken.error().code == Errc::limit_exceeded);

  // The range starts at the taken port: the socket gets a later one.
  const uint16_t high = taken > 65000 ? 65535 : uint16_t(taken + 500);
  auto b = UdpSocket::open(loop, kLoopback4, PortRange{taken, high});
  REQUIRE(b.ok());
  CHECK((*b)->local_address().port() > taken);
  CHECK((*b)->local_address().port() <= high);

  auto bad = UdpSocket::open(loop, kLoopback4, PortRange{10, 9});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::invalid_argument);
}

TEST_CASE("binding a non-local address fails with io_error", "[net][udp]") {
  EventLoop loop;
  // 203.0.113.0/24 is TEST-NET-3 (RFC 5737), never assigned to a host;
  // binding sends nothing.
  auto s = UdpSocket::open(loop, SocketAddress(IpAddress::v4(203, 0, 113, 77), 0));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::io_error);
}

TEST_CASE("two loopback sockets exchange datagrams", "[net][udp]") {
  EventLoop loop;
  auto a = UdpSocket::open(loop, kLoopback4);
  auto b = UdpSocket::open(loop, kLoopback4);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Collect sink;
  sink.loop = &loop;
  sink.stop_after = 3;
  (*b)->start_receive(&sink);

  for (const char* m : {"one", "two", "three"})
    REQUIRE((*a)->send_to(as_bytes(m), (*b)->local_address()).ok());
  loop.run_for(std::chrono::seconds(2));

  REQUIRE(sink.payloads == std::vector<std::string>{"one", "two", "three"});
  CHECK(sink.meta[0].source == (*a)->local_address());
  CHECK(sink.meta[0].destination == (*b)->local_address());
  CHECK((*a)->stats().datagrams_sent == 3);
  CHECK((*b)->stats().datagrams_received == 3);
  CHECK((*b)->stats().bytes_received == 3 + 3 + 5);
}

TEST_CASE("sending to the other address family is refused", "[net][udp]") {
  EventLoop loop;
  auto a = UdpSocket::open(loop, kLoopback4);
  REQUIRE(a.ok());
  auto r = (*a)->send_to(as_bytes("x"), SocketAddress(IpAddress::parse("::1").value(), 9));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  (*a)->close();
  auto closed = (*a)->send_to(as_bytes("x"), (*a)->local_address());
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().code == Errc::closed);
}

TEST_CASE("IPv6 loopback sockets exchange datagrams", "[net][udp][v6]") {
  EventLoop loop;
  const SocketAddress any6(IpAddress::parse("::1").value(), 0);
  auto a = UdpSocket::open(loop, any6);
  if (!a.ok()) {
    WARN("no ::1 on this host: " << a.error().message);
    return;
  }
  auto b = UdpSocket::open(loop, any6);
  REQUIRE(b.ok());
  Collect sink;
  sink.loop = &loop;
  (*b)->start_receive(&sink);
  REQUIRE((*a)->send_to(as_bytes("v6"), (*b)->local_address()).ok());
  loop.run_for(std::chrono::seconds(2));
  REQUIRE(sink.payloads == std::vector<std::string>{"v6"});
  CHECK(sink.meta[0].source.to_string() == "[::1]:" + std::to_string((*a)->local_address().port()));
}

TEST_CASE("a dual-stack IPv6 socket talks to IPv4 peers as IPv4", "[net][udp][v6]") {
  EventLoop loop;
  UdpSocketConfig dual;
  dual.v6_only = false;
  auto a = UdpSocket::open(loop, SocketAddress(IpAddress::parse("::").value(), 0), {}, dual);
  if (!a.ok()) {
    WARN("no IPv6 on this host: " << a.error().message);
    return;
  }
  auto b = UdpSocket::open(loop, kLoopback4);
  REQUIRE(b.ok());
  Collect at_b;
  at_b.loop = &loop;
  (*b)->start_receive(&at_b);
  Collect at_a;
  at_a.loop = &loop;
  (*a)->start_receive(&at_a);

  const SocketAddress b_addr = (*b)->local_address();
  REQUIRE((*a)->send_to(as_bytes("to-v4"), b_addr).ok());
  loop.run_for(std::chrono::seconds(2));
  REQUIRE(at_b.payloads == std::vector<std::string>{"to-v4"});
  const SocketAddress a_seen_by_b = at_b.meta[0].source;
  CHECK(a_seen_by_b.ip() == IpAddress::v4(127, 0, 0, 1));
  CHECK(a_seen_by_b.port() == (*a)->local_address().port());

  loop.restart();
  REQUIRE((*b)->send_to(as_bytes("back"), SocketAddress(IpAddress::v4(127, 0, 0, 1), a_seen_by_b.port())).ok());
  loop.run_for(std::chrono::seconds(2));
  REQUIRE(at_a.payloads == std::vector<std::string>{"back"});
  CHECK(at_a.meta[0].source == b_addr);  // v4-mapped reported as plain IPv4
}
