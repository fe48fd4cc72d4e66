// Candidate values, priorities, foundations and the SDP grammar (RFC 8445
// §5.1, §6.1.2.3; RFC 8839 §5.1), with lines captured from browsers in
// tests/data/ice/candidates.txt.
#include "ice/candidate.h"
#include "ice/candidate_grammar.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::ice;

namespace {

struct Captured {
  std::string source;
  std::string line;
};

std::vector<Captured> load_captured() {
  std::ifstream in(std::string(SANSRTC_SOURCE_DIR) + "/tests/data/ice/candidates.txt");
  REQUIRE(in.good());
  std::vector<Captured> out;
  std::string l;
  while (std::getline(in, l)) {
    if (l.empty() || l[0] == '#') continue;
    auto bar = l.find('|');
    REQUIRE(bar != std::string::npos);
    out.push_back({l.substr(0, bar), l.substr(bar + 1)});
  }
  return out;
}

Candidate parse_ok(std::string_view s) {
  auto r = parse_candidate(s);
  INFO(s);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("priority formula, RFC 8445 §5.1.2.1", "[ice][priority]") {
  // (2^24)*126 + (2^8)*65535 + (256-1)
  CHECK(compute_priority(126, 65535, 1) == 2130706431u);
  CHECK(compute_priority(0, 0, 256) == 0u);
  CHECK(compute_priority(100, 65535, 1) == (100u << 24) + (65535u << 8) + 255u);
  // Chromium's host udp priority decomposes as type 126, local 32542, component 1.
  CHECK(compute_priority(126, 32542, 1) == 2122260223u);
  // Component 2 is one less than component 1.
  CHECK(compute_priority(126, 32542, 2) == 2122260222u);
  CHECK(type_preference(CandidateType::host) == 126);
  CHECK(type_preference(CandidateType::prflx) == 110);
  CHECK(type_preference(CandidateType::srflx) == 100);
  CHECK(type_preference(CandidateType::relay) == 0);
}

TEST_CASE("local preference orders interfaces, v6 over v4, tcp directions", "[ice][priority]") {
  CHECK(local_preference(0, IpFamily::v6) == 65535);
  CHECK(local_preference(0, IpFamily::v6) > local_preference(0, IpFamily::v4));
  CHECK(local_preference(0, IpFamily::v4) > local_preference(1, IpFamily::v6));
  auto act = local_preference(0, IpFamily::v4, TransportProtocol::tcp, TcpType::active);
  auto pas = local_preference(0, IpFamily::v4, TransportProtocol::tcp, TcpType::passive);
  auto so = local_preference(0, IpFamily::v4, TransportProtocol::tcp, TcpType::so);
  CHECK(act >> 13 == 6);
  CHECK(pas >> 13 == 4);
  CHECK(so >> 13 == 2);
  CHECK(act <= 65535);
}

TEST_CASE("pair priority, RFC 8445 §6.1.2.3", "[ice][priority]") {
  // 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)
  CHECK(pair_priority(10, 20) == (10ull << 32) + 40);
  CHECK(pair_priority(20, 10) == (10ull << 32) + 41);
  CHECK(pair_priority(7, 7) == (7ull << 32) + 14);
  uint32_t hi = 0xFFFFFFFFu;
  CHECK(pair_priority(hi, hi) == (uint64_t(hi) << 32) + 2 * uint64_t(hi));
  // Both agents compute the same number for the same pair.
  CHECK(pair_priority(2122260223u, 1677729535u) == pair_priority(2122260223u, 1677729535u));
  CHECK(pair_priority(2122260223u, 1677729535u) != pair_priority(1677729535u, 2122260223u));
}

TEST_CASE("foundations, RFC 8445 §5.1.1.3", "[ice][foundation]") {
  auto ip1 = IpAddress::v4(192, 168, 1, 5), ip2 = IpAddress::v4(10, 0, 0, 1);
  auto stun1 = IpAddress::v4(198, 51, 100, 1), stun2 = IpAddress::v4(198, 51, 100, 2);
  auto f = compute_foundation(CandidateType::srflx, ip1, stun1, TransportProtocol::udp);
  // Same type, base IP, server IP and transport: same foundation.
  CHECK(f == compute_foundation(CandidateType::srflx, ip1, stun1, TransportProtocol::udp));
  // Any difference: a different one.
  CHECK(f != compute_foundation(CandidateType::srflx, ip2, stun1, TransportProtocol::udp));
  CHECK(f != compute_foundation(CandidateType::srflx, ip1, stun2, TransportProtocol::udp));
  CHECK(f != compute_foundation(CandidateType::host, ip1, std::nullopt, TransportProtocol::udp));
  CHECK(f != compute_foundation(CandidateType::srflx, ip1, stun1, TransportProtocol::tcp));
  CHECK(f.size() <= 32);
  for (char c : f) CHECK((c >= '0' && c <= '9'));
}

TEST_CASE("redundancy pruning, RFC 8445 §5.1.3", "[ice][prune]") {
  auto make = [](uint32_t priority, SocketAddress address, CandidateType type, SocketAddress base) {
    LocalCandidate l;
    l.candidate.priority = priority;
    l.candidate.address = address;
    l.candidate.type = type;
    l.base = base;
    return l;
  };
  auto base = SocketAddress(IpAddress::v4(203, 0, 113, 7), 5000);
  LocalCandidate host = make(2130706431, base, CandidateType::host, base);
  // A srflx equal to its host (no NAT) is redundant.
  LocalCandidate srflx = make(1694498815, base, CandidateType::srflx, base);
  auto other = SocketAddress(IpAddress::v4(198, 51, 100, 9), 6000);
  LocalCandidate srflx2 = make(1694498815, other, CandidateType::srflx, base);
  std::vector<LocalCandidate> v{srflx, host, srflx2};
  auto keep = prune_redundant(v);
  REQUIRE(keep.size() == 2);
  CHECK(keep[0] == 1);
  CHECK(keep[1] == 2);
}

TEST_CASE("captured browser candidates parse and round-trip", "[ice][grammar]") {
  auto lines = load_captured();
  REQUIRE(lines.size() >= 15);
  for (const auto& cap : lines) {
    INFO(cap.source << ": " << cap.line);
    auto c = parse_ok(cap.line);
    std::string text = format_candidate(c);
    auto again = parse_ok(text);
    CHECK(again == c);
    // Chromium writes exactly our format (lower-case transport, same order).
    if (cap.source == "chromium" && !cap.line.starts_with("a="))
      CHECK(text == cap.line);
  }
}

TEST_CASE("Chromium srflx fields", "[ice][grammar]") {
  auto c = parse_ok("candidate:842163049 1 udp 1677729535 203.0.113.7 55312 typ srflx raddr "
                    "192.168.1.5 rport 55312 generation 0 ufrag EsAw network-id 1 network-cost 10");
  CHECK(c.foundation == "842163049");
  CHECK(c.component == 1);
  CHECK(c.transport == TransportProtocol::udp);
  CHECK(c.priority == 1677729535u);
  CHECK(c.address == SocketAddress(IpAddress::v4(203, 0, 113, 7), 55312));
  CHECK(c.type == CandidateType::srflx);
  REQUIRE(c.related);
  CHECK(*c.related == SocketAddress(IpAddress::v4(192, 168, 1, 5), 55312));
  CHECK(c.generation == 0u);
  CHECK(c.ufrag == "EsAw");
  CHECK(c.network_id == 1u);
  CHECK(c.network_cost == 10u);
  CHECK(c.extensions.empty());
  CHECK_FALSE(c.is_mdns());
}

TEST_CASE("mDNS host candidate keeps the name unresolved", "[ice][grammar]") {
  auto c = parse_ok("candidate:3420185234 1 udp 2113937151 1b5d4ad9-4d05-4b4a-9b73-13c1a0ff6d6d.local "
                    "54321 typ host generation 0 ufrag EsAw network-cost 999");
  CHECK(c.is_mdns());
  CHECK(c.hostname == "1b5d4ad9-4d05-4b4a-9b73-13c1a0ff6d6d.local");
  CHECK(c.address.port() == 54321);
  CHECK(c.network_cost == 999u);
  CHECK_FALSE(c.network_id);
}

TEST_CASE("Firefox TCP candidate with upper-case transport", "[ice][grammar]") {
  auto c = parse_ok("candidate:2 1 TCP 2105524479 192.168.1.5 9 typ host tcptype active");
  CHECK(c.transport == TransportProtocol::tcp);
  CHECK(c.tcptype == TcpType::active);
  CHECK(c.address.port() == 9);
  CHECK(format_candidate(c) == "candidate:2 1 tcp 2105524479 192.168.1.5 9 typ host tcptype active");
}

TEST_CASE("prefixes a= and candidate: are optional; CRLF tolerated", "[ice][grammar]") {
  auto a = parse_ok("a=candidate:0 1 UDP 2122252543 192.168.1.5 49203 typ host\r\n");
  auto b = parse_ok("candidate:0 1 UDP 2122252543 192.168.1.5 49203 typ host");
  auto c = parse_ok("0 1 UDP 2122252543 192.168.1.5 49203 typ host");
  CHECK(a == b);
  CHECK(b == c);
}

TEST_CASE("unknown extensions are preserved in order", "[ice][grammar]") {
  auto c = parse_ok("candidate:1 1 udp 100 192.0.2.1 1000 typ host zeta 1 generation 2 alpha x");
  REQUIRE(c.extensions.size() == 2);
  CHECK(c.extensions[0] == CandidateExtension{"zeta", "1"});
  CHECK(c.extensions[1] == CandidateExtension{"alpha", "x"});
  CHECK(c.generation == 2u);
  CHECK(format_candidate(c) == "candidate:1 1 udp 100 192.0.2.1 1000 typ host generation 2 zeta 1 alpha x");
}

TEST_CASE("errors name the bad token", "[ice][grammar]") {
  struct Bad {
    const char* line;
    const char* field;
    size_t index;
    const char* token;
  } cases[] = {
      {"candidate:f@o 1 udp 1 192.0.2.1 1 typ host", "foundation", 0, "f@o"},
      {"candidate:1 0 udp 1 192.0.2.1 1 typ host", "component-id", 1, "0"},
      {"candidate:1 257 udp 1 192.0.2.1 1 typ host", "component-id", 1, "257"},
      {"candidate:1 1 sctp 1 192.0.2.1 1 typ host", "transport", 2, "sctp"},
      {"candidate:1 1 udp 4294967296 192.0.2.1 1 typ host", "priority", 3, "4294967296"},
      {"candidate:1 1 udp -5 192.0.2.1 1 typ host", "priority", 3, "-5"},
      {"candidate:1 1 udp 1 192.0.2.300 1 typ host", "connection-address", 4, "192.0.2.300"},
      {"candidate:1 1 udp 1 192.0.2.1 65536 typ host", "port", 5, "65536"},
      {"candidate:1 1 udp 1 192.0.2.1 1 type host", "typ", 6, "type"},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ bogus", "cand-type", 7, "bogus"},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr nope! rport 1", "rel-addr", 9, "nope!"},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ srflx raddr 192.0.2.2 rport x", "rel-port", 11, "x"},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ host generation", "extension-att-value", 8, "generation"},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ host generation abc", "generation", 9, "abc"},
      {"candidate:1 1 tcp 1 192.0.2.1 9 typ host tcptype sideways", "tcptype", 9, "sideways"},
      {"candidate:1 1 udp 1 192.0.2.1 1", "cand-type", 6, ""},
      {"candidate:1 1 udp 1 192.0.2.1 1 typ host a\rb c", "byte-string", 8, "\r"},
  };
  for (const auto& bad : cases) {
    INFO(bad.line);
    CandidateParseError detail;
    auto r = parse_candidate(bad.line, &detail);
    REQUIRE_FALSE(r.ok());
    CHECK(std::string(detail.field) == bad.field);
    CHECK(detail.token_index == bad.index);
    CHECK(detail.token == bad.token);
    CHECK(std::string(r.error().message).find("candidate:") == 0);
  }
}

TEST_CASE("IPv6 candidates format per RFC 5952", "[ice][grammar]") {
  auto c = parse_ok("candidate:3 1 UDP 2122187007 2001:0DB8:0:0:0:0:0:5 51000 typ host");
  CHECK(format_candidate(c) == "candidate:3 1 udp 2122187007 2001:db8::5 51000 typ host");
}
