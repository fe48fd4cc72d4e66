// pc/ice_server_url.h — STUN and TURN server URLs (RFC 7064, RFC 7065).
//
//   stunURI  = scheme ":" host [ ":" port ]                       RFC 7064 §3.1
//   scheme   = "stun" / "stuns"
//   turnURI  = scheme ":" host [ ":" port ] [ "?transport=" transport ]
//   scheme   = "turn" / "turns"                                   RFC 7065 §3.1
//   transport = "udp" / "tcp" / transport-ext
//   host     = IP-literal / IPv4address / reg-name                RFC 3986 §3.2.2
//
// Plus the inline-credential form libdatachannel accepts (and the demo's
// --ice-server option uses): `turn:USER:PASS@HOST:PORT?transport=udp`. The
// user and password are percent-decoded; the host part is everything after
// the LAST '@', so a password may contain '@' only percent-encoded.
//
// Default ports (RFC 7064 §3.2, RFC 7065 §3.2): 3478 for stun/turn, 5349 for
// stuns/turns. Default transport (RFC 7065 §3): udp for turn, tcp for turns
// (TLS); `turns:…?transport=udp` means DTLS, which we parse and report.
// Scheme names are case-insensitive (RFC 3986 §3.1); host names are kept as
// written (resolution happens in the driver).
//
// Left out: transport-ext values other than udp/tcp (rejected as
// unsupported), userinfo on stun: URLs (rejected: RFC 7064 has none, but see
// `parse_ice_server_url`), and DNS SRV discovery (RFC 5928), done by net/.
#pragma once

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::pc {

enum class IceServerScheme : uint8_t { stun, stuns, turn, turns };
const char* to_string(IceServerScheme s);

enum class IceServerTransport : uint8_t { udp, tcp };
const char* to_string(IceServerTransport t);

struct IceServerUrl {
  IceServerScheme scheme = IceServerScheme::stun;
  std::string host;          // without brackets for IPv6 literals
  bool host_is_ipv6 = false;  // was a bracketed IP-literal
  uint16_t port = 3478;       // explicit or the scheme default
  bool port_explicit = false;
  IceServerTransport transport = IceServerTransport::udp;  // explicit or the default
  bool transport_explicit = false;
  // Inline credentials (libdatachannel form); empty when absent.
  std::string username;
  std::string credential;
  bool has_inline_credentials = false;

  bool is_turn() const { return scheme == IceServerScheme::turn || scheme == IceServerScheme::turns; }
  bool is_secure() const { return scheme == IceServerScheme::stuns || scheme == IceServerScheme::turns; }
  bool operator==(const IceServerUrl&) const = default;
};

// Parses one URL. Errors (Errc::invalid_argument unless noted):
//   "ice server url: unknown scheme"            not stun/stuns/turn/turns
//   "ice server url: missing host"
//   "ice server url: bad host"                  characters outside RFC 3986 reg-name / bad IPv6 literal
//   "ice server url: bad port"                  not 1..65535
//   "ice server url: query not allowed on stun:" RFC 7064 has no query
//   "ice server url: bad query"                 anything but ?transport=…
//   "ice server url: unsupported transport" (Errc::unsupported)
//   "ice server url: bad percent-encoding"
Result<IceServerUrl> parse_ice_server_url(std::string_view url);

// Expands an RTCIceServer into parsed URLs, applying `username`/`credential`
// to every URL that has no inline credentials. webrtc-pc §4.4.1.3 (validate
// the ICE servers): a turn:/turns: URL without username or credential fails
// with "ice server: turn url needs username and credential"
// (Errc::invalid_argument). An empty `urls` list is an error too.
Result<std::vector<IceServerUrl>> expand_ice_server(const IceServer& server);
// The same, appending to `out` (which holds a partial list after an error).
Result<void> append_ice_server_urls(const IceServer& server, std::vector<IceServerUrl>& out);

}  // namespace sansrtc::pc
