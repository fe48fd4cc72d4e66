// WHIP text formats (RFC 9725 with RFC 8840 trickle fragments), session ids,
// ICE server hosts, and the echo checks of the demo's client mode.
#include "echo_check.h"
#include "whip.h"

#include <sansrtc/rng.h>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace sansrtc;
using namespace sansrtc::demo;

TEST_CASE("the RFC 8840 §9 example fragment gives its candidate with mid, index and ufrag") {
  const std::string body =
      "a=ice-ufrag:EsAw\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
      "m=audio 9 RTP/AVP 0\r\n"
      "a=mid:0\r\n"
      "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n"
      "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2\r\n"
      "a=end-of-candidates\r\n";
  std::string error;
  auto f = parse_trickle_fragment(body, error);
  REQUIRE(f);
  CHECK(f->ice_ufrag == "EsAw");
  CHECK(f->ice_pwd == "P2uYro0UCOQ4zxjKXaWCBui1");
  REQUIRE(f->candidates.size() == 3);
  CHECK(f->candidates[0].candidate ==
        "candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1");
  CHECK(f->candidates[0].sdp_mid == "0");
  CHECK(f->candidates[0].sdp_m_line_index == 0);
  CHECK(f->candidates[0].username_fragment == "EsAw");
  CHECK(f->candidates[2].candidate.empty());  // end-of-candidates
  CHECK(f->candidates[2].sdp_mid == "0");
}

TEST_CASE("candidates in the second m= section get index 1; a mid after the candidate still applies") {
  std::string error;
  auto f = parse_trickle_fragment(
      "m=audio 9 RTP/AVP 0\na=mid:a\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
      "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\na=mid:dc\n",
      error);
  REQUIRE(f);
  REQUIRE(f->candidates.size() == 1);
  CHECK(f->candidates[0].sdp_m_line_index == 1);
  CHECK(f->candidates[0].sdp_mid == "dc");
  CHECK_FALSE(f->candidates[0].username_fragment);
}

TEST_CASE("a body that is no sdpfrag, or has too many candidates, is refused with a reason") {
  std::string error;
  CHECK_FALSE(parse_trickle_fragment("{\"candidate\": 1}", error));
  CHECK(error.find("not an SDP fragment line") != std::string::npos);
  std::string many;
  for (int i = 0; i < 5; ++i) many += "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n";
  CHECK_FALSE(parse_trickle_fragment(many, error, 4));
  CHECK(error == "too many candidates");
}

TEST_CASE("a written fragment parses back to the same candidates") {
  TrickleFragment f{"uf", "pw", {}};
  f.candidates.push_back({"candidate:1 1 udp 1 127.0.0.1 5000 typ host", "0", 0, std::nullopt});
  f.candidates.push_back({"", "0", 0, std::nullopt});
  std::string error;
  auto g = parse_trickle_fragment(write_trickle_fragment(f), error);
  REQUIRE(g);
  CHECK(g->ice_ufrag == "uf");
  CHECK(g->ice_pwd == "pw");
  REQUIRE(g->candidates.size() == 2);
  CHECK(g->candidates[0].candidate == f.candidates[0].candidate);
  CHECK(g->candidates[1].candidate.empty());
}

TEST_CASE("session ids are 32 hex digits and differ") {
  SeededRng rng(7);
  const std::string a = make_session_id(rng), b = make_session_id(rng);
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

TEST_CASE("ICE server hosts, with libdatachannel's inline credentials") {
  CHECK(ice_server_host("stun:stun.l.google.com:19302") == "stun.l.google.com");
  CHECK(ice_server_host("stun:192.0.2.1") == "192.0.2.1");
  CHECK(ice_server_host("turn:user:pass@turn.example.org:3478?transport=tcp") == "turn.example.org");
  CHECK(ice_server_host("turns:u:p@[2001:db8::1]:5349") == "2001:db8::1");
  CHECK_FALSE(ice_server_host("stun:"));
  CHECK_FALSE(ice_server_host("nonsense"));
}

TEST_CASE("test messages: every size as binary and text, distinct per channel, text printable") {
  auto m = make_test_messages(0);
  REQUIRE(m.size() == 12);
  CHECK(m[0].binary);
  CHECK(m[0].data.empty());
  CHECK_FALSE(m[1].binary);
  CHECK(m[11].data.size() == 262144);
  for (const auto& t : m)
    if (!t.binary)
      for (uint8_t c : t.data) REQUIRE((c >= 0x20 && c < 0x7f));
  auto other = make_test_messages(1);
  CHECK(other[5].data != m[5].data);
  CHECK(make_test_messages(0, 65536).size() == 10);  // capped at the peer's max-message-size
}

TEST_CASE("ordered echo checks want the messages back in order, byte for byte and kind for kind") {
  auto msgs = make_test_messages(0);
  EchoCheck c(msgs, true);
  CHECK(c.on_echo(msgs[0].data, true));
  CHECK_FALSE(c.on_echo(msgs[2].data, true));  // skipped msgs[1]
  CHECK(c.mismatched() == 1);
  CHECK_FALSE(c.on_echo(msgs[1].data, true));  // text came back binary
  CHECK(c.on_echo(msgs[1].data, false));
  auto corrupted = msgs[2].data;
  corrupted[0] ^= 1;
  CHECK_FALSE(c.on_echo(corrupted, true));
  CHECK(c.matched() == 2);
  CHECK_FALSE(c.passed());
}

TEST_CASE("unordered echo checks accept any order; all back and nothing else is a pass") {
  auto msgs = make_test_messages(2);
  EchoCheck c(msgs, false);
  for (size_t i = msgs.size(); i-- > 0;) REQUIRE(c.on_echo(msgs[i].data, msgs[i].binary));
  CHECK(c.complete());
  CHECK(c.passed());
  CHECK_FALSE(c.on_echo(msgs[0].data, msgs[0].binary));  // a duplicate is a mismatch
  CHECK_FALSE(c.passed());
}

TEST_CASE("bulk messages carry their index; a corrupted byte anywhere is found") {
  auto m = make_bulk_message(3, 70000);
  CHECK(is_bulk_message(3, m));
  CHECK_FALSE(is_bulk_message(4, m));
  // The pattern does not repeat with a period that a misplaced fragment
  // could hide behind: shifted by one SCTP-sized chunk it differs.
  CHECK_FALSE(std::equal(m.begin(), m.begin() + 1200, m.begin() + 1200));
  m[65537] ^= 0x40;
  CHECK_FALSE(is_bulk_message(3, m));
}
