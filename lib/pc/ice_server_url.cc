#include "pc/ice_server_url.h"


namespace sansrtc::pc {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 3986 reg-name = *( unreserved / pct-encoded / sub-delims ); we refuse
// the sub-delims a DNS name or IPv4 address never has, to catch typos early.
bool valid_reg_name(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h) {
    if (!(is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')) return false;
  }
  return true;
}

bool valid_ipv6_literal(std::string_view h) {
  // Loose check: hex digits, ':' and '.' (IPv4-mapped tail), at least two ':'.
  // The driver's resolver does the exact parse.
  if (h.size() < 2) return false;
  size_t colons = 0;
  for (char c : h) {
    bool hex = (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
    if (c == ':') ++colons;
    else if (!(hex || c == '.')) return false;
  }
  return colons >= 2;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(char(hi * 16 + lo));
    i += 2;
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

// parse_ice_server_url into `out`: every error leaves through a Result<void>
// (a code and a pointer), built into the Result<IceServerUrl> once.
Result<void> parse_into(std::string_view url, IceServerUrl& out) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos) return make_error(Errc::invalid_argument, "ice server url: unknown scheme");
  // "stun", "turn", each with an optional "s" (the enum's order: stun,
  // stuns, turn, turns).
  std::string_view scheme = url.substr(0, colon);
  const bool secure = scheme.size() == 5 && lower(scheme[4]) == 's';
  const std::string_view base = scheme.size() == size_t(4 + secure) ? scheme.substr(0, 4) : std::string_view();
  if (iequals(base, "stun")) {
    out.scheme = IceServerScheme(secure);
  } else if (iequals(base, "turn")) {
    out.scheme = IceServerScheme(2 + secure);
  } else {
    return make_error(Errc::invalid_argument, "ice server url: unknown scheme");
  }
  std::string_view rest = url.substr(colon + 1);
  // RFC 7064/7065 URIs are opaque ("stun:host"), but "stun://host" is a
  // common mistake that browsers reject too.
  if (rest.starts_with("//")) return make_error(Errc::invalid_argument, "ice server url: bad host");

  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!out.is_turn()) return make_error(Errc::invalid_argument, "ice server url: query not allowed on stun:");
  }

  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t c = userinfo.find(':');
    std::string_view user = userinfo.substr(0, c);
    std::string_view pass = c == std::string_view::npos ? std::string_view() : userinfo.substr(c + 1);
    if (!percent_decode(user, out.username) || !percent_decode(pass, out.credential))
      return make_error(Errc::invalid_argument, "ice server url: bad percent-encoding");
    out.has_inline_credentials = true;
  }

  std::string_view port_text;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return make_error(Errc::invalid_argument, "ice server url: bad host");
    std::string_view lit = rest.substr(1, close - 1);
    if (!valid_ipv6_literal(lit)) return make_error(Errc::invalid_argument, "ice server url: bad host");
    out.host = std::string(lit);
    out.host_is_ipv6 = true;
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return make_error(Errc::invalid_argument, "ice server url: bad host");
      port_text = after.substr(1);
      out.port_explicit = true;
    }
  } else {
    size_t c = rest.find(':');
    std::string_view host = rest.substr(0, c);
    if (c != std::string_view::npos) {
      port_text = rest.substr(c + 1);
      out.port_explicit = true;
    }
    if (host.empty()) return make_error(Errc::invalid_argument, "ice server url: missing host");
    if (!valid_reg_name(host)) return make_error(Errc::invalid_argument, "ice server url: bad host");
    out.host = std::string(host);
  }

  out.port = out.is_secure() ? 5349 : 3478;
  if (out.port_explicit) {
    // Digits only, 1..65535 (no std::from_chars: its tables cost flash).
    uint32_t v = 0;
    bool digits = !port_text.empty() && port_text.size() <= 5;
    for (char c : port_text) {
      if (c < '0' || c > '9') digits = false;
      else v = v * 10 + uint32_t(c - '0');
    }
    if (!digits || v == 0 || v > 65535) return make_error(Errc::invalid_argument, "ice server url: bad port");
    out.port = uint16_t(v);
  }

  out.transport = out.scheme == IceServerScheme::turns ? IceServerTransport::tcp : IceServerTransport::udp;
  if (!query.empty() || url.find('?') != std::string_view::npos) {
    constexpr std::string_view kKey = "transport=";
    if (query.size() <= kKey.size() || !iequals(query.substr(0, kKey.size()), kKey))
      return make_error(Errc::invalid_argument, "ice server url: bad query");
    std::string_view t = query.substr(kKey.size());
    if (iequals(t, "udp")) out.transport = IceServerTransport::udp;
    else if (iequals(t, "tcp")) out.transport = IceServerTransport::tcp;
    else if (!valid_reg_name(t))  // transport-ext: the same unreserved characters
      return make_error(Errc::invalid_argument, "ice server url: bad query");
    else
      return make_error(Errc::unsupported, "ice server url: unsupported transport");
    out.transport_explicit = true;
  }
  return ok_result();
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
