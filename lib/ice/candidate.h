// ice/candidate.h — ICE candidates as values: fields, priority, foundation,
// redundancy pruning and pair priority.
//
// Implements RFC 8445 §5.1.2.1 (candidate priority), §5.1.1.3 (foundations),
// §5.1.3 (eliminating redundant candidates), §6.1.2.3 (pair priority) and the
// TCP direction preference of RFC 6544 §4.2. The SDP text form lives in
// ice/candidate_grammar.h.
//
// A candidate's address is either a resolved IP (`address`) or, for the mDNS
// host candidates browsers send (RFC 8839 §5.1, draft-ietf-mmusic-mdns-ice-
// candidates), an unresolved `<uuid>.local` name in `hostname` (then
// `address.port()` still carries the port and `address.ip()` is meaningless).
// Left out: ICE-TCP connection handling (tcptype is carried, not acted on).
#pragma once

#include "base/address.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::ice {

enum class CandidateType : uint8_t { host, srflx, prflx, relay };
enum class TransportProtocol : uint8_t { udp, tcp };
// RFC 6544 §4.5: "tcptype" active / passive / so; none for UDP.
enum class TcpType : uint8_t { none, active, passive, so };

const char* candidate_type_name(CandidateType t);   // "host", "srflx", ...
const char* tcp_type_name(TcpType t);               // "active", ... ("" for none)

// An extension attribute the grammar does not interpret (RFC 8839 §5.1
// `extension-att-name SP extension-att-value`), kept in arrival order.
struct CandidateExtension {
  std::string name;
  std::string value;
  bool operator==(const CandidateExtension&) const = default;
};

struct Candidate {
  // The special members live in candidate.cc: inlined, the five strings and
  // the extension vector cost ~100 bytes of code at every copy/destroy site.
  Candidate();
  Candidate(const Candidate&);
  Candidate(Candidate&&) noexcept;
  Candidate& operator=(const Candidate&);
  Candidate& operator=(Candidate&&) noexcept;
  ~Candidate();

  std::string foundation;             // 1*32 ice-char
  uint16_t component = 1;             // 1..256 (1 = RTP, 2 = RTCP)
  TransportProtocol transport = TransportProtocol::udp;
  TcpType tcptype = TcpType::none;
  uint32_t priority = 0;
  SocketAddress address;              // ip meaningless when `hostname` is set
  std::string hostname;               // unresolved FQDN (mDNS "<uuid>.local"), else empty
  CandidateType type = CandidateType::host;
  std::optional<SocketAddress> related;  // raddr / rport
  std::string related_hostname;          // raddr given as an FQDN (rare), else empty
  std::optional<uint32_t> generation;
  std::string ufrag;                     // "ufrag" extension, empty when absent
  std::optional<uint32_t> network_id;    // Chromium "network-id"
  std::optional<uint32_t> network_cost;  // Chromium "network-cost"
  std::vector<CandidateExtension> extensions;  // everything else, in order

  bool is_mdns() const { return !hostname.empty(); }
  bool operator==(const Candidate&) const = default;
};

// RFC 8445 §5.1.2.1 recommended type preferences.
inline constexpr uint32_t kTypePreferenceHost = 126;
inline constexpr uint32_t kTypePreferencePrflx = 110;
inline constexpr uint32_t kTypePreferenceSrflx = 100;
inline constexpr uint32_t kTypePreferenceRelay = 0;
uint32_t type_preference(CandidateType t);

// RFC 8445 §5.1.2.1:
//   priority = (2^24)*(type preference) + (2^8)*(local preference) + (2^0)*(256 - component ID)
// type_pref in [0,126], local_pref in [0,65535], component in [1,256].
uint32_t compute_priority(uint32_t type_pref, uint32_t local_pref, uint16_t component);

// Local preference for the `interface_index`-th interface the driver
// reported (0 = most preferred). "If an ICE agent is multihomed ... the
// local preference for host candidates from a VPN interface SHOULD have a
// priority of 0" (§5.1.2.1) is left to the driver's ordering. Per RFC 8421
// §4 IPv6 ranks above IPv4 for the same interface. For TCP, the top three
// bits are the RFC 6544 §4.2 direction preference (active 6, passive 4, so 2
// for host/udp-like ranking) and the rest the interface preference.
uint32_t local_preference(size_t interface_index, IpFamily family,
                          TransportProtocol transport = TransportProtocol::udp,
                          TcpType tcptype = TcpType::none);

// RFC 8445 §5.1.1.3: candidates share a foundation when they have the same
// type, base IP, STUN/TURN server IP and transport. The result is a decimal
// string of a CRC32 over those four, like Chromium's.
std::string compute_foundation(CandidateType type, const IpAddress& base_ip,
                               const std::optional<IpAddress>& server_ip,
                               TransportProtocol transport);
// The same written into `out` (room for 10 digits, no NUL); returns the length.
size_t format_foundation(CandidateType type, const IpAddress& base_ip, const std::optional<IpAddress>& server_ip,
                         TransportProtocol transport, char* out);

// True when `s` is min..max ice-chars (RFC 8839 §5.1: ALPHA / DIGIT / "+" / "/").
bool is_ice_chars(std::string_view s, size_t min, size_t max);

// Writes `v` in decimal into `out` (room for 10 digits, no NUL); returns the
// length. For foundations and the candidate grammar (no std::to_string).
size_t format_decimal(uint32_t v, char* out);

// RFC 8445 §6.1.2.3:
//   pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)
// G is the controlling agent's candidate priority, D the controlled's.
uint64_t pair_priority(uint32_t controlling_priority, uint32_t controlled_priority);

// A local candidate as the agent keeps it: the candidate plus its base
// (RFC 8445 §5.1.1.1-2: the address the agent sends from).
struct LocalCandidate {
  Candidate candidate;
  SocketAddress base;
};

// RFC 8445 §5.1.3: "the agent SHOULD eliminate a candidate if it has the
// same transport address and base as another candidate with a higher
// priority". Returns the indices of `candidates` to keep, in order.
std::vector<size_t> prune_redundant(std::span<const LocalCandidate> candidates);

}  // namespace sansrtc::ice
