#include "ice/candidate.h"

#include "base/crc.h"

#include <algorithm>

namespace sansrtc::ice {

const char* candidate_type_name(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
  }
  return "host";
}

const char* tcp_type_name(TcpType t) {
  switch (t) {
    case TcpType::none: return "";
    case TcpType::active: return "active";
    case TcpType::passive: return "passive";
    case TcpType::so: return "so";
  }
  return "";
}

uint32_t type_preference(CandidateType t) {
  switch (t) {
    case CandidateType::host: return kTypePreferenceHost;
    case CandidateType::prflx: return kTypePreferencePrflx;
    case CandidateType::srflx: return kTypePreferenceSrflx;
    case CandidateType::relay: return kTypePreferenceRelay;
  }
  return 0;
}

uint32_t compute_priority(uint32_t type_pref, uint32_t local_pref, uint16_t component) {
  type_pref = std::min<uint32_t>(type_pref, 126);
  local_pref = std::min<uint32_t>(local_pref, 65535);
  component = std::clamp<uint16_t>(component, 1, 256);
  return (type_pref << 24) + (local_pref << 8) + (256u - component);
}

uint32_t local_preference(size_t interface_index, IpFamily family, TransportProtocol transport,
                          TcpType tcptype) {
  // Interfaces step by 16 so that v6 stays above v4 on the same interface
  // and below every address of the previous interface.
  uint32_t idx = uint32_t(std::min<size_t>(interface_index, 4000));
  if (transport == TransportProtocol::udp) {
    uint32_t pref = 65535 - idx * 16 - (family == IpFamily::v4 ? 8 : 0);
    return pref;
  }
  // RFC 6544 §4.2: local preference = (2^13) * direction-pref + other-pref.
  uint32_t direction = tcptype == TcpType::active ? 6 : tcptype == TcpType::passive ? 4 : 2;
  uint32_t other = 8191 - std::min<uint32_t>(idx * 16 + (family == IpFamily::v4 ? 8 : 0), 8191);
  return (direction << 13) + other;
}

std::string compute_foundation(CandidateType type, const IpAddress& base_ip,
                               const std::optional<IpAddress>& server_ip,
                               TransportProtocol transport) {
  char out[10];
  return std::string(out, format_foundation(type, base_ip, server_ip, transport, out));
}

size_t format_foundation(CandidateType type, const IpAddress& base_ip, const std::optional<IpAddress>& server_ip,
                         TransportProtocol transport, char* out) {
  uint8_t buf[1 + 1 + 16 + 1 + 16 + 1];
  size_t n = 0;
  buf[n++] = uint8_t(type);
  buf[n++] = uint8_t(base_ip.family());
  for (uint8_t b : base_ip.bytes()) buf[n++] = b;
  buf[n++] = server_ip ? uint8_t(server_ip->family()) : 0;
  if (server_ip)
    for (uint8_t b : server_ip->bytes()) buf[n++] = b;
  buf[n++] = uint8_t(transport);
  return format_decimal(crc32(Bytes(buf, n)), out);
}

bool is_ice_chars(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    const char l = char(c | 0x20);  // ASCII letters folded to lower case
    if (!((l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) return false;
  }
  return true;
}

size_t format_decimal(uint32_t v, char* out) {
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

uint64_t pair_priority(uint32_t g, uint32_t d) {
  uint64_t lo = std::min(g, d), hi = std::max(g, d);
  return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

Candidate::Candidate() = default;
Candidate::Candidate(const Candidate&) = default;
Candidate::Candidate(Candidate&&) noexcept = default;
Candidate& Candidate::operator=(const Candidate&) = default;
Candidate& Candidate::operator=(Candidate&&) noexcept = default;
Candidate::~Candidate() = default;

std::vector<size_t> prune_redundant(std::span<const LocalCandidate> cands) {
  std::vector<size_t> keep;
  for (size_t i = 0; i < cands.size(); ++i) {
    const auto& c = cands[i];
    bool redundant = false;
    for (size_t j = 0; j < cands.size() && !redundant; ++j) {
      if (i == j) continue;
      const auto& o = cands[j];
      if (o.candidate.address != c.candidate.address || o.base != c.base ||
          o.candidate.transport != c.candidate.transport ||
          o.candidate.component != c.candidate.component)
        continue;
      // Higher priority wins; on a tie the earlier one stays.
      if (o.candidate.priority > c.candidate.priority ||
          (o.candidate.priority == c.candidate.priority && j < i))
        redundant = true;
    }
    if (!redundant) keep.push_back(i);
  }
  return keep;
}

}  // namespace sansrtc::ice
