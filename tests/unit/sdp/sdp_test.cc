#include "sdp/attributes.h"
#include "sdp/session_description.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace sansrtc;
using namespace sansrtc::sdp;

namespace {
std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* kMinimal =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.1.5 46243 typ host generation 0\r\n"
    "a=end-of-candidates\r\n"
    "a=ice-ufrag:EsAw\r\n"
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";
}  // namespace

TEST_CASE("A data-channel offer parses into its fields and round-trips byte for byte") {
  auto sd = parse(kMinimal);
  REQUIRE(sd.ok());
  REQUIRE(sd->origin.session_id == "4611731400430051336");
  REQUIRE(sd->origin.session_version == 2);
  REQUIRE(sd->media.size() == 1);
  const auto& m = sd->media[0];
  REQUIRE(m.media == "application");
  REQUIRE(m.proto == "UDP/DTLS/SCTP");
  REQUIRE(m.formats == std::vector<std::string>{"webrtc-datachannel"});
  REQUIRE(*m.attributes.get("mid") == "0");
  REQUIRE(*sctp_port(m.attributes) == 5000);
  REQUIRE(*max_message_size(m.attributes) == 262144);
  REQUIRE(m.attributes.has("end-of-candidates"));
  REQUIRE(m.attributes.all("candidate").size() == 1);
  auto fp = parse_fingerprint(*m.attributes.get("fingerprint"));
  REQUIRE(fp.ok());
  REQUIRE(fp->hash_function == "sha-256");
  REQUIRE(*parse_setup(*m.attributes.get("setup")) == Setup::actpass);
  auto g = parse_group(*sd->attributes.get("group"));
  REQUIRE(g->semantics == "BUNDLE");
  REQUIRE(g->mids == std::vector<std::string>{"0"});
  REQUIRE(serialize(*sd) == kMinimal);
  REQUIRE(validate_attributes(*sd).ok());
}

TEST_CASE("Captured browser descriptions round-trip exactly") {
  const std::filesystem::path dir = std::filesystem::path(SANSRTC_TEST_DATA) / "sdp";
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".sdp") continue;
    ++n;
    INFO(e.path().filename().string());
    std::string text = read_file(e.path());
    ParseFailure failure;
    auto sd = parse(text, {}, &failure);
    INFO(failure.to_string());
    REQUIRE(sd.ok());
    REQUIRE(serialize(*sd) == text);
    AttributeFailure af;
    auto v = validate_attributes(*sd, &af);
    INFO(af.attribute << ": " << af.reason);
    REQUIRE(v.ok());
    auto again = parse(serialize(*sd));
    REQUIRE(again.ok());
    REQUIRE(*again == *sd);
  }
  REQUIRE(n >= 2);
}

TEST_CASE("LF-only input is accepted and written back with CRLF") {
  std::string lf = kMinimal;
  for (size_t p; (p = lf.find("\r\n")) != std::string::npos;) lf.erase(p, 1);
  auto sd = parse(lf);
  REQUIRE(sd.ok());
  REQUIRE(serialize(*sd) == kMinimal);
}

TEST_CASE("Malformed descriptions are rejected with the line that is at fault") {
  struct Case {
    const char* text;
    size_t line;
    const char* reason;
  };
  const Case cases[] = {
      {"", 0, "truncated: v=, o= and s= are required"},
      {"o=- 1 1 IN IP4 0.0.0.0\r\n", 1, "first line must be v="},
      {"v=1\r\n", 1, "unsupported SDP version"},
      {"v=0\r\no=- 1 IN IP4 0.0.0.0\r\n", 2, "o= needs 6 fields"},
      {"v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n", 2, "o= session id must be digits"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nt=0 0\r\n", 3, "third line must be s="},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 70000 RTP/AVP 0\r\n", 4, "bad port in m="},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio\r\n", 4, "m= needs media, port and proto"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nb=AS\r\n", 4, "b= must be <type>:<number>"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nx\r\n", 4, "expected <type>=<value>"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=\r\n", 4, "empty attribute name"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nq=what\r\n", 4, "unknown line type"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n", 5, "t= inside a media section"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4\r\n", 4, "c= needs nettype, addrtype and address"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    ParseFailure f;
    auto r = parse(c.text, {}, &f);
    REQUIRE_FALSE(r.ok());
    REQUIRE(f.line == c.line);
    REQUIRE(std::string(f.reason) == c.reason);
  }
}

TEST_CASE("Limits bound size, lines, line length, media sections and attributes") {
  Limits l;
  l.max_media_sections = 2;
  std::string s = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  for (int i = 0; i < 3; ++i) s += "m=audio 9 RTP/AVP 0\r\n";
  ParseFailure f;
  auto r = parse(s, l, &f);
  REQUIRE(r.error().code == Errc::limit_exceeded);
  REQUIRE(f.line == 7);

  Limits small;
  small.max_size = 10;
  REQUIRE(parse(kMinimal, small).error().code == Errc::limit_exceeded);

  Limits attrs;
  attrs.max_attributes_per_section = 3;
  REQUIRE(parse(kMinimal, attrs).error().code == Errc::limit_exceeded);

  Limits lines;
  lines.max_lines = 5;
  REQUIRE(parse(kMinimal, lines).error().code == Errc::limit_exceeded);

  Limits len;
  len.max_line_length = 40;
  REQUIRE(parse(kMinimal, len, &f).error().code == Errc::limit_exceeded);
  REQUIRE(f.line == 2);
}

TEST_CASE("Unknown attributes are kept in place; attribute lists edit cleanly") {
  std::string text = std::string(kMinimal) + "a=x-custom:some value\r\na=x-flag\r\n";
  auto sd = parse(text);
  REQUIRE(sd.ok());
  auto& a = sd->media[0].attributes;
  REQUIRE(*a.get("x-custom") == "some value");
  REQUIRE(a.has("x-flag"));
  REQUIRE(a.get("x-flag")->empty());
  REQUIRE(serialize(*sd) == text);
  REQUIRE(a.remove("candidate") == 1);
  a.set("setup", std::string("passive"));
  REQUIRE(*a.get("setup") == "passive");
  set_direction(a, Direction::recvonly);
  REQUIRE(*direction(a) == Direction::recvonly);
  set_direction(a, Direction::sendonly);
  REQUIRE(a.all("sendonly").size() == 1);
  REQUIRE_FALSE(a.has("recvonly"));
}

TEST_CASE("decimal writes unsigned integers without std::to_string", "[sdp]") {
  CHECK(decimal(0) == "0");
  CHECK(decimal(7) == "7");
  CHECK(decimal(5000) == "5000");
  CHECK(decimal(262144) == "262144");
  CHECK(decimal(18446744073709551615ull) == "18446744073709551615");
}

TEST_CASE("add_flag and add_text append attributes that serialize like add()", "[sdp]") {
  SessionDescription a, b;
  a.attributes.add("ice-lite");
  a.attributes.add("group", std::string("BUNDLE 0"));
  b.attributes.add_flag("ice-lite");
  b.attributes.add_text("group", "BUNDLE 0");
  CHECK(a == b);
  CHECK(serialize(b).find("a=ice-lite\r\na=group:BUNDLE 0\r\n") != std::string::npos);
}
