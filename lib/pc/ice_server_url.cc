#include "pc/ice_server_url.h"

namespace sansrtc::pc {
namespace {

// The URL is scanned with pointers into it ([p, e) ranges): no substr(),
// whose bounds checks and calls cost more flash than the scan itself.

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c | 0x20) : c; }

// The first `c` in [p, e), else e.
const char* find(const char* p, const char* e, char c) {
  while (p != e && *p != c) ++p;
  return p;
}

// [s, s + n) equals the lower-case `lit` ignoring case (ASCII).
bool iequals(const char* s, const char* lit, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (lower(s[i]) != lit[i]) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;  // 'A'-'F' -> 'a'-'f'; no other byte lands in 'a'-'f'
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One character-class scan for the host grammars. RFC 3986 reg-name =
// *( unreserved / pct-encoded / sub-delims ); we refuse the sub-delims a DNS
// name or IPv4 address never has, to catch typos early. An IPv6 literal is
// checked loosely: hex digits, ':' and '.' (IPv4-mapped tail), at least two
// ':'; the driver's resolver does the exact parse. An empty reg-name is
// refused.
bool valid_host(const char* p, const char* e, bool ipv6) {
  const bool empty = p == e;
  size_t colons = 0;
  for (; p != e; ++p) {
    // c | 0x20: 'A'-'Z' become 'a'-'z', and no other byte lands in 'a'-'z'.
    const char c = *p, l = char(c | 0x20);
    const bool hex = (c >= '0' && c <= '9') || (l >= 'a' && l <= 'f');
    const bool ok = hex || c == '.' || (ipv6 ? c == ':' : ((l >= 'a' && l <= 'z') || c == '-' || c == '_' || c == '~'));
    if (!ok) return false;
    colons += c == ':';
  }
  return ipv6 ? colons >= 2 : !empty;
}

bool percent_decode(const char* p, const char* e, std::string& out) {
  out.clear();
  for (; p != e; ++p) {
    char c = *p;
    if (c == '%') {
      if (e - p <= 2) return false;
      const int hi = hex_value(p[1]), lo = hex_value(p[2]);
      if (hi < 0 || lo < 0) return false;
      c = char(hi * 16 + lo);
      p += 2;
    }
    out.push_back(c);
  }
  return true;
}

}  // namespace

const char* to_string(IceServerScheme s) {
  switch (s) {
    case IceServerScheme::stun: return "stun";
    case IceServerScheme::stuns: return "stuns";
    case IceServerScheme::turn: return "turn";
    case IceServerScheme::turns: return "turns";
  }
  return "?";
}

const char* to_string(IceServerTransport t) {
  return t == IceServerTransport::udp ? "udp" : "tcp";
}

namespace {

// The failures of parse_into, in the order of kUrlErrors.
enum UrlError : int8_t { url_ok = -1, e_scheme, e_host, e_missing_host, e_port, e_query_on_stun, e_query,
                         e_transport, e_percent };
const char* const kUrlErrors[] = {
    "ice server url: unknown scheme",  "ice server url: bad host",
    "ice server url: missing host",    "ice server url: bad port",
    "ice server url: query not allowed on stun:", "ice server url: bad query",
    "ice server url: unsupported transport",      "ice server url: bad percent-encoding"};

// The URL grammar as one left-to-right scan; every failure leaves as a
// small code (one error exit in parse_into).
UrlError scan(std::string_view url, IceServerUrl& out) {
  const char* p = url.data();
  const char* const end = p + url.size();
  // "stun", "turn", each with an optional "s" (the enum's order: stun,
  // stuns, turn, turns).
  const char* const colon = find(p, end, ':');
  if (colon == end || colon - p < 4 || colon - p > 5) return e_scheme;
  const bool secure = colon - p == 5;
  if (secure && lower(p[4]) != 's') return e_scheme;
  if (iequals(p, "stun", 4)) out.scheme = IceServerScheme(secure);
  else if (iequals(p, "turn", 4)) out.scheme = IceServerScheme(2 + secure);
  else return e_scheme;
  p = colon + 1;
  // RFC 7064/7065 URIs are opaque ("stun:host"), but "stun://host" is a
  // common mistake that browsers reject too.
  if (end - p >= 2 && p[0] == '/' && p[1] == '/') return e_host;

  const char* const q = find(p, end, '?');  // the query, if any, follows
  const bool has_query = q != end;
  if (has_query && !out.is_turn()) return e_query_on_stun;

  // user[:password]@ before the LAST '@'.
  const char* at = q;
  while (at != p && at[-1] != '@') --at;
  if (at != p) {
    const char* c = find(p, at - 1, ':');
    if (!percent_decode(p, c, out.username) || !percent_decode(c + (c != at - 1), at - 1, out.credential))
      return e_percent;
    out.has_inline_credentials = true;
    p = at;
  }

  // host [":" port]; an IP-literal host is bracketed.
  const bool ipv6 = p != q && *p == '[';
  const char* const host = p + ipv6;
  const char* const host_end = find(host, q, ipv6 ? ']' : ':');
  if (ipv6 && host_end == q) return e_host;
  const char* after = host_end + ipv6;  // ':' port, or q
  if (host == host_end && !ipv6) return e_missing_host;
  if (!valid_host(host, host_end, ipv6)) return e_host;
  if (after != q && *after != ':') return e_host;  // "[::1]x"
  out.host.assign(host, size_t(host_end - host));
  out.host_is_ipv6 = ipv6;
  out.port_explicit = after != q;

  out.port = out.is_secure() ? 5349 : 3478;
  if (out.port_explicit) {
    // Digits only, 1..65535 (no std::from_chars: its tables cost flash).
    ++after;
    if (q - after < 1 || q - after > 5) return e_port;
    uint32_t v = 0;
    for (; after != q; ++after) {
      if (*after < '0' || *after > '9') return e_port;
      v = v * 10 + uint32_t(*after - '0');
    }
    if (v == 0 || v > 65535) return e_port;
    out.port = uint16_t(v);
  }

  out.transport = out.scheme == IceServerScheme::turns ? IceServerTransport::tcp : IceServerTransport::udp;
  if (has_query) {
    const char* t = q + 1;
    if (end - t <= 10 || !iequals(t, "transport=", 10)) return e_query;
    t += 10;
    if (end - t == 3 && iequals(t, "udp", 3)) out.transport = IceServerTransport::udp;
    else if (end - t == 3 && iequals(t, "tcp", 3)) out.transport = IceServerTransport::tcp;
    // transport-ext: the same unreserved characters as a reg-name.
    else return valid_host(t, end, false) ? e_transport : e_query;
    out.transport_explicit = true;
  }
  return url_ok;
}

// parse_ice_server_url into `out`: every error leaves through a Result<void>
// (a code and a pointer), built into the Result<IceServerUrl> once.
Result<void> parse_into(std::string_view url, IceServerUrl& out) {
  const UrlError e = scan(url, out);
  if (e == url_ok) return ok_result();
  return make_error(e == e_transport ? Errc::unsupported : Errc::invalid_argument, kUrlErrors[e]);
}

}  // namespace

Result<IceServerUrl> parse_ice_server_url(std::string_view url) {
  IceServerUrl out;
  if (auto r = parse_into(url, out); !r.ok()) return r.error();
  return out;
}

Result<void> append_ice_server_urls(const IceServer& server, std::vector<IceServerUrl>& out) {
  if (server.urls.empty()) return make_error(Errc::invalid_argument, "ice server: no urls");
  for (const auto& u : server.urls) {
    IceServerUrl& url = out.emplace_back();
    SANSRTC_TRY(parse_into(u, url));
    if (!url.has_inline_credentials) {
      url.username = server.username;
      url.credential = server.credential;
    }
    // webrtc-pc §4.4.1.3: "If scheme name is turn or turns, and either of
    // server.username or server.credential are omitted, then throw an
    // InvalidAccessError."
    if (url.is_turn() && (url.username.empty() || url.credential.empty()))
      return make_error(Errc::invalid_argument, "ice server: turn url needs username and credential");
  }
  return ok_result();
}

Result<std::vector<IceServerUrl>> expand_ice_server(const IceServer& server) {
  std::vector<IceServerUrl> out;
  SANSRTC_TRY(append_ice_server_urls(server, out));
  return out;
}

}  // namespace sansrtc::pc
