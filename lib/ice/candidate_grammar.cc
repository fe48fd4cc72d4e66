#include "ice/candidate_grammar.h"

#include <array>
#include <charconv>

namespace sansrtc::ice {
namespace {

bool is_ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

template <class T>
bool parse_uint(std::string_view s, size_t max_digits, T& out) {
  if (s.empty() || s.size() > max_digits) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || v > uint64_t(T(~T(0)))) return false;
  out = T(v);
  return true;
}

// RFC 1034 §3.5-ish hostname: labels of letters, digits and '-', dot separated.
bool is_fqdn(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  bool has_alpha = false;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
    if (!(c >= '0' && c <= '9') && c != '-') has_alpha = true;
  }
  return has_alpha;
}

// A formatted candidate has at most 8 fixed tokens, 4 for raddr/rport, 10
// for the known extensions and 2 per unknown one: with at most 16 unknown
// extensions that is 54 < kMaxTokens, so whatever parses also reparses
// after formatting (which may add "rport 0" or drop duplicates).
constexpr size_t kMaxTokens = 64;
constexpr size_t kMaxUnknownExtensions = 16;

}  // namespace

Result<Candidate> parse_candidate(std::string_view line, CandidateParseError* detail) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
    line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.starts_with("a=")) line.remove_prefix(2);
  if (line.size() >= 10 && iequals(line.substr(0, 10), "candidate:")) line.remove_prefix(10);

  std::array<std::string_view, kMaxTokens> tok;
  size_t n = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      // RFC 4566 byte-string: no NUL, CR or LF inside the line.
      if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n') {
        if (detail) *detail = {"byte-string", n, line.substr(i, 1)};
        return make_error(Errc::malformed, "candidate: NUL, CR or LF inside the line");
      }
      ++i;
    }
    if (n == kMaxTokens) {
      if (detail) *detail = {"token count", n, line.substr(start, i - start)};
      return make_error(Errc::malformed, "candidate: too many tokens");
    }
    tok[n++] = line.substr(start, i - start);
  }

  auto fail = [&](const char* field, size_t index, const char* message) -> Error {
    if (detail) *detail = {field, index, index < n ? tok[index] : std::string_view()};
    return make_error(Errc::malformed, message);
  };

  if (n < 8) return fail("cand-type", n, "candidate: too few fields (need foundation .. typ <type>)");

  Candidate c;
  // foundation
  if (tok[0].empty() || tok[0].size() > 32) return fail("foundation", 0, "candidate: bad foundation");
  for (char ch : tok[0])
    if (!is_ice_char(ch)) return fail("foundation", 0, "candidate: bad foundation");
  c.foundation = std::string(tok[0]);
  // component-id
  if (!parse_uint(tok[1], 3, c.component) || c.component < 1 || c.component > 256)
    return fail("component-id", 1, "candidate: bad component-id");
  // transport
  if (iequals(tok[2], "udp")) c.transport = TransportProtocol::udp;
  else if (iequals(tok[2], "tcp")) c.transport = TransportProtocol::tcp;
  else {
    if (detail) *detail = {"transport", 2, tok[2]};
    return make_error(Errc::unsupported, "candidate: unsupported transport");
  }
  // priority
  if (!parse_uint(tok[3], 10, c.priority)) return fail("priority", 3, "candidate: bad priority");
  // connection-address and port
  uint16_t port = 0;
  if (!parse_uint(tok[5], 5, port)) return fail("port", 5, "candidate: bad port");
  if (auto ip = IpAddress::parse(tok[4]); ip.ok()) {
    c.address = SocketAddress(*ip, port);
  } else if (is_fqdn(tok[4])) {
    c.hostname = std::string(tok[4]);
    c.address = SocketAddress(IpAddress(), port);
  } else {
    return fail("connection-address", 4, "candidate: bad connection-address");
  }
  // typ
  if (tok[6] != "typ") return fail("typ", 6, "candidate: expected \"typ\"");
  if (tok[7] == "host") c.type = CandidateType::host;
  else if (tok[7] == "srflx") c.type = CandidateType::srflx;
  else if (tok[7] == "prflx") c.type = CandidateType::prflx;
  else if (tok[7] == "relay") c.type = CandidateType::relay;
  else {
    if (detail) *detail = {"cand-type", 7, tok[7]};
    return make_error(Errc::unsupported, "candidate: unknown candidate type");
  }

  size_t k = 8;
  std::optional<IpAddress> raddr;
  bool raddr_fqdn = false;
  std::optional<uint16_t> rport;
  if (k + 1 < n && tok[k] == "raddr") {
    if (auto ip = IpAddress::parse(tok[k + 1]); ip.ok()) raddr = *ip;
    else if (is_fqdn(tok[k + 1])) { raddr_fqdn = true; c.related_hostname = std::string(tok[k + 1]); }
    else return fail("rel-addr", k + 1, "candidate: bad raddr");
    k += 2;
  }
  if (k + 1 < n && tok[k] == "rport") {
    uint16_t p = 0;
    if (!parse_uint(tok[k + 1], 5, p)) return fail("rel-port", k + 1, "candidate: bad rport");
    rport = p;
    k += 2;
  }
  if (raddr || raddr_fqdn || rport)
    c.related = SocketAddress(raddr.value_or(IpAddress()), rport.value_or(0));

  while (k < n) {
    if (k + 1 >= n) return fail("extension-att-value", k, "candidate: extension without a value");
    std::string_view name = tok[k], value = tok[k + 1];
    if (name == "tcptype") {
      if (value == "active") c.tcptype = TcpType::active;
      else if (value == "passive") c.tcptype = TcpType::passive;
      else if (value == "so") c.tcptype = TcpType::so;
      else return fail("tcptype", k + 1, "candidate: bad tcptype");
    } else if (name == "generation") {
      uint32_t v = 0;
      if (!parse_uint(value, 10, v)) return fail("generation", k + 1, "candidate: bad generation");
      c.generation = v;
    } else if (name == "ufrag") {
      c.ufrag = std::string(value);
    } else if (name == "network-id") {
      uint32_t v = 0;
      if (!parse_uint(value, 10, v)) return fail("network-id", k + 1, "candidate: bad network-id");
      c.network_id = v;
    } else if (name == "network-cost") {
      uint32_t v = 0;
      if (!parse_uint(value, 10, v)) return fail("network-cost", k + 1, "candidate: bad network-cost");
      c.network_cost = v;
    } else if (name == "raddr" || name == "rport") {
      return fail("rel-addr", k, "candidate: raddr/rport out of order");
    } else {
      if (c.extensions.size() == kMaxUnknownExtensions)
        return fail("extension-att-name", k, "candidate: too many extensions");
      c.extensions.push_back({std::string(name), std::string(value)});
    }
    k += 2;
  }
  if (c.transport == TransportProtocol::tcp && c.tcptype == TcpType::none)
    return fail("tcptype", n, "candidate: tcp candidate without tcptype");
  return c;
}

std::string format_candidate(const Candidate& c) {
  std::string s;
  s.reserve(160);
  s += "candidate:";
  s += c.foundation;
  s += ' ';
  s += std::to_string(c.component);
  s += c.transport == TransportProtocol::udp ? " udp " : " tcp ";
  s += std::to_string(c.priority);
  s += ' ';
  s += c.hostname.empty() ? c.address.ip().to_string() : c.hostname;
  s += ' ';
  s += std::to_string(c.address.port());
  s += " typ ";
  s += candidate_type_name(c.type);
  if (c.related) {
    s += " raddr ";
    s += c.related_hostname.empty() ? c.related->ip().to_string() : c.related_hostname;
    s += " rport ";
    s += std::to_string(c.related->port());
  }
  if (c.tcptype != TcpType::none) {
    s += " tcptype ";
    s += tcp_type_name(c.tcptype);
  }
  if (c.generation) {
    s += " generation ";
    s += std::to_string(*c.generation);
  }
  if (!c.ufrag.empty()) {
    s += " ufrag ";
    s += c.ufrag;
  }
  if (c.network_id) {
    s += " network-id ";
    s += std::to_string(*c.network_id);
  }
  if (c.network_cost) {
    s += " network-cost ";
    s += std::to_string(*c.network_cost);
  }
  for (const auto& e : c.extensions) {
    s += ' ';
    s += e.name;
    s += ' ';
    s += e.value;
  }
  return s;
}

}  // namespace sansrtc::ice
