// WHIP text formats; see whip.h.
#include "whip.h"

namespace sansrtc::demo {
namespace {

std::string_view next_line(std::string_view& text) {
  const size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

//   RFC 8840 §9:
//   a=ice-ufrag:EsAw
//   a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1
//   m=audio 9 RTP/AVP 0
//   a=mid:0
//   a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host
//   a=end-of-candidates
std::optional<TrickleFragment> parse_trickle_fragment(std::string_view body, std::string& error,
                                                     size_t max_candidates) {
  TrickleFragment out;
  std::optional<std::string> mid;
  int m_index = -1;  // -1: before the first m= line
  while (!body.empty()) {
    std::string_view line = next_line(body);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=' || !((line[0] >= 'a' && line[0] <= 'z'))) {
      error = "not an SDP fragment line: " + std::string(line.substr(0, 40));
      return std::nullopt;
    }
    if (line[0] == 'm') {
      ++m_index;
      mid.reset();
      continue;
    }
    if (line[0] != 'a') continue;
    std::string_view attr = line.substr(2);
    if (starts_with(attr, "ice-ufrag:")) {
      out.ice_ufrag = std::string(attr.substr(10));
    } else if (starts_with(attr, "ice-pwd:")) {
      out.ice_pwd = std::string(attr.substr(8));
    } else if (starts_with(attr, "mid:")) {
      mid = std::string(attr.substr(4));
      // A candidate seen before this mid in the same section belongs to it.
      for (auto& c : out.candidates)
        if (!c.sdp_mid && c.sdp_m_line_index == uint16_t(m_index < 0 ? 0 : m_index)) c.sdp_mid = mid;
    } else if (starts_with(attr, "candidate:") || attr == "end-of-candidates") {
      if (out.candidates.size() >= max_candidates) {
        error = "too many candidates";
        return std::nullopt;
      }
      IceCandidateInit c;
      if (attr != "end-of-candidates") c.candidate = std::string(attr);
      c.sdp_mid = mid;
      c.sdp_m_line_index = uint16_t(m_index < 0 ? 0 : m_index);
      out.candidates.push_back(std::move(c));
    }
  }
  for (auto& c : out.candidates)
    if (!out.ice_ufrag.empty()) c.username_fragment = out.ice_ufrag;
  return out;
}

std::string write_trickle_fragment(const TrickleFragment& f) {
  std::string out;
  if (!f.ice_ufrag.empty()) out += "a=ice-ufrag:" + f.ice_ufrag + "\r\n";
  if (!f.ice_pwd.empty()) out += "a=ice-pwd:" + f.ice_pwd + "\r\n";
  std::vector<std::string> mids;
  for (const auto& c : f.candidates) {
    const std::string m = c.sdp_mid.value_or("0");
    bool seen = false;
    for (const auto& x : mids) seen = seen || x == m;
    if (!seen) mids.push_back(m);
  }
  for (const auto& m : mids) {
    out += "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:" + m + "\r\n";
    for (const auto& c : f.candidates) {
      if (c.sdp_mid.value_or("0") != m) continue;
      out += c.candidate.empty() ? std::string("a=end-of-candidates") : "a=" + c.candidate;
      out += "\r\n";
    }
  }
  return out;
}

std::string make_session_id(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint8_t bytes[16];
  rng.fill(bytes);
  std::string out;
  for (uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<std::string> ice_server_host(std::string_view url) {
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(colon + 1);
  rest = rest.substr(0, rest.find('?'));
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    return std::string(rest.substr(1, close - 1));
  }
  rest = rest.substr(0, rest.find(':'));
  if (rest.empty()) return std::nullopt;
  return std::string(rest);
}

}  // namespace sansrtc::demo
