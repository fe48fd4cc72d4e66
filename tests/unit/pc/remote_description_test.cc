// Reading remote descriptions: the captured browser SDPs, and every WebRTC
// rule that makes one unacceptable (RFC 8829 §5.8, RFC 8839/8842/8843/8841).
#include "pc/remote_description.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {
std::string read_sdp(const char* name) {
  std::ifstream f(std::filesystem::path(SANSRTC_TEST_DATA) / "sdp" / name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  REQUIRE(!ss.str().empty());
  return ss.str();
}

// A minimal valid data-channel offer; tests replace one line at a time.
const std::string kOffer =
    "v=0\r\n"
    "o=- 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:0123456789012345678901\r\n"
    "a=fingerprint:sha-256 AA:BB\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:0123456789012345678901\r\n"
    "a=fingerprint:sha-256 AA:BB\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=sctp-port:5000\r\n";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// Expects `sdp` as `type` to fail with `reason` at m-section `index` (1-based).
void expect_refused(SdpType type, const std::string& sdp, const char* reason, size_t index) {
  DescriptionFailure f;
  auto r = parse_remote_description(type, sdp, {}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == reason);
  CHECK(std::string(f.reason) == reason);
  CHECK(f.media_index == index);
}
}  // namespace

TEST_CASE("Chromium 156 offer: three bundled sections, session-less ICE", "[pc][remote]") {
  auto r = parse_remote_description(SdpType::offer, read_sdp("chromium156-offer-audio-video-simulcast-datachannel.sdp"));
  REQUIRE(r.ok());
  REQUIRE(r->media.size() == 3);
  REQUIRE(r->bundle_groups.size() == 1);
  CHECK(r->bundle_groups[0].mids == std::vector<std::string>{"0", "1", "2"});
  CHECK(r->can_trickle());
  CHECK(r->session_id == "4179955370874432650");
  const auto& audio = r->media[0];
  CHECK(audio.kind == MediaKind::audio);
  CHECK(audio.mid == "0");
  CHECK(audio.ice_ufrag == "M+M4");
  CHECK(audio.ice_pwd == "Phrg/cak2kdodE2oyLPtmzj+");
  REQUIRE(audio.fingerprints.size() == 1);
  CHECK(audio.fingerprints[0].hash_function == "sha-256");
  CHECK(audio.setup == sdp::Setup::actpass);
  REQUIRE(audio.candidates.size() == 1);
  CHECK(audio.candidates[0].starts_with("candidate:3332213241 1 udp"));
  CHECK_FALSE(audio.end_of_candidates);
  CHECK(audio.rtcp_mux);
  CHECK(audio.rtcp_rsize);
  CHECK(audio.direction == RtpTransceiverDirection::sendrecv);
  REQUIRE(audio.codecs.size() == 8);
  CHECK(audio.codecs[0].name == "opus");
  CHECK(audio.codecs[0].payload_type == 111);
  CHECK(audio.codecs[0].channels == 2);
  CHECK(audio.codecs[0].fmtp == "minptime=10;useinbandfec=1");
  CHECK(audio.codecs[0].rtcp_fb == std::vector<std::string>{"transport-cc"});
  REQUIRE(audio.msid);
  CHECK(audio.msid->track_id == "bc413e33-008c-4323-bbc1-3e6b20d6739b");
  const auto& video = r->media[1];
  CHECK(video.kind == MediaKind::video);
  CHECK(video.codecs[0].name == "VP8");
  CHECK(video.codecs[0].rtcp_fb.size() == 5);
  const auto& app = r->media[2];
  CHECK(app.kind == MediaKind::application);
  CHECK(app.mid == "2");
  CHECK(app.sctp_port == 5000);
  CHECK(app.max_message_size == 262144u);
  CHECK(app.codecs.empty());
}

TEST_CASE("Firefox 153 offer: session-level fingerprint, end-of-candidates", "[pc][remote]") {
  auto r = parse_remote_description(SdpType::offer, read_sdp("firefox153-offer-audio-video-simulcast-datachannel.sdp"));
  REQUIRE(r.ok());
  REQUIRE(r->media.size() == 3);
  CHECK(r->session_trickle);
  for (const auto& m : r->media) {
    REQUIRE(m.fingerprints.size() == 1);  // inherited from the session level
    CHECK(m.fingerprints[0].value.starts_with("6A:01:31"));
    CHECK(m.ice_ufrag == "f082943c");
    CHECK(m.end_of_candidates);
  }
  CHECK(r->media[0].candidates.size() == 4);
  CHECK(r->media[2].max_message_size == 1073741823u);
  CHECK(r->media[0].codecs[1].name == "G722");
}

TEST_CASE("captured answers parse as answers (setup:active)", "[pc][remote]") {
  for (const char* name : {"chromium156-answer-datachannel.sdp", "firefox153-answer-datachannel.sdp"}) {
    auto r = parse_remote_description(SdpType::answer, read_sdp(name));
    REQUIRE(r.ok());
    REQUIRE(r->media.size() == 1);
    CHECK(r->media[0].setup == sdp::Setup::active);
    CHECK(r->media[0].mid == "0");
  }
}

TEST_CASE("WebRTC requirements are enforced with named reasons", "[pc][remote]") {
  REQUIRE(parse_remote_description(SdpType::offer, kOffer).ok());
  expect_refused(SdpType::offer, replace_all(kOffer, "a=ice-ufrag:abcd\r\n", ""), "missing a=ice-ufrag", 1);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=ice-pwd:0123456789012345678901\r\n", ""),
                 "missing a=ice-pwd", 1);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=fingerprint:sha-256 AA:BB\r\n", ""),
                 "missing a=fingerprint", 1);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=mid:1\r\n", ""), "missing a=mid (BUNDLE is used)", 2);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=mid:1\r\n", "a=mid:0\r\n"), "duplicate a=mid", 2);
  expect_refused(SdpType::offer, replace_all(kOffer, "BUNDLE 0 1", "BUNDLE 0 1 7"),
                 "BUNDLE group names a mid with no m= section", 0);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=ice-ufrag:abcd", "a=ice-ufrag:abc"), "bad a=ice-ufrag", 1);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=ice-pwd:0123456789012345678901", "a=ice-pwd:short"),
                 "bad a=ice-pwd", 1);
  expect_refused(SdpType::offer, replace_all(kOffer, "a=setup:actpass", "a=setup:holdconn"),
                 "a=setup:holdconn is not supported", 1);
  // RFC 8842 §5.3: an answer never says actpass.
  expect_refused(SdpType::answer, kOffer, "a=setup:actpass in an answer", 1);
  // One BUNDLE group, one DTLS role.
  std::string conflict = kOffer;
  conflict.replace(conflict.rfind("a=setup:actpass"), 15, "a=setup:passive");
  expect_refused(SdpType::offer, conflict, "a=setup differs within one BUNDLE group", 2);
  expect_refused(SdpType::offer, replace_all(kOffer, "UDP/DTLS/SCTP", "RTP/AVP"), "m=application is not DTLS/SCTP", 2);
  // An empty description (an offer made before anything was added) is fine.
  auto empty = parse_remote_description(SdpType::offer, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
  REQUIRE(empty.ok());
  CHECK(empty->media.empty());
}

TEST_CASE("syntax errors carry the parser's line", "[pc][remote]") {
  DescriptionFailure f;
  auto r = parse_remote_description(SdpType::offer, replace_all(kOffer, "m=audio 9", "m=audio x"), {}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::malformed);
  CHECK(f.detail.find("line 6") != std::string::npos);
  CHECK(f.to_string().starts_with("session: sdp does not parse"));
}

TEST_CASE("without BUNDLE a missing mid is generated from the index", "[pc][remote]") {
  std::string s = replace_all(replace_all(kOffer, "a=group:BUNDLE 0 1\r\n", ""), "a=mid:1\r\n", "");
  auto r = parse_remote_description(SdpType::offer, s);
  REQUIRE(r.ok());
  CHECK(r->media[1].mid == "1");
  CHECK(r->media[1].mid_generated);
}

TEST_CASE("bundle-only sections take the group's transport; rejected ones need none", "[pc][remote]") {
  // Second section: port 0 + bundle-only, no ICE/DTLS attributes of its own.
  std::string s = kOffer;
  size_t app = s.find("m=application");
  std::string tail = "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=bundle-only\r\na=mid:1\r\na=sctp-port:5000\r\n";
  s = s.substr(0, app) + tail;
  auto r = parse_remote_description(SdpType::offer, s);
  REQUIRE(r.ok());
  CHECK(r->media[1].bundle_only);
  CHECK_FALSE(r->media[1].rejected);
  CHECK(r->media[1].ice_ufrag == "abcd");
  CHECK(r->media[1].fingerprints.size() == 1);
  // The same without bundle-only is a rejected section: no checks apply.
  std::string rejected = replace_all(s, "a=bundle-only\r\n", "");
  rejected = replace_all(rejected, "BUNDLE 0 1", "BUNDLE 0");
  auto q = parse_remote_description(SdpType::offer, rejected);
  REQUIRE(q.ok());
  CHECK(q->media[1].rejected);
}

TEST_CASE("legacy DTLS/SCTP port format and defaults (RFC 8841)", "[pc][remote]") {
  std::string s = replace_all(kOffer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "m=application 9 DTLS/SCTP 5001");
  s = replace_all(s, "a=sctp-port:5000\r\n", "");
  auto r = parse_remote_description(SdpType::offer, s);
  REQUIRE(r.ok());
  CHECK(r->media[1].sctp_port == 5001);
  CHECK_FALSE(r->media[1].max_message_size);  // absent: RFC 8841 §6.1 default 64 KiB applies
}

TEST_CASE("candidates are bounded per section", "[pc][remote]") {
  std::string c;
  for (int i = 0; i < 10; ++i) c += "a=candidate:" + std::to_string(i) + " 1 udp 1 10.0.0.1 " + std::to_string(1000 + i) + " typ host\r\n";
  std::string s = replace_all(kOffer, "a=mid:0\r\n", "a=mid:0\r\n" + c + "a=end-of-candidates\r\n");
  RemoteDescriptionLimits lim;
  lim.max_candidates_per_section = 4;
  auto r = parse_remote_description(SdpType::offer, s, lim);
  REQUIRE(r.ok());
  CHECK(r->media[0].candidates.size() == 4);
  CHECK(r->media[0].candidates_dropped == 6);
  CHECK(r->media[0].end_of_candidates);
}

TEST_CASE("rollback has no description", "[pc][remote]") {
  CHECK_FALSE(parse_remote_description(SdpType::rollback, kOffer).ok());
}

TEST_CASE("a syntax error anywhere wins over a WebRTC rule broken before it", "[pc][remote]") {
  // Section 1 has a malformed fingerprint; the description is refused for it
  // only when the whole text is well-formed SDP.
  std::string bad_fp = replace_all(kOffer, "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=mid:0",
                                   "a=fingerprint:sha-256 ZZ\r\na=setup:actpass\r\na=mid:0");
  DescriptionFailure f;
  auto r = parse_remote_description(SdpType::offer, bad_fp, {}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(std::string(f.reason) == "bad a=fingerprint");
  CHECK(f.media_index == 1);
  CHECK(f.detail == "sha-256 ZZ");

  r = parse_remote_description(SdpType::offer, bad_fp + "x=1\r\n", {}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::malformed);
  CHECK(f.media_index == 0);
  CHECK(f.detail == "line 23: unknown line type: 'x=1'");
}

TEST_CASE("text limits are syntax errors with Errc::limit_exceeded", "[pc][remote]") {
  auto refused = [](RemoteDescriptionLimits lim) {
    DescriptionFailure f;
    auto r = parse_remote_description(SdpType::offer, kOffer, lim, &f);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::limit_exceeded);
    CHECK(std::string(f.reason) == "sdp does not parse");
    return f.detail;
  };
  RemoteDescriptionLimits lim;
  lim.sdp.max_size = 100;
  CHECK(refused(lim) == "SDP larger than the configured limit");
  lim = {};
  lim.sdp.max_lines = 5;
  CHECK(refused(lim) == "line 6: too many lines: 'm=audio 9 UDP/TLS/RTP/SAVPF 111'");
  lim = {};
  lim.sdp.max_line_length = 40;
  CHECK(refused(lim).starts_with("line 15: line too long: 'm=application"));
  lim = {};
  lim.sdp.max_media_sections = 1;
  CHECK(refused(lim) == "line 15: too many media sections: 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel'");
  lim = {};
  lim.sdp.max_attributes_per_section = 5;
  CHECK(refused(lim) == "line 13: too many attributes in a section: 'a=rtcp-mux'");
}
