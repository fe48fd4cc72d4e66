#include "ice/candidate_grammar.h"

#include <cstring>
#include <optional>

namespace sansrtc::ice {
namespace {

// 1*max_digits DIGIT with a value <= max (one routine for every width).
bool parse_uint(std::string_view s, size_t max_digits, uint32_t max, uint32_t& out) {
  if (s.empty() || s.size() > max_digits) return false;
  uint32_t v = 0;
  for (char c : s) {
    const uint32_t d = uint32_t(c - '0');
    if (d > 9 || v > (max - d) / 10) return false;  // not a digit, or v * 10 + d > max
    v = v * 10 + d;
  }
  out = v;
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

// A token is a run of anything but SP and HTAB (RFC 8839 separates with SP;
// HTAB is tolerated too).
bool is_space(char c) { return c == ' ' || c == '\t'; }

// The next token at or after `p`, "" at the end; `p` moves past it. One
// scanner for both passes over the line.
std::string_view scan(const char*& p, const char* end) {
  while (p != end && is_space(*p)) ++p;
  const char* start = p;
  while (p != end && !is_space(*p)) ++p;
  return std::string_view(start, size_t(p - start));
}

// The parse state: the cursor over the tokens (the last one and its index)
// and, after a failure, where and why.
struct Parser {
  const char* p;
  const char* end;
  size_t count = 0;          // tokens handed out; the last one has index count - 1
  std::string_view last;
  Bad bad = bad_foundation;
  size_t bad_index = 0;
  std::string_view bad_token;

  std::string_view next() {
    ++count;
    return last = scan(p, end);
  }
  size_t index() const { return count - 1; }
  // Records a failure at token `index` / `token`; every check fails here.
  [[gnu::noinline]] bool fail_at(Bad why, size_t index, std::string_view token) {
    bad = why;
    bad_index = index;
    bad_token = token;
    return false;
  }
  // A failure at the last token.
  [[gnu::noinline]] bool fail(Bad why) { return fail_at(why, index(), last); }
};

// s = v. Through append (which formatting needs anyway): every string
// operation of the file is one libstdc++ routine.
[[gnu::noinline]] void set(std::string& s, std::string_view v) {
  s.clear();
  s.append(v.data(), v.size());
}

// connection-address (or rel-addr): an IP (into `a`, keeping its port), or
// an FQDN (then the text goes into `name`).
bool parse_address(std::string_view s, SocketAddress& a, std::string& name) {
  if (auto ip = IpAddress::parse(s); ip.ok()) {
    a = SocketAddress(*ip, a.port());
    return true;
  }
  if (!is_fqdn(s)) return false;
  set(name, s);
  return true;
}

// The index of `tok` in `packed` (NUL-separated words, an empty word
// ends the list), ASCII case folded when `fold`; -1 when absent. One
// routine for every keyword of the grammar.
int lookup(std::string_view tok, const char* packed, bool fold = false) {
  for (int i = 0; *packed; ++i) {
    const size_t len = std::strlen(packed);
    size_t j = 0;
    if (len == tok.size())
      for (; j < len; ++j) {
        char x = tok[j];
        if (fold && x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');  // the words are lower case
        if (x != packed[j]) break;
      }
    if (j == len && len == tok.size()) return i;
    packed += len + 1;
  }
  return -1;
}

// How each checked field is read, by its Bad code: 3, 5 or 10 = that many
// digits at most (values up to 256, 65535, 2^32-1); kIceChars = 1*32
// ice-char; kWords + i = one of the words of kWordLists[i]; 0 = not read
// through check().
constexpr uint8_t kIceChars = 1, kWords = 0x10;
constexpr uint8_t kRules[] = {
    kIceChars,   // foundation
    3,           // component-id (and >= 1)
    kWords + 0,  // transport (any case)
    10,          // priority
    0,           // connection-address
    5,           // port
    kWords + 1,  // "typ"
    kWords + 2,  // cand-type
    0,           // raddr
    5,           // rport
    0,           // (value)
    10, 10, 10,  // generation, network-id, network-cost
    kWords + 3,  // tcptype
};
// NUL-separated words, in TransportProtocol, -, CandidateType and TcpType
// (after none) order.
constexpr const char* kWordLists[] = {"udp\0tcp\0", "typ\0", "host\0srflx\0prflx\0relay\0", "active\0passive\0so\0"};

// Reads `tok` as the field `field` (a Bad code with a rule); its value
// (number or word index) into `v`. One check for every field.
bool check(Bad field, std::string_view tok, uint32_t& v) {
  const uint8_t rule = kRules[field];
  if (rule == kIceChars) return is_ice_chars(tok, 1, 32);
  if (rule >= kWords) {
    const int i = lookup(tok, kWordLists[rule - kWords], /*fold=*/rule == kWords);
    v = uint32_t(i);
    return i >= 0;
  }
  return parse_uint(tok, rule, rule == 3 ? 256 : rule == 5 ? 0xFFFF : 0xFFFFFFFFu, v);
}

// The whole grammar over `n` tokens; on failure `t` says where and why.
bool parse_fields(Candidate& c, Parser& t, size_t n) {
  // The fixed fields; their Bad codes are their token indices.
  std::string_view tok[8];
  uint32_t val[8];
  for (int f = 0; f < 8; ++f) {
    tok[f] = t.next();
    if (f == 4) continue;  // connection-address: checked after the port
    if (!check(Bad(f), tok[f], val[f]) || (f == bad_component && val[f] == 0)) return t.fail(Bad(f));
    if (f == bad_port) {
      c.address.set_port(uint16_t(val[f]));
      if (!parse_address(tok[4], c.address, c.hostname)) return t.fail_at(bad_address, 4, tok[4]);
    }
  }
  set(c.foundation, tok[0]);
  c.component = uint16_t(val[bad_component]);
  c.transport = TransportProtocol(val[bad_transport]);
  c.priority = val[bad_priority];
  c.type = CandidateType(val[bad_type]);

  // Name/value pairs: raddr then rport first (each optional), then the
  // extensions. `stage` 0: raddr may come, 1: rport may, 2: neither.
  int stage = 0;
  while (t.count < n) {
    const std::string_view name = t.next();
    if (t.count >= n) return t.fail(bad_value);
    const std::string_view value = t.next();
    // Index + bad_raddr is the field's Bad code (" " matches no token).
    const int k = lookup(name, "raddr\0rport\0 \0generation\0network-id\0network-cost\0tcptype\0ufrag\0");
    const Bad field = Bad(bad_raddr + k);
    if (k == 0 || k == 1) {
      if (stage > k) return t.fail_at(bad_order, t.count - 2, name);
      stage = k + 1;
      if (!c.related) c.related.emplace();  // 0.0.0.0:0 until given
      uint32_t port = 0;
      if (k == 0 ? !parse_address(value, *c.related, c.related_hostname) : !check(field, value, port))
        return t.fail(field);
      if (k == 1) c.related->set_port(uint16_t(port));
      continue;
    }
    stage = 2;
    if (k == 7) {
      set(c.ufrag, value);
    } else if (k > 0) {
      uint32_t x = 0;
      if (!check(field, value, x)) return t.fail(field);
      if (k == 6) c.tcptype = TcpType(x + 1);
      else c.*kNumericExtensions[k - 3].field = x;
    } else {
      if (c.extensions.size() == kMaxUnknownExtensions) return t.fail_at(bad_extensions, t.count - 2, name);
      c.extensions.push_back({});
      CandidateExtension& e = c.extensions.back();
      set(e.name, name);
      set(e.value, value);
    }
  }
  if (c.transport == TransportProtocol::tcp && c.tcptype == TcpType::none)
    return t.fail_at(bad_tcp_without_tcptype, n, {});
  return true;
}

}  // namespace

Result<Candidate> parse_candidate(std::string_view line, CandidateParseError* detail) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
    line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.size() >= 2 && lookup(std::string_view(line.data(), 2), "a=\0") == 0) line.remove_prefix(2);
  if (line.size() >= 10 && lookup(std::string_view(line.data(), 10), "candidate:\0", true) == 0) line.remove_prefix(10);

  const char* const end = line.data() + line.size();
  Parser t{line.data(), end};
  // First pass: the byte-string rule and the token limit, for the whole line.
  size_t n = 0;
  bool ok = true;
  for (const char* p = t.p; ok;) {
    const std::string_view tok = scan(p, end);
    if (tok.empty()) break;
    // RFC 4566 byte-string: no NUL, CR or LF inside the line.
    for (const char& ch : tok)
      if (ch == '\0' || ch == '\r' || ch == '\n') {
        ok = t.fail_at(bad_byte_string, n, std::string_view(&ch, 1));
        break;
      }
    if (ok && n == kMaxTokens) ok = t.fail_at(bad_token_count, n, tok);
    ++n;
  }
  Result<Candidate> r{Candidate()};
  if (ok && n < 8) ok = t.fail_at(bad_too_few, n, {});
  if (ok) ok = parse_fields(*r, t, n);
  if (!ok) {
    const char* message = bad_message(t.bad);
    if (detail) *detail = {message + std::strlen(message) - kFieldLength[t.bad], t.bad_index, t.bad_token};
    return make_error(t.bad == bad_transport || t.bad == bad_type ? Errc::unsupported : Errc::malformed, message);
  }
  return r;
}

namespace {
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
  put(s, name, std::string_view(buf, format_decimal(v, buf)));
}
// An address given as an FQDN (`host`) or an IP.
void put_address(std::string& s, const char* name, const std::string& host, const IpAddress& ip) {
  char buf[64];
  put(s, name, host.empty() ? std::string_view(buf, ip.format(buf, sizeof buf)) : std::string_view(host));
}
void put_numeric(std::string& s, const Candidate& c, const NumericExtension& x) {
  if (c.*x.field) put_number(s, x.name, *(c.*x.field));
}
}  // namespace

std::string format_candidate(const Candidate& c) {
  std::string s;
  s.reserve(160);
  s.append("candidate:", 10);
  s.append(c.foundation.data(), c.foundation.size());
  put_number(s, nullptr, c.component);
  put(s, nullptr, std::string_view(kWordLists[0] + 4 * int(c.transport), 3));  // "udp" / "tcp"
  put_number(s, nullptr, c.priority);
  put_address(s, nullptr, c.hostname, c.address.ip());
  put_number(s, nullptr, c.address.port());
  put(s, "typ", candidate_type_name(c.type));
  if (c.related) {
    put_address(s, "raddr", c.related_hostname, c.related->ip());
    put_number(s, "rport", c.related->port());
  }
  if (c.tcptype != TcpType::none) put(s, "tcptype", tcp_type_name(c.tcptype));
  // Chromium's order: generation, ufrag, network-id, network-cost.
  put_numeric(s, c, kNumericExtensions[0]);
  if (!c.ufrag.empty()) put(s, "ufrag", c.ufrag);
  put_numeric(s, c, kNumericExtensions[1]);
  put_numeric(s, c, kNumericExtensions[2]);
  for (const auto& e : c.extensions) put(s, e.name.c_str(), e.value);
  return s;
}

}  // namespace sansrtc::ice
