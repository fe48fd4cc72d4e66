// Driver: runs sans-IO machines over real loopback sockets and one timer.
// Transcripts: "A sends ping to B's echo machine, B answers"; "a machine
// that asks to be woken at +20 ms is woken at or after that, never before".
#include "net/driver.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::net;

namespace {

const SocketAddress kLoopback4(IpAddress::v4(127, 0, 0, 1), 0);

struct Outgoing {
  SocketAddress source;
  SocketAddress destination;
  std::string payload;
};

size_t write_payload(MutBytes buf, const std::string& s) {
  const size_t n = std::min(buf.size(), s.size());
  std::memcpy(buf.data(), s.data(), n);
  return n;
}

// Answers every datagram with "echo:" + payload, from the address it came in on.
class EchoMachine {
 public:
  void handle_datagram(Instant, const Datagram& d) {
    out_.push_back({d.destination, d.source, "echo:" + std::string(as_string_view(d.payload))});
    ++received;
  }
  void handle_timeout(Instant) {}
  std::optional<Transmit> poll_transmit(MutBytes buf) {
    if (out_.empty()) return std::nullopt;
    Outgoing o = out_.front();
    out_.erase(out_.begin());
    return Transmit{o.source, o.destination, write_payload(buf, o.payload)};
  }
  std::optional<Instant> poll_timeout() const { return std::nullopt; }
  int received = 0;

 private:
  std::vector<Outgoing> out_;
};

// Sends what the application asks it to and reports replies as events.
class PingMachine {
 public:
  void send(Instant, SocketAddress from, SocketAddress to, std::string text) {
    out_.push_back({from, to, std::move(text)});
  }
  void handle_packet(Instant, const Datagram& d) {
    events_.push_back(std::string(as_string_view(d.payload)));
    sources.push_back(d.source);
    destinations.push_back(d.destination);
  }
  void handle_timeout(Instant) {}
  std::optional<Transmit> poll_transmit(MutBytes buf) {
    if (out_.empty()) return std::nullopt;
    Outgoing o = out_.front();
    out_.erase(out_.begin());
    return Transmit{o.source, o.destination, write_payload(buf, o.payload)};
  }
  std::optional<Instant> poll_timeout() const { return std::nullopt; }
  std::optional<std::string> poll_event() {
    if (events_.empty()) return std::nullopt;
    std::string e = events_.front();
    events_.erase(events_.begin());
    return e;
  }
  std::vector<SocketAddress> sources;
  std::vector<SocketAddress> destinations;

 private:
  std::vector<Outgoing> out_;
  std::vector<std::string> events_;
};

// Asks to be woken at each of `deadlines` in turn; records when it was.
class TimerMachine {
 public:
  void handle_datagram(Instant, const Datagram&) {}
  void handle_timeout(Instant now) {
    calls.push_back(now);
    if (next_ < deadlines.size() && now >= deadlines[next_]) {
      woken.push_back(now);
      ++next_;
    }
  }
  std::optional<Transmit> poll_transmit(MutBytes) { return std::nullopt; }
  std::optional<Instant> poll_timeout() const {
    if (next_ < deadlines.size()) return deadlines[next_];
    return std::nullopt;
  }
  std::vector<Instant> deadlines;
  std::vector<Instant> calls;
  std::vector<Instant> woken;

 private:
  size_t next_ = 0;
};

}  // namespace

TEST_CASE("ClockMapper maps steady_clock to large Instants and back exactly", "[net][clock]") {
  const auto origin = std::chrono::steady_clock::now();
  ClockMapper clock(origin, kDriverEpoch);
  CHECK(clock.to_instant(origin) == kDriverEpoch);
  CHECK(clock.now() >= kDriverEpoch);
  CHECK(kDriverEpoch.time_since_epoch() > std::chrono::hours(24 * 365));
  const Instant d = kDriverEpoch + std::chrono::milliseconds(20) + std::chrono::nanoseconds(7);
  CHECK(clock.to_instant(clock.to_steady(d)) == d);
  CHECK(clock.to_steady(d) - origin == std::chrono::milliseconds(20) + std::chrono::nanoseconds(7));
}

TEST_CASE("A pings B's echo machine over loopback and gets every answer", "[net][driver]") {
  EventLoop loop;
  EchoMachine echo;
  MachineAdapter echo_adapter(echo);
  Driver b(loop, echo_adapter);
  auto b_addr = b.bind(kLoopback4);
  REQUIRE(b_addr.ok());

  PingMachine ping;
  std::vector<std::string> replies;
  auto on_reply = [&](Instant, std::string e) {
    replies.push_back(std::move(e));
    if (replies.size() == 3) loop.stop();
  };
  MachineAdapter ping_adapter(ping, on_reply);
  Driver a(loop, ping_adapter);
  auto a_addr = a.bind(kLoopback4);
  REQUIRE(a_addr.ok());

  // A's application issues commands, then lets the driver drain them.
  for (const char* m : {"1", "2", "3"}) ping.send(a.now(), *a_addr, *b_addr, m);
  a.update();
  loop.run_for(std::chrono::seconds(2));

  REQUIRE(replies == std::vector<std::string>{"echo:1", "echo:2", "echo:3"});
  CHECK(echo.received == 3);
  CHECK(ping.sources[0] == *b_addr);       // the echo answered from the socket it received on
  CHECK(ping.destinations[0] == *a_addr);  // and A saw which local socket got it
  CHECK(a.stats().transmits == 3);
  CHECK(b.stats().transmits == 3);
  CHECK(b.stats().datagrams_in == 3);
  CHECK(a.stats().events == 3);
}

TEST_CASE("a transmit leaves from the socket named by Transmit::source", "[net][driver]") {
  EventLoop loop;
  EchoMachine echo;
  MachineAdapter echo_adapter(echo);
  Driver b(loop, echo_adapter);
  auto b_addr = b.bind(kLoopback4);
  REQUIRE(b_addr.ok());

  PingMachine ping;
  int replies = 0;
  MachineAdapter ping_adapter(ping, [&](Instant, std::string) {
    if (++replies == 3) loop.stop();
  });
  Driver a(loop, ping_adapter);
  auto first = a.bind(kLoopback4);
  auto second = a.bind(kLoopback4);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(a.local_addresses().size() == 2);

  ping.send(a.now(), *second, *b_addr, "from-second");
  ping.send(a.now(), *first, *b_addr, "from-first");
  ping.send(a.now(), SocketAddress(IpAddress::v4(127, 0, 0, 2), 1), *b_addr, "nowhere");
  ping.send(a.now(), SocketAddress(), *b_addr, "any");  // no source: the first IPv4 socket
  a.update();
  loop.run_for(std::chrono::seconds(2));

  REQUIRE(replies == 3);
  // Each echo comes back to the socket it was sent from.
  CHECK(ping.destinations[0] == *second);
  CHECK(ping.destinations[1] == *first);
  CHECK(ping.destinations[2] == *first);
  CHECK(a.stats().transmit_no_socket == 1);
  CHECK(a.socket(*second) != nullptr);
  CHECK(a.socket(*second)->stats().datagrams_sent == 1);
}

TEST_CASE("a machine that asks to be woken at +20 ms is never woken before", "[net][driver][timer]") {
  EventLoop loop;
  TimerMachine m;
  MachineAdapter adapter(m);
  Driver d(loop, adapter);
  const Instant start = d.now();
  m.deadlines = {start + milliseconds(20), start + milliseconds(30), start + milliseconds(45)};
  d.update();
  REQUIRE(d.armed_deadline() == m.deadlines[0]);
  loop.run_for(std::chrono::seconds(2));  // returns early: no work once the last deadline passed

  REQUIRE(m.woken.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    INFO("wake-up " << i);
    CHECK(m.woken[i] >= m.deadlines[i]);
  }
  for (const Instant& c : m.calls) CHECK(c >= m.deadlines[0]);
  CHECK(m.calls.size() == 3);  // no spurious wake-ups
  CHECK(d.stats().timeouts == 3);
  CHECK_FALSE(d.armed_deadline().has_value());
}

TEST_CASE("moving the deadline earlier re-arms the one timer", "[net][driver][timer]") {
  EventLoop loop;
  TimerMachine m;
  MachineAdapter adapter(m);
  Driver d(loop, adapter);
  const Instant start = d.now();
  m.deadlines = {start + std::chrono::hours(1)};
  d.update();
  CHECK(d.armed_deadline() == m.deadlines[0]);
  m.deadlines = {start + milliseconds(20)};
  d.update();
  CHECK(d.armed_deadline() == m.deadlines[0]);
  loop.run_for(std::chrono::seconds(2));
  REQUIRE(m.woken.size() == 1);
  CHECK(m.woken[0] >= start + milliseconds(20));
  CHECK(m.calls.size() == 1);  // the cancelled hour-long wait never reaches the machine
}

TEST_CASE("a deadline already in the past fires at once", "[net][driver][timer]") {
  EventLoop loop;
  TimerMachine m;
  MachineAdapter adapter(m);
  Driver d(loop, adapter);
  m.deadlines = {d.now() - milliseconds(5)};
  d.update();
  loop.run_for(std::chrono::seconds(1));
  CHECK(m.woken.size() == 1);
}

TEST_CASE("the application may destroy the driver from the machine's event callback", "[net][driver]") {
  EventLoop loop;
  EchoMachine echo;
  MachineAdapter echo_adapter(echo);
  Driver b(loop, echo_adapter);
  auto b_addr = b.bind(kLoopback4);
  REQUIRE(b_addr.ok());

  PingMachine ping;
  std::unique_ptr<Driver> a;
  int replies = 0;
  MachineAdapter ping_adapter(ping, [&](Instant, std::string) {
    ++replies;
    a.reset();  // from inside the driver's own update
    loop.stop();
  });
  a = std::make_unique<Driver>(loop, ping_adapter);
  auto a_addr = a->bind(kLoopback4);
  REQUIRE(a_addr.ok());
  ping.send(a->now(), *a_addr, *b_addr, "x");
  ping.send(a->now(), *a_addr, *b_addr, "y");
  a->update();
  loop.run_for(std::chrono::seconds(2));
  CHECK(replies == 1);
  CHECK(a == nullptr);
  loop.restart();
  loop.run_for(std::chrono::milliseconds(50));  // the second echo finds no driver
  CHECK(replies == 1);
}

TEST_CASE("a closed driver does not call its machine", "[net][driver]") {
  EventLoop loop;
  TimerMachine m;
  MachineAdapter adapter(m);
  Driver d(loop, adapter);
  m.deadlines = {d.now() + milliseconds(5)};
  d.update();
  d.close();
  CHECK(d.closed());
  loop.run_for(std::chrono::milliseconds(100));
  CHECK(m.calls.empty());
  auto r = d.bind(kLoopback4);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::closed);
}
