#include "ice/candidate_grammar.h"

#include <optional>

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

bool parse_port(std::string_view s, uint16_t& out) {
  uint32_t v = 0;
  if (!parse_uint(s, 5, 0xFFFF, v)) return false;
  out = uint16_t(v);
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

// The numeric extensions, parsed alike (Chromium's order, as formatted).
struct NumericExtension {
  const char* name;
  const char* message;
  std::optional<uint32_t> Candidate::*field;
};
constexpr NumericExtension kNumericExtensions[] = {
    {"generation", "candidate: bad generation", &Candidate::generation},
    {"network-id", "candidate: bad network-id", &Candidate::network_id},
    {"network-cost", "candidate: bad network-cost", &Candidate::network_cost},
};

// Hands out the tokens of a line one after the other (the line was checked
// by the first pass of parse_candidate()).
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view line) : line_(line) {}
  // The next token, "" past the end; index() is its index.
  std::string_view next() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
    size_t start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t') ++pos_;
    ++count_;
    return line_.substr(start, pos_ - start);
  }
  size_t index() const { return count_ - 1; }

 private:
  std::string_view line_;
  size_t pos_ = 0;
  size_t count_ = 0;
};

// Where and why parsing failed; set() returns false for `return f.set(...)`.
struct Failure {
  const char* field = "";
  size_t index = 0;
  std::string_view token;
  const char* message = "";
  Errc code = Errc::malformed;

  bool set(const char* at_field, size_t at_index, std::string_view at_token, const char* why,
           Errc errc = Errc::malformed) {
    field = at_field;
    index = at_index;
    token = at_token;
    message = why;
    code = errc;
    return false;
  }
};

// connection-address (or rel-addr): an IP, or an FQDN (`fqdn` set; the
// caller keeps the text).
bool parse_address(std::string_view s, IpAddress& ip, bool& fqdn) {
  if (auto a = IpAddress::parse(s); a.ok()) {
    ip = *a;
    return true;
  }
  fqdn = is_fqdn(s);
  return fqdn;
}

}  // namespace

namespace {

// The whole grammar; on failure `f` says where (one error path for all).
bool parse_fields(std::string_view line, Candidate& c, Failure& f) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
    line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.starts_with("a=")) line.remove_prefix(2);
  if (line.size() >= 10 && iequals(line.substr(0, 10), "candidate:")) line.remove_prefix(10);

  // First pass: the byte-string rule and the token limit, for the whole line.
  size_t n = 0;
  for (size_t i = 0; i < line.size();) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      // RFC 4566 byte-string: no NUL, CR or LF inside the line.
      if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
        return f.set("byte-string", n, line.substr(i, 1), "candidate: NUL, CR or LF inside the line");
      ++i;
    }
    if (n == kMaxTokens)
      return f.set("token count", n, line.substr(start, i - start), "candidate: too many tokens");
    ++n;
  }
  if (n < 8) return f.set("cand-type", n, {}, "candidate: too few fields (need foundation .. typ <type>)");

  TokenCursor t(line);
  // foundation
  std::string_view tok = t.next();
  bool foundation_ok = !tok.empty() && tok.size() <= 32;
  for (char ch : tok) foundation_ok &= is_ice_char(ch);
  if (!foundation_ok) return f.set("foundation", 0, tok, "candidate: bad foundation");
  c.foundation = std::string(tok);
  // component-id
  tok = t.next();
  uint32_t component = 0;
  if (!parse_uint(tok, 3, 256, component) || component < 1)
    return f.set("component-id", 1, tok, "candidate: bad component-id");
  c.component = uint16_t(component);
  // transport
  tok = t.next();
  if (iequals(tok, "tcp")) c.transport = TransportProtocol::tcp;
  else if (!iequals(tok, "udp"))
    return f.set("transport", 2, tok, "candidate: unsupported transport", Errc::unsupported);
  // priority
  tok = t.next();
  if (!parse_uint(tok, 10, 0xFFFFFFFFu, c.priority)) return f.set("priority", 3, tok, "candidate: bad priority");
  // connection-address and port (the port is checked first)
  const std::string_view address = t.next();
  tok = t.next();
  uint16_t port = 0;
  if (!parse_port(tok, port)) return f.set("port", 5, tok, "candidate: bad port");
  IpAddress ip;
  bool fqdn = false;
  if (!parse_address(address, ip, fqdn))
    return f.set("connection-address", 4, address, "candidate: bad connection-address");
  if (fqdn) c.hostname = std::string(address);
  c.address = SocketAddress(ip, port);
  // typ
  tok = t.next();
  if (tok != "typ") return f.set("typ", 6, tok, "candidate: expected \"typ\"");
  tok = t.next();
  size_t type = 0;
  while (type < 4 && tok != candidate_type_name(CandidateType(type))) ++type;
  if (type == 4) return f.set("cand-type", 7, tok, "candidate: unknown candidate type", Errc::unsupported);
  c.type = CandidateType(type);

  // Optional raddr then rport, then name/value pairs.
  std::string_view name = t.next();
  IpAddress raddr;
  bool have_related = false;
  uint16_t rport = 0;
  if (t.index() + 1 < n && name == "raddr") {
    tok = t.next();
    fqdn = false;
    if (!parse_address(tok, raddr, fqdn)) return f.set("rel-addr", t.index(), tok, "candidate: bad raddr");
    if (fqdn) c.related_hostname = std::string(tok);
    have_related = true;
    name = t.next();
  }
  if (t.index() + 1 < n && name == "rport") {
    tok = t.next();
    if (!parse_port(tok, rport)) return f.set("rel-port", t.index(), tok, "candidate: bad rport");
    have_related = true;
    name = t.next();
  }
  if (have_related) c.related = SocketAddress(raddr, rport);

  for (; t.index() < n; name = t.next()) {
    const size_t k = t.index();
    if (k + 1 >= n) return f.set("extension-att-value", k, name, "candidate: extension without a value");
    const std::string_view value = t.next();
    size_t x = 0;
    while (x < 3 && name != kNumericExtensions[x].name) ++x;
    if (x < 3) {
      uint32_t v = 0;
      if (!parse_uint(value, 10, 0xFFFFFFFFu, v))
        return f.set(kNumericExtensions[x].name, k + 1, value, kNumericExtensions[x].message);
      c.*kNumericExtensions[x].field = v;
    } else if (name == "tcptype") {
      size_t tt = 1;
      while (tt < 4 && value != tcp_type_name(TcpType(tt))) ++tt;
      if (tt == 4) return f.set("tcptype", k + 1, value, "candidate: bad tcptype");
      c.tcptype = TcpType(tt);
    } else if (name == "ufrag") {
      c.ufrag = std::string(value);
    } else if (name == "raddr" || name == "rport") {
      return f.set("rel-addr", k, name, "candidate: raddr/rport out of order");
    } else {
      if (c.extensions.size() == kMaxUnknownExtensions)
        return f.set("extension-att-name", k, name, "candidate: too many extensions");
      c.extensions.push_back({std::string(name), std::string(value)});
    }
  }
  if (c.transport == TransportProtocol::tcp && c.tcptype == TcpType::none)
    return f.set("tcptype", n, {}, "candidate: tcp candidate without tcptype");
  return true;
}

}  // namespace

Result<Candidate> parse_candidate(std::string_view line, CandidateParseError* detail) {
  Candidate c;
  Failure f;
  if (!parse_fields(line, c, f)) {
    if (detail) *detail = {f.field, f.index, f.token};
    return make_error(f.code, f.message);
  }
  return c;
}

namespace {
void append_decimal(std::string& s, uint32_t v) {
  char buf[10];
  s.append(buf, format_decimal(v, buf));
}
void append_token(std::string& s, const char* name, std::string_view value) {
  s += ' ';
  s += name;
  s += ' ';
  s += value;
}
void append_numeric(std::string& s, const Candidate& c, const NumericExtension& x) {
  if (!(c.*x.field)) return;
  append_token(s, x.name, "");
  append_decimal(s, *(c.*x.field));
}
}  // namespace

std::string format_candidate(const Candidate& c) {
  std::string s;
  s.reserve(160);
  s += "candidate:";
  s += c.foundation;
  s += ' ';
  append_decimal(s, c.component);
  s += c.transport == TransportProtocol::udp ? " udp " : " tcp ";
  append_decimal(s, c.priority);
  s += ' ';
  s += c.hostname.empty() ? c.address.ip().to_string() : c.hostname;
  s += ' ';
  append_decimal(s, c.address.port());
  append_token(s, "typ", candidate_type_name(c.type));
  if (c.related) {
    append_token(s, "raddr", c.related_hostname.empty() ? c.related->ip().to_string() : c.related_hostname);
    append_token(s, "rport", "");
    append_decimal(s, c.related->port());
  }
  if (c.tcptype != TcpType::none) append_token(s, "tcptype", tcp_type_name(c.tcptype));
  // Chromium's order: generation, ufrag, network-id, network-cost.
  append_numeric(s, c, kNumericExtensions[0]);
  if (!c.ufrag.empty()) append_token(s, "ufrag", c.ufrag);
  append_numeric(s, c, kNumericExtensions[1]);
  append_numeric(s, c, kNumericExtensions[2]);
  for (const auto& e : c.extensions) append_token(s, e.name.c_str(), e.value);
  return s;
}

}  // namespace sansrtc::ice
