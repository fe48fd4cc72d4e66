// fuzz/ice_candidate_reference.h — the candidate grammar and the IP address
// parser/formatter as they were before size sprint 2 (lib/ice/
// candidate_grammar.cc, lib/base/address.cc), kept verbatim as the oracle
// for the compact rewrites: fuzz/ice_candidate.cc checks that both give the
// same candidate or the same error (code, message, field, index, token) and
// the same addresses and address text for every input.
#pragma once

#include "base/address.h"
#include "base/bytes.h"
#include "ice/candidate_grammar.h"

#include <cstring>
#include <optional>

namespace sansrtc::ice::reference {
namespace {

bool parse_v4(std::string_view s, uint8_t out[4]) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + unsigned(s[i] - '0');
      if (++digits > 3 || v > 255) return false;
      ++i;
    }
    if (digits > 1 && s[i - digits] == '0') return false;  // no octal-looking parts
    out[part++] = uint8_t(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_v6(std::string_view s, std::array<uint8_t, 16>& out) {
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) { out.fill(0); return true; }
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // An embedded IPv4 tail ("::ffff:1.2.3.4").
    size_t j = i;
    while (j < s.size() && s[j] != ':') ++j;
    std::string_view tok = s.substr(i, j - i);
    if (tok.find('.') != std::string_view::npos) {
      uint8_t v4[4];
      if (j != s.size() || n > 6 || !parse_v4(tok, v4)) return false;
      groups[n++] = uint16_t(v4[0] << 8 | v4[1]);
      groups[n++] = uint16_t(v4[2] << 8 | v4[3]);
      i = j;
      break;
    }
    if (tok.empty() || tok.size() > 4) return false;
    unsigned v = 0;
    for (char c : tok) {
      int h = hexval(c);
      if (h < 0) return false;
      v = v << 4 | unsigned(h);
    }
    groups[n++] = uint16_t(v);
    i = j;
    if (i == s.size()) break;
    ++i;  // ':'
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n > 7) return false;
  uint16_t full[8] = {};
  if (gap < 0) {
    std::memcpy(full, groups, sizeof(full));
  } else {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  for (int k = 0; k < 8; ++k) store_be16(&out[size_t(k) * 2], full[k]);
  return true;
}


// IpAddress::parse as it was.
Result<IpAddress> parse_ip(std::string_view text) {
  uint8_t v4b[4];
  if (parse_v4(text, v4b)) return IpAddress::v4(v4b[0], v4b[1], v4b[2], v4b[3]);
  std::array<uint8_t, 16> v6b{};
  if (text.find(':') != std::string_view::npos && parse_v6(text, v6b)) return IpAddress::v6(v6b);
  return make_error(Errc::malformed, "not an IPv4 or IPv6 address");
}

class TextOut {
 public:
  TextOut(char* out, size_t cap) : out_(out), cap_(cap) {}
  void put(char c) {
    if (len_ + 1 < cap_) out_[len_++] = c;
  }
  void str(const char* s) {
    while (*s) put(*s++);
  }
  void dec(unsigned v) {
    char d[10];
    int n = 0;
    do d[n++] = char('0' + v % 10); while ((v /= 10) != 0);
    while (n) put(d[--n]);
  }
  void hex(unsigned v) {
    char d[8];
    int n = 0;
    do d[n++] = "0123456789abcdef"[v & 0xF]; while ((v >>= 4) != 0);
    while (n) put(d[--n]);
  }
  size_t finish() {
    if (cap_ == 0) return 0;
    out_[len_] = 0;
    return len_;
  }

 private:
  char* out_;
  size_t cap_;
  size_t len_ = 0;
};

void format_ip(TextOut& w, const IpAddress& ip) {
  const uint8_t* b = ip.bytes().data();
  if (ip.is_v4()) {
    for (int k = 0; k < 4; ++k) {
      if (k) w.put('.');
      w.dec(b[k]);
    }
    return;
  }
  // RFC 5952: compress the longest run (>= 2) of zero groups, first if tied.
  uint16_t g[8];
  for (int k = 0; k < 8; ++k) g[k] = load_be16(b + size_t(k) * 2);
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) { ++k; continue; }
    int j = k;
    while (j < 8 && g[j] == 0) ++j;
    if (j - k > best_len && j - k >= 2) { best = k; best_len = j - k; }
    k = j;
  }
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      w.put(':');
      if (k == 0) w.put(':');
      k += best_len - 1;
      continue;
    }
    w.hex(g[k]);
    if (k != 7) w.put(':');
  }
}


// IpAddress::format as it was.
size_t format_ip(const IpAddress& ip, char* out, size_t cap) {
  TextOut w(out, cap);
  format_ip(w, ip);
  return w.finish();
}

// SocketAddress::format as it was.
size_t format_socket(const SocketAddress& a, char* out, size_t cap) {
  TextOut w(out, cap);
  if (!a.ip().is_v4()) w.put('[');
  format_ip(w, a.ip());
  if (!a.ip().is_v4()) w.put(']');
  w.put(':');
  w.dec(a.port());
  return w.finish();
}

const char* ref_type_name(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
  }
  return "host";
}

const char* ref_tcp_type_name(TcpType t) {
  switch (t) {
    case TcpType::none: return "";
    case TcpType::active: return "active";
    case TcpType::passive: return "passive";
    case TcpType::so: return "so";
  }
  return "";
}

size_t ref_format_decimal(uint32_t v, char* out) {
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

bool ref_is_ice_chars(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    const char l = char(c | 0x20);  // ASCII letters folded to lower case
    if (!((l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) return false;
  }
  return true;
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

// 1*max_digits DIGIT with a value <= max (one routine for every width).
bool parse_uint(std::string_view s, size_t max_digits, uint32_t max, uint32_t& out) {
  if (s.empty() || s.size() > max_digits) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return false;
  out = uint32_t(v);
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

// Why a line was rejected: the field named in CandidateParseError and the
// Result's message, one table row each (one error path for every check).
enum Bad : uint8_t {
  bad_foundation, bad_component, bad_transport, bad_priority, bad_address, bad_port, bad_typ, bad_type,
  bad_raddr, bad_rport, bad_value, bad_generation, bad_network_id, bad_network_cost, bad_tcptype,
  bad_byte_string, bad_token_count, bad_too_few, bad_order, bad_extensions, bad_tcp_without_tcptype,
};
// The Result's message for each Bad, NUL-separated in Bad order. Each ends
// with the field named in CandidateParseError (kFieldLength[bad] chars),
// so one string serves both.
constexpr char kBadMessages[] =
    "candidate: bad foundation\0"
    "candidate: bad component-id\0"
    "candidate: unsupported transport\0"
    "candidate: bad priority\0"
    "candidate: bad connection-address\0"
    "candidate: bad port\0"
    "candidate: expected the keyword typ\0"
    "candidate: unsupported cand-type\0"
    "candidate: bad rel-addr\0"
    "candidate: bad rel-port\0"
    "candidate: missing extension-att-value\0"
    "candidate: bad generation\0"
    "candidate: bad network-id\0"
    "candidate: bad network-cost\0"
    "candidate: bad tcptype\0"
    "candidate: NUL, CR or LF in a byte-string\0"
    "candidate: more than 64 tokens, see token count\0"
    "candidate: too few fields, no cand-type\0"
    "candidate: out-of-order rel-addr\0"
    "candidate: more than 16 of extension-att-name\0"
    "candidate: tcp candidate without tcptype\0";
constexpr uint8_t kFieldLength[] = {10, 12, 9, 8, 18, 4, 3, 9, 8, 8, 19, 10, 10, 12, 7, 11, 11, 9, 8, 18, 7};
static_assert(sizeof(kFieldLength) == bad_tcp_without_tcptype + 1, "one length per Bad");

const char* bad_message(Bad why) {
  const char* m = kBadMessages;
  for (int i = why; i > 0; --i) m += std::strlen(m) + 1;
  return m;
}

// The numeric extensions, parsed alike (Chromium's order, as formatted);
// their Bad codes follow bad_generation in this order.
struct NumericExtension {
  const char* name;
  std::optional<uint32_t> Candidate::*field;
};
constexpr NumericExtension kNumericExtensions[] = {
    {"generation", &Candidate::generation},
    {"network-id", &Candidate::network_id},
    {"network-cost", &Candidate::network_cost},
};

// Hands out the tokens of a line one after the other and remembers the
// last one with its index, which is what a failure reports.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view line) : line_(line) {}
  // The next token, "" past the end; index() is its index.
  std::string_view next() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
    size_t start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t') ++pos_;
    ++count_;
    last_ = line_.substr(start, pos_ - start);
    return last_;
  }
  size_t index() const { return count_ - 1; }
  std::string_view last() const { return last_; }
  // Records a failure at token `index` / `token` (default: the last one).
  bool fail(Bad why) { return fail(why, index(), last_); }
  bool fail(Bad why, size_t index, std::string_view token) {
    bad = why;
    bad_index = index;
    bad_token = token;
    return false;
  }

  Bad bad = bad_foundation;
  size_t bad_index = 0;
  std::string_view bad_token;

 private:
  std::string_view line_;
  std::string_view last_;
  size_t pos_ = 0;
  size_t count_ = 0;
};

// connection-address (or rel-addr): an IP, or an FQDN (then the text goes
// into `name`).
bool parse_address(std::string_view s, IpAddress& ip, std::string& name) {
  if (auto a = parse_ip(s); a.ok()) {
    ip = *a;
    return true;
  }
  if (!is_fqdn(s)) return false;
  name.assign(s.data(), s.size());
  return true;
}

// The index of `tok` in `packed` (NUL-separated words, an empty word
// ends the list), ASCII case folded when `fold`; -1 when absent. One
// routine for every keyword of the grammar.
int lookup(std::string_view tok, const char* packed, bool fold = false) {
  for (int i = 0; *packed; ++i) {
    const size_t len = std::strlen(packed);
    if (len == tok.size() && (fold ? iequals(tok, std::string_view(packed, len))
                                   : std::memcmp(tok.data(), packed, len) == 0))
      return i;
    packed += len + 1;
  }
  return -1;
}

// The whole grammar; on failure `t` says where and why.
bool parse_fields(Candidate& c, TokenCursor& t, size_t n) {
  // foundation
  std::string_view tok = t.next();
  if (!ref_is_ice_chars(tok, 1, 32)) return t.fail(bad_foundation);
  c.foundation.assign(tok.data(), tok.size());
  // component-id
  uint32_t v = 0;
  if (!parse_uint(t.next(), 3, 256, v) || v < 1) return t.fail(bad_component);
  c.component = uint16_t(v);
  // transport
  const int transport = lookup(t.next(), "udp\0tcp\0", /*fold=*/true);
  if (transport < 0) return t.fail(bad_transport);
  c.transport = TransportProtocol(transport);
  // priority
  if (!parse_uint(t.next(), 10, 0xFFFFFFFFu, c.priority)) return t.fail(bad_priority);
  // connection-address and port (the port is checked first)
  const std::string_view address = t.next();
  if (!parse_uint(t.next(), 5, 0xFFFF, v)) return t.fail(bad_port);
  IpAddress ip;
  if (!parse_address(address, ip, c.hostname)) return t.fail(bad_address, 4, address);
  c.address = SocketAddress(ip, uint16_t(v));
  // typ
  if (lookup(t.next(), "typ\0") != 0) return t.fail(bad_typ);
  const int type = lookup(t.next(), "host\0srflx\0prflx\0relay\0");  // CandidateType order
  if (type < 0) return t.fail(bad_type);
  c.type = CandidateType(type);

  // Name/value pairs: raddr then rport first (each optional), then the
  // extensions. `stage` 0: raddr may come, 1: rport may, 2: neither.
  ip = IpAddress();
  v = 0;
  bool have_related = false;
  int stage = 0;
  while (t.index() + 1 < n) {
    const std::string_view name = t.next();
    if (t.index() + 1 >= n) return t.fail(bad_value);
    const std::string_view value = t.next();
    const int k = lookup(name, "generation\0network-id\0network-cost\0tcptype\0ufrag\0raddr\0rport\0");
    if (k == 5 || k == 6) {
      if (stage > k - 5) return t.fail(bad_order, t.index() - 1, name);
      stage = k - 4;
      have_related = true;
      if (k == 5 ? !parse_address(value, ip, c.related_hostname) : !parse_uint(value, 5, 0xFFFF, v))
        return t.fail(k == 5 ? bad_raddr : bad_rport);
      continue;
    }
    stage = 2;
    if (k >= 0 && k < 3) {
      uint32_t x = 0;
      if (!parse_uint(value, 10, 0xFFFFFFFFu, x)) return t.fail(Bad(bad_generation + k));
      c.*kNumericExtensions[k].field = x;
    } else if (k == 3) {
      const int tt = lookup(value, "active\0passive\0so\0");  // TcpType order after none
      if (tt < 0) return t.fail(bad_tcptype);
      c.tcptype = TcpType(tt + 1);
    } else if (k == 4) {
      c.ufrag.assign(value.data(), value.size());
    } else {
      if (c.extensions.size() == kMaxUnknownExtensions) return t.fail(bad_extensions, t.index() - 1, name);
      c.extensions.push_back({std::string(name), std::string(value)});
    }
  }
  if (have_related) c.related = SocketAddress(ip, uint16_t(v));
  if (c.transport == TransportProtocol::tcp && c.tcptype == TcpType::none)
    return t.fail(bad_tcp_without_tcptype, n, {});
  return true;
}

Result<Candidate> parse_candidate(std::string_view line, CandidateParseError* detail) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
    line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.starts_with("a=")) line.remove_prefix(2);
  if (line.size() >= 10 && iequals(line.substr(0, 10), "candidate:")) line.remove_prefix(10);

  TokenCursor t(line);
  Candidate c;
  // First pass: the byte-string rule and the token limit, for the whole line.
  size_t n = 0;
  bool ok = true;
  for (size_t i = 0; i < line.size() && ok;) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      // RFC 4566 byte-string: no NUL, CR or LF inside the line.
      if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n') {
        ok = t.fail(bad_byte_string, n, line.substr(i, 1));
        break;
      }
      ++i;
    }
    if (ok && n == kMaxTokens) ok = t.fail(bad_token_count, n, line.substr(start, i - start));
    ++n;
  }
  if (ok && n < 8) ok = t.fail(bad_too_few, n, {});
  if (ok) ok = parse_fields(c, t, n);
  if (!ok) {
    const char* message = bad_message(t.bad);
    if (detail) *detail = {message + std::strlen(message) - kFieldLength[t.bad], t.bad_index, t.bad_token};
    return make_error(t.bad == bad_transport || t.bad == bad_type ? Errc::unsupported : Errc::malformed, message);
  }
  return c;
}


Result<SocketAddress> parse_socket(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(Errc::malformed, "expected [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error(Errc::malformed, "expected ADDRESS:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return make_error(Errc::malformed, "IPv6 endpoints are written [address]:port");
  }
  if (port.empty() || port.size() > 5) return make_error(Errc::malformed, "bad port");
  unsigned p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return make_error(Errc::malformed, "bad port");
    p = p * 10 + unsigned(c - '0');
  }
  if (p > 65535) return make_error(Errc::malformed, "port out of range");
  auto ip = parse_ip(host);
  if (!ip) return ip.error();
  return SocketAddress(*ip, uint16_t(p));
}

// Appends " name value", or " value" without a name: every field of the
// line goes through this one routine.
void put(std::string& s, const char* name, std::string_view value) {
  if (name) {
    s.append(" ", 1);
    s.append(name, std::strlen(name));
  }
  s.append(" ", 1);
  s.append(value.data(), value.size());
}
void put_number(std::string& s, const char* name, uint32_t v) {
  char buf[10];
  put(s, name, std::string_view(buf, ref_format_decimal(v, buf)));
}
// An address given as an FQDN (`host`) or an IP.
void put_address(std::string& s, const char* name, const std::string& host, const IpAddress& ip) {
  if (host.empty()) { char b[64]; put(s, name, std::string_view(b, format_ip(ip, b, sizeof b))); }
  else put(s, name, host);
}
void put_numeric(std::string& s, const Candidate& c, const NumericExtension& x) {
  if (c.*x.field) put_number(s, x.name, *(c.*x.field));
}
std::string format_candidate(const Candidate& c) {
  std::string s;
  s.reserve(160);
  s.append("candidate:", 10);
  s.append(c.foundation.data(), c.foundation.size());
  put_number(s, nullptr, c.component);
  put(s, nullptr, c.transport == TransportProtocol::udp ? "udp" : "tcp");
  put_number(s, nullptr, c.priority);
  put_address(s, nullptr, c.hostname, c.address.ip());
  put_number(s, nullptr, c.address.port());
  put(s, "typ", ref_type_name(c.type));
  if (c.related) {
    put_address(s, "raddr", c.related_hostname, c.related->ip());
    put_number(s, "rport", c.related->port());
  }
  if (c.tcptype != TcpType::none) put(s, "tcptype", ref_tcp_type_name(c.tcptype));
  // Chromium's order: generation, ufrag, network-id, network-cost.
  put_numeric(s, c, kNumericExtensions[0]);
  if (!c.ufrag.empty()) put(s, "ufrag", c.ufrag);
  put_numeric(s, c, kNumericExtensions[1]);
  put_numeric(s, c, kNumericExtensions[2]);
  for (const auto& e : c.extensions) put(s, e.name.c_str(), e.value);
  return s;
}

}  // namespace
}  // namespace sansrtc::ice::reference
