// STUN/TURN URLs: RFC 7064 §3.1, RFC 7065 §3.1, webrtc-pc §4.4.1.3, and the
// libdatachannel inline-credential form.
#include "pc/ice_server_url.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::pc;

TEST_CASE("stun: host and default port (RFC 7064 §3.2: 3478)", "[pc][url]") {
  auto u = parse_ice_server_url("stun:stun.example.org");
  REQUIRE(u.ok());
  CHECK(u->scheme == IceServerScheme::stun);
  CHECK(u->host == "stun.example.org");
  CHECK(u->port == 3478);
  CHECK_FALSE(u->port_explicit);
  CHECK(u->transport == IceServerTransport::udp);
  CHECK_FALSE(u->has_inline_credentials);
}

TEST_CASE("stuns: default port 5349 and explicit ports", "[pc][url]") {
  auto u = parse_ice_server_url("stuns:stun.example.org");
  REQUIRE(u.ok());
  CHECK(u->port == 5349);
  CHECK(u->is_secure());
  auto v = parse_ice_server_url("STUN:10.0.0.1:19302");  // scheme is case-insensitive
  REQUIRE(v.ok());
  CHECK(v->scheme == IceServerScheme::stun);
  CHECK(v->host == "10.0.0.1");
  CHECK(v->port == 19302);
  CHECK(v->port_explicit);
}

TEST_CASE("turn: with ?transport= (RFC 7065 §3.1)", "[pc][url]") {
  auto u = parse_ice_server_url("turn:turn.example.org:3479?transport=tcp");
  REQUIRE(u.ok());
  CHECK(u->scheme == IceServerScheme::turn);
  CHECK(u->port == 3479);
  CHECK(u->transport == IceServerTransport::tcp);
  CHECK(u->transport_explicit);
  auto d = parse_ice_server_url("turn:turn.example.org");
  REQUIRE(d.ok());
  CHECK(d->transport == IceServerTransport::udp);  // RFC 7065 §3: default udp
  auto s = parse_ice_server_url("turns:turn.example.org");
  REQUIRE(s.ok());
  CHECK(s->port == 5349);
  CHECK(s->transport == IceServerTransport::tcp);  // TLS over TCP by default
  auto dtls = parse_ice_server_url("turns:turn.example.org?transport=udp");
  REQUIRE(dtls.ok());
  CHECK(dtls->transport == IceServerTransport::udp);  // TURN over DTLS
}

TEST_CASE("IPv6 literals in brackets", "[pc][url]") {
  auto u = parse_ice_server_url("stun:[2001:db8::1]:3478");
  REQUIRE(u.ok());
  CHECK(u->host == "2001:db8::1");
  CHECK(u->host_is_ipv6);
  CHECK(u->port == 3478);
  auto t = parse_ice_server_url("turn:[::1]?transport=udp");
  REQUIRE(t.ok());
  CHECK(t->host == "::1");
  CHECK(t->port == 3478);
  CHECK_FALSE(parse_ice_server_url("stun:[2001:db8::1").ok());      // unterminated
  CHECK_FALSE(parse_ice_server_url("stun:[zz::1]:3478").ok());      // not hex
  CHECK_FALSE(parse_ice_server_url("stun:[::1]x").ok());            // junk after ]
}

TEST_CASE("libdatachannel inline credentials turn:USER:PASS@HOST:PORT", "[pc][url]") {
  auto u = parse_ice_server_url("turn:alice:s3cret@turn.example.org:3478?transport=udp");
  REQUIRE(u.ok());
  CHECK(u->has_inline_credentials);
  CHECK(u->username == "alice");
  CHECK(u->credential == "s3cret");
  CHECK(u->host == "turn.example.org");
  CHECK(u->port == 3478);
  CHECK(u->transport == IceServerTransport::udp);
  // Percent-encoded '@' and ':' in the password; the host follows the last '@'.
  auto p = parse_ice_server_url("turns:bob:p%40ss%3Aword@[::1]:5349");
  REQUIRE(p.ok());
  CHECK(p->username == "bob");
  CHECK(p->credential == "p@ss:word");
  CHECK(p->host == "::1");
  CHECK_FALSE(parse_ice_server_url("turn:bob:bad%4@host").ok());
}

TEST_CASE("bad URLs name their fault", "[pc][url]") {
  auto check_err = [](const char* url, Errc code, std::string msg) {
    auto r = parse_ice_server_url(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == code);
    CHECK(std::string(r.error().message) == msg);
  };
  check_err("http://example.org", Errc::invalid_argument, "ice server url: unknown scheme");
  check_err("example.org", Errc::invalid_argument, "ice server url: unknown scheme");
  check_err("stun:", Errc::invalid_argument, "ice server url: missing host");
  check_err("stun://example.org", Errc::invalid_argument, "ice server url: bad host");
  check_err("stun:exa mple.org", Errc::invalid_argument, "ice server url: bad host");
  check_err("stun:example.org:0", Errc::invalid_argument, "ice server url: bad port");
  check_err("stun:example.org:65536", Errc::invalid_argument, "ice server url: bad port");
  check_err("stun:example.org:", Errc::invalid_argument, "ice server url: bad port");
  check_err("stun:example.org?transport=udp", Errc::invalid_argument,
            "ice server url: query not allowed on stun:");
  check_err("turn:example.org?proto=udp", Errc::invalid_argument, "ice server url: bad query");
  check_err("turn:example.org?", Errc::invalid_argument, "ice server url: bad query");
  check_err("turn:example.org?transport=sctp", Errc::unsupported, "ice server url: unsupported transport");
}

TEST_CASE("expand_ice_server applies credentials; TURN needs them (webrtc-pc §4.4.1.3)", "[pc][url]") {
  IceServer s{{"stun:stun.example.org", "turn:turn.example.org"}, "user", "pass"};
  auto e = expand_ice_server(s);
  REQUIRE(e.ok());
  REQUIRE(e->size() == 2);
  CHECK((*e)[1].username == "user");
  CHECK((*e)[1].credential == "pass");

  IceServer no_creds{{"turn:turn.example.org"}, "", ""};
  auto f = expand_ice_server(no_creds);
  REQUIRE_FALSE(f.ok());
  CHECK(std::string(f.error().message) == "ice server: turn url needs username and credential");

  IceServer inline_creds{{"turn:u:p@turn.example.org"}, "", ""};
  auto g = expand_ice_server(inline_creds);
  REQUIRE(g.ok());
  CHECK((*g)[0].username == "u");

  CHECK_FALSE(expand_ice_server(IceServer{}).ok());
  CHECK_FALSE(expand_ice_server(IceServer{{"stun:ok.example", "bogus:x"}, "", ""}).ok());
}
