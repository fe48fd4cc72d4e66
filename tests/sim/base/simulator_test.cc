// The Simulator's event loop, routing, counters, seeds, pcap capture, and
// the back-to-back Pair helpers.
#include "support/sim/pair.h"
#include "support/sim/simulator.h"
#include "test_endpoints.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace sansrtc;
using namespace sansrtc::sim;
using namespace sansrtc::sim::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("the clock starts at kTestEpoch and run_until(pred) stops at the event") {
  Simulator sim;
  CHECK(sim.now() == kTestEpoch);
  Pinger p(sa4(192, 0, 2, 2, 9), 5, milliseconds(100));
  Recorder r;
  sim.attach({IpAddress::v4(192, 0, 2, 1)}, p);
  sim.attach({IpAddress::v4(192, 0, 2, 2)}, r);
  CHECK(sim.next_event_time() == kTestEpoch);
  CHECK(sim.run_until([&] { return r.rx.size() == 3; }, kTestEpoch + seconds(10)));
  CHECK(sim.now() == kTestEpoch + milliseconds(200));
  CHECK_FALSE(sim.run_until([&] { return r.rx.size() == 6; }, kTestEpoch + seconds(10)));
  CHECK(sim.now() == kTestEpoch + seconds(10));
  CHECK(r.rx.size() == 5);
  CHECK_FALSE(sim.step());
}

TEST_CASE("unroutable and unbound destinations are dropped and counted") {
  Simulator sim;
  Recorder a, b;
  const EndpointId ea = sim.attach({IpAddress::v4(192, 0, 2, 1)}, a);
  sim.attach({IpAddress::v4(192, 0, 2, 2)}, b, Simulator::internet(), 3478);
  a.send_seq(sa4(9, 9, 9, 9, 1), 1);     // nobody has 9.9.9.9
  a.send_seq(sa4(192, 0, 2, 2, 1), 2);   // host exists, port 1 unbound
  a.send_seq(sa4(192, 0, 2, 2, 3478), 3);
  a.send_seq(sa4(192, 0, 2, 2, 3478), 4, 100, sa4(10, 0, 0, 1, 1));  // spoofed source
  sim.wake(ea);
  sim.run_for(seconds(1));
  CHECK(b.rx.size() == 1);
  CHECK(sim.stats().drops(DropReason::no_route) == 1);
  CHECK(sim.stats().drops(DropReason::no_endpoint) == 1);
  CHECK(sim.stats().drops(DropReason::bad_source) == 1);
  CHECK(sim.stats().sent == 4);
  CHECK(sim.stats().delivered == 1);
  CHECK(sim.stats().dropped == 3);
  CHECK(sim.sent_by(ea) == 4);
  INFO(sim.summary());
  CHECK(sim.summary().find("no_route=1") != std::string::npos);
}

TEST_CASE("an unspecified source becomes the host's address and the endpoint's port") {
  Simulator sim;
  Recorder a, b;
  const EndpointId ea = sim.attach({IpAddress::v4(192, 0, 2, 1), *IpAddress::parse("2001:db8::1")},
                                   a, Simulator::internet(), 4444);
  sim.attach({IpAddress::v4(192, 0, 2, 2), *IpAddress::parse("2001:db8::2")}, b);
  a.send_seq(sa4(192, 0, 2, 2, 9), 1);
  a.send_seq(SocketAddress(*IpAddress::parse("2001:db8::2"), 9), 2);
  sim.wake(ea);
  sim.run_for(seconds(1));
  REQUIRE(b.rx.size() == 2);
  CHECK(b.rx[0].from == sa4(192, 0, 2, 1, 4444));
  CHECK(b.rx[1].from == SocketAddress(*IpAddress::parse("2001:db8::1"), 4444));
  CHECK(sim.address_of(ea) == sa4(192, 0, 2, 1, 4444));
}

TEST_CASE("a send filter drops chosen datagrams (loss masks)") {
  Simulator sim;
  Pinger p(sa4(192, 0, 2, 2, 9), 6, milliseconds(1));
  Recorder r;
  sim.attach({IpAddress::v4(192, 0, 2, 2)}, r);
  sim.set_send_filter([](const SentDatagram& d) { return d.index != 2 && d.index != 4; });
  sim.attach({IpAddress::v4(192, 0, 2, 1)}, p);
  sim.run_for(seconds(1));
  REQUIRE(r.rx.size() == 4);
  CHECK(r.rx[2].seq() == 3);
  CHECK(sim.stats().drops(DropReason::test_filter) == 2);
}

TEST_CASE("an endpoint that never moves its deadline past now is caught") {
  FnMachine m;
  m.on_poll_timeout = [] { return std::optional<Instant>(kTestEpoch); };
  MachineEndpoint<FnMachine> ep(m);
  Simulator sim;
  sim.attach({IpAddress::v4(192, 0, 2, 1)}, ep);
  CHECK_THROWS_AS(sim.run_for(seconds(1)), std::runtime_error);
}

TEST_CASE("seeds: SANSRTC_SEED overrides, and seed_info says how to replay") {
  ::unsetenv("SANSRTC_SEED");
  CHECK(test_seed(7) == 7);
  CHECK(test_seeds(3, 10) == std::vector<uint64_t>{10, 11, 12});
  ::setenv("SANSRTC_SEED", "99", 1);
  CHECK(test_seed(7) == 99);
  CHECK(test_seeds(3, 10) == std::vector<uint64_t>{99});
  ::setenv("SANSRTC_SEED", "junk", 1);
  CHECK(test_seed(7) == 7);
  ::unsetenv("SANSRTC_SEED");
  CHECK(seed_info(42) == "seed=42 (replay: SANSRTC_SEED=42)");
  CHECK(derive_seed(1, 0) != derive_seed(1, 1));
  CHECK(derive_seed(1, 0) != derive_seed(2, 0));
}

namespace {
std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}
uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
}  // namespace

TEST_CASE("pcap: deliveries and drops are written as raw IPv4/IPv6 + UDP") {
  const std::string path = "sim_test_" + std::to_string(::getpid()) + ".pcap";
  {
    Simulator sim;
    sim.open_pcap(path);
    Recorder a, b;
    const NodeId ha = sim.add_host({IpAddress::v4(192, 0, 2, 1), *IpAddress::parse("2001:db8::1")});
    const EndpointId ea = sim.attach(ha, a, 1111);
    sim.attach({IpAddress::v4(192, 0, 2, 2), *IpAddress::parse("2001:db8::2")}, b, Simulator::internet(), 2222);
    sim.uplink(ha).config().latency = milliseconds(1500);
    a.send(sa4(192, 0, 2, 2, 2222), {'h', 'i'});
    a.send(SocketAddress(*IpAddress::parse("2001:db8::2"), 2222), {'v', '6', '!'});
    a.send(sa4(9, 9, 9, 9, 1), {'x'});  // dropped: no route
    sim.wake(ea);
    sim.run_for(seconds(2));
    REQUIRE(b.rx.size() == 2);
    CHECK(sim.pcap()->records() == 3);
  }
  const std::vector<uint8_t> f = read_file(path);
  std::remove(path.c_str());
  // Global header (24) + 3 records (16 + packet each).
  REQUIRE(f.size() == 24 + (16 + 20 + 8 + 2) + (16 + 40 + 8 + 3) + (16 + 20 + 8 + 1));
  CHECK(le32(&f[0]) == 0xa1b2c3d4);
  CHECK(le16(&f[4]) == 2);
  CHECK(le16(&f[6]) == 4);
  CHECK(le32(&f[16]) == 65535);
  CHECK(le32(&f[20]) == 101);  // LINKTYPE_RAW

  // Order of records: the no-route drop happens at once, the others after 1.5 s.
  const uint8_t* r = &f[24];
  CHECK(le32(r + 8) == 29);  // caplen
  CHECK(r[16] == 0x45);
  CHECK(r[16 + 8] == 0);     // TTL 0: dropped
  CHECK(load_be16(r + 16 + 4) == uint16_t(DropReason::no_route));
  r += 16 + 29;
  const uint32_t ts_sec = le32(r), ts_usec = le32(r + 4);
  const auto t = kTestEpoch + milliseconds(1500);
  CHECK(ts_sec == uint32_t(std::chrono::duration_cast<seconds>(t.time_since_epoch()).count()));
  CHECK(ts_usec == 500'000);
  CHECK(le32(r + 8) == 30);
  const uint8_t* ip = r + 16;
  CHECK(ip[0] == 0x45);
  CHECK(ip[8] == 64);
  CHECK(ip[9] == 17);
  CHECK(load_be16(ip + 2) == 30);
  CHECK(load_be32(ip + 12) == IpAddress::v4(192, 0, 2, 1).v4_host_order());
  CHECK(load_be16(ip + 20) == 1111);
  CHECK(load_be16(ip + 22) == 2222);
  CHECK(load_be16(ip + 24) == 10);
  CHECK(ip[28] == 'h');
  // The IPv4 header checksum verifies.
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += load_be16(ip + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  CHECK(sum == 0xffff);
  r += 16 + 30;
  ip = r + 16;
  CHECK(le32(r + 8) == 51);
  CHECK(ip[0] >> 4 == 6);
  CHECK(ip[6] == 17);
  CHECK(ip[7] == 64);
  CHECK(load_be16(ip + 4) == 11);
  CHECK(load_be16(ip + 40 + 6) != 0);  // UDP checksum mandatory over IPv6
  CHECK(ip[48] == 'v');
}

// --- Pair: two machines back to back ----------------------------------------

namespace {

// Replies to each "n" with "n+1" until `limit`; retransmits its last datagram
// every 100 ms while waiting. Uses the bytes-in / size-out spelling.
class Counter {
 public:
  Counter(bool starts, uint8_t limit, Duration rto = milliseconds(100))
      : limit_(limit), rto_(rto) {
    if (starts) queue(0);
  }
  void handle_packet(Instant now, Bytes in) {
    if (in.size() != 1) return;
    now_ = now;
    last_seen = std::max<int>(last_seen, in[0]);
    if (in[0] + 1 <= limit_ && in[0] + 1 > sent_value_) {
      queue(uint8_t(in[0] + 1));
      rtx_at_.reset();
    } else if (in[0] + 1 == sent_value_) {
      pending_ = true;  // the peer repeats itself: our answer was lost
    }
  }
  void handle_timeout(Instant now) {
    if (rtx_at_ && *rtx_at_ <= now) {
      pending_ = true;
      ++retransmits;
    }
    now_ = now;
  }
  std::optional<size_t> poll_transmit(MutBytes buf) {
    if (!pending_) return std::nullopt;
    pending_ = false;
    buf[0] = sent_value_;
    rtx_at_ = now_ + rto_;
    return size_t(1);
  }
  std::optional<Instant> poll_timeout() const {
    if (last_seen >= limit_ || sent_value_ >= limit_) return std::nullopt;
    return rtx_at_;
  }
  int last_seen = -1;
  int retransmits = 0;

 private:
  void queue(uint8_t v) {
    sent_value_ = v;
    pending_ = true;
  }
  uint8_t limit_;
  Duration rto_;
  uint8_t sent_value_ = 0;
  bool pending_ = false;
  std::optional<Instant> rtx_at_;
  Instant now_ = kTestEpoch;
};

}  // namespace

TEST_CASE("Pair: exchange runs a ping-pong to completion without time passing") {
  Counter a(true, 10), b(false, 10);
  Pair pair(a, b);
  CHECK(pair.exchange() == 11);  // 0..10
  CHECK(a.last_seen == 9);
  CHECK(b.last_seen == 10);
  CHECK(pair.now() == kTestEpoch);
}

TEST_CASE("Pair: a dropped datagram is recovered by a timer; drive stops at the goal") {
  Counter a(true, 4, seconds(1)), b(false, 4);
  PairConfig cfg;
  cfg.latency = milliseconds(10);
  cfg.drop = [](PairDir dir, uint64_t index, Bytes) { return dir == PairDir::b_to_a && index == 0; };
  Pair pair(a, b, cfg);
  CHECK(pair.drive([&] { return b.last_seen == 4; }, seconds(5)));
  CHECK(b.retransmits == 1);
  CHECK(pair.stats().dropped[size_t(PairDir::b_to_a)] == 1);
  // 0 at 0 ms; 1 lost; b retransmits 1 at 110 ms, a gets it at 120 ms,
  // 2 at 130, 3 at 140, 4 at 150.
  CHECK(pair.now() == kTestEpoch + milliseconds(150));
  // The free-function forms.
  Counter c(true, 2), d(false, 2);
  Instant now = kTestEpoch;
  CHECK(exchange(c, d, now) == 3);
  advance(c, d, now, seconds(1));
  CHECK(now == kTestEpoch + seconds(1));
}

TEST_CASE("MachineEndpoint adapts an address-less machine to the Simulator") {
  Counter a(true, 50), b(false, 50);
  Simulator sim(SimConfig{.seed = test_seed(3)});
  INFO(seed_info(sim.seed()));
  const SocketAddress addr_a = sa4(192, 0, 2, 1, 5000), addr_b = sa4(192, 0, 2, 2, 5000);
  MachineEndpoint<Counter> ea(a, addr_b), eb(b, addr_a);
  const EndpointId ia = sim.attach({addr_a.ip()}, ea, Simulator::internet(), 5000);
  const EndpointId ib = sim.attach({addr_b.ip()}, eb, Simulator::internet(), 5000);
  LinkConfig lossy;
  lossy.latency = milliseconds(5);
  lossy.loss = 0.2;
  sim.set_links(sim.host_of(ia), lossy);
  sim.set_links(sim.host_of(ib), lossy);
  CHECK(sim.run_for([&] { return b.last_seen == 50; }, seconds(60)));
  CHECK(sim.stats().drops(DropReason::loss) > 0);
  CHECK(a.retransmits + b.retransmits > 0);
}

TEST_CASE("events at the same instant run in insertion order") {
  for (bool a_first : {true, false}) {
    Simulator sim;
    Recorder a, b, c;
    const EndpointId ea = sim.attach({IpAddress::v4(192, 0, 2, 1)}, a);
    const EndpointId eb = sim.attach({IpAddress::v4(192, 0, 2, 2)}, b);
    sim.attach({IpAddress::v4(192, 0, 2, 3)}, c);
    sim.set_links(sim.host_of(ea), LinkConfig{.latency = milliseconds(5)});
    sim.set_links(sim.host_of(eb), LinkConfig{.latency = milliseconds(5)});
    a.send_seq(sa4(192, 0, 2, 3, 9), 1);
    b.send_seq(sa4(192, 0, 2, 3, 9), 2);
    if (a_first) {
      sim.wake(ea);
      sim.wake(eb);
    } else {
      sim.wake(eb);
      sim.wake(ea);
    }
    sim.run_for(seconds(1));
    REQUIRE(c.rx.size() == 2);
    CHECK(c.rx[0].at == c.rx[1].at);
    CHECK(c.rx[0].seq() == (a_first ? 1u : 2u));
  }
}

TEST_CASE("SANSRTC_PCAP captures every simulator of a process") {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(n > 0);
  self[n] = '\0';
  const std::string path = "sim_env_" + std::to_string(::getpid()) + ".pcap";
  const std::string cmd = "SANSRTC_PCAP=" + path + " '" + self +
                          "' 'MTU: datagrams whose IP packet exceeds it are dropped and counted'"
                          " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::vector<uint8_t> f = read_file(path);
  std::remove(path.c_str());
  REQUIRE(f.size() > 24);
  CHECK(le32(&f[0]) == 0xa1b2c3d4);
  CHECK(le32(&f[20]) == 101);
  // Two deliveries and two too_big drops, each with a 16-byte record header.
  CHECK(f.size() == 24 + 4 * 16 + 1200 + 1200 + 1201 + 1201);
}
