#include "sdp/attributes.h"

#include <catch2/catch.hpp>

using namespace sansrtc;
using namespace sansrtc::sdp;

TEST_CASE("rtpmap, fmtp and rtcp-fb round-trip") {
  auto r = parse_rtpmap("111 opus/48000/2");
  REQUIRE(r.ok());
  REQUIRE(r->payload_type == 111);
  REQUIRE(r->encoding == "opus");
  REQUIRE(r->clock_rate == 48000);
  REQUIRE(*r->channels == 2);
  REQUIRE(format_rtpmap(*r) == "111 opus/48000/2");
  REQUIRE(format_rtpmap(*parse_rtpmap("96 VP8/90000")) == "96 VP8/90000");
  REQUIRE_FALSE(parse_rtpmap("128 x/1").ok());
  REQUIRE_FALSE(parse_rtpmap("96 VP8").ok());
  REQUIRE_FALSE(parse_rtpmap("96 VP8/0").ok());

  auto f = parse_fmtp("111 minptime=10;useinbandfec=1");
  REQUIRE(f.ok());
  auto p = f->pairs();
  REQUIRE(p.size() == 2);
  REQUIRE(p[1].first == "useinbandfec");
  REQUIRE(p[1].second == "1");
  REQUIRE(format_fmtp(*f) == "111 minptime=10;useinbandfec=1");
  REQUIRE(parse_fmtp("101 0-15")->pairs()[0].first == "0-15");

  auto fb = parse_rtcp_fb("96 nack pli");
  REQUIRE(fb->type == "nack");
  REQUIRE(fb->parameter == "pli");
  REQUIRE(format_rtcp_fb(*fb) == "96 nack pli");
  auto star = parse_rtcp_fb("* transport-cc");
  REQUIRE_FALSE(star->payload_type);
  REQUIRE(format_rtcp_fb(*star) == "* transport-cc");
  REQUIRE_FALSE(parse_rtcp_fb("96").ok());
}

TEST_CASE("extmap, msid, ssrc and ssrc-group round-trip") {
  auto e = parse_extmap("3/sendonly urn:ietf:params:rtp-hdrext:sdes:mid");
  REQUIRE(e->id == 3);
  REQUIRE(*e->direction == Direction::sendonly);
  REQUIRE(format_extmap(*e) == "3/sendonly urn:ietf:params:rtp-hdrext:sdes:mid");
  REQUIRE(format_extmap(*parse_extmap("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad")) ==
          "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad");
  REQUIRE_FALSE(parse_extmap("0 urn:x").ok());
  REQUIRE_FALSE(parse_extmap("1/sideways urn:x").ok());

  auto m = parse_msid("stream1 track1");
  REQUIRE(m->stream_id == "stream1");
  REQUIRE(m->track_id == "track1");
  REQUIRE(format_msid(*parse_msid("- {abc}")) == "- {abc}");

  auto s = parse_ssrc("3735928559 cname:4TOk42mSjXCkVIa6");
  REQUIRE(s->ssrc == 3735928559u);
  REQUIRE(s->attribute == "cname");
  REQUIRE(*s->value == "4TOk42mSjXCkVIa6");
  REQUIRE(format_ssrc(*s) == "3735928559 cname:4TOk42mSjXCkVIa6");
  REQUIRE_FALSE(parse_ssrc("4294967296 cname:x").ok());

  auto g = parse_ssrc_group("FID 1 2");
  REQUIRE(g->ssrcs == std::vector<uint32_t>{1, 2});
  REQUIRE(format_ssrc_group(*g) == "FID 1 2");
  REQUIRE_FALSE(parse_ssrc_group("FID").ok());
}

TEST_CASE("rid and simulcast round-trip (RFC 8851, RFC 8853)") {
  auto r = parse_rid("hi send max-width=1280;max-height=720");
  REQUIRE(r->id == "hi");
  REQUIRE(r->send);
  REQUIRE(format_rid(*r) == "hi send max-width=1280;max-height=720");
  REQUIRE_FALSE(parse_rid("h i send").ok());
  REQUIRE_FALSE(parse_rid("hi both").ok());

  auto sc = parse_simulcast("send hi;mid,~lo recv r0");
  REQUIRE(sc.ok());
  REQUIRE(sc->send.size() == 2);
  REQUIRE(sc->send[1][1].paused);
  REQUIRE(sc->send[1][1].rid == "lo");
  REQUIRE(sc->recv[0][0].rid == "r0");
  REQUIRE(format_simulcast(*sc) == "send hi;mid,~lo recv r0");
  REQUIRE_FALSE(parse_simulcast("send").ok());
  REQUIRE_FALSE(parse_simulcast("send a send b").ok());
  REQUIRE_FALSE(parse_simulcast("send a;;b").ok());
}

TEST_CASE("fingerprint, setup, group and numeric attributes") {
  REQUIRE(parse_fingerprint("sha-1 4A:AD").ok());
  REQUIRE_FALSE(parse_fingerprint("sha-256 4A:A").ok());
  REQUIRE_FALSE(parse_fingerprint("sha-256 4AAD").ok());
  REQUIRE_FALSE(parse_fingerprint("sha-256").ok());
  REQUIRE(format_fingerprint(*parse_fingerprint("sha-256 4A:AD")) == "sha-256 4A:AD");
  REQUIRE(*parse_setup("active") == Setup::active);
  REQUIRE_FALSE(parse_setup("both"));
  REQUIRE(format_group(*parse_group("BUNDLE 0 1 2")) == "BUNDLE 0 1 2");
  REQUIRE(parse_group("LS")->mids.empty());
  AttributeList a;
  a.add("sctp-port", std::string("5000"));
  a.add("max-message-size", std::string("nope"));
  REQUIRE(*sctp_port(a) == 5000);
  REQUIRE_FALSE(max_message_size(a));
  REQUIRE(split_tokens("trickle  ice2") == std::vector<std::string_view>{"trickle", "ice2"});
}
