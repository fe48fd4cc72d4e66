// pc::Jsep built without media (SANSRTC_NO_MEDIA, the core / datachannel /
// datachannel_turn profiles): no transceivers, and a remote offer's audio
// and video sections are answered as rejected. This executable compiles the
// JSEP sources itself with SANSRTC_NO_MEDIA=1 (the full-profile test build
// links the media version). The remote media offers are the captured
// Chromium and Firefox ones. RFC 8829 §5.3.1, RFC 8843 §7.3.3.
#include "pc/jsep.h"
#include "pc/remote_description.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#if !SANSRTC_NO_MEDIA
#error "this test is built with SANSRTC_NO_MEDIA=1"
#endif

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {
using S = SignalingState;
const Instant now = kTestEpoch;

struct Peer {
  explicit Peer(uint64_t seed, JsepConfig config = {}) : rng(seed), jsep(rng, std::move(config)) {
    jsep.set_local_fingerprints({{"sha-256", "AA:BB:CC:DD"}});
  }
  SeededRng rng;
  Jsep jsep;
};

std::string read_sdp(const char* name) {
  std::ifstream f(std::filesystem::path(SANSRTC_TEST_DATA) / "sdp" / name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* const kChromium = "chromium156-offer-audio-video-simulcast-datachannel.sdp";
const char* const kFirefox = "firefox153-offer-audio-video-simulcast-datachannel.sdp";

std::vector<S> signaling(Jsep& j) {
  std::vector<S> out;
  while (auto e = j.poll_event()) {
    if (e->type == JsepEvent::Type::signaling_state_change) out.push_back(e->state);
  }
  return out;
}

// The answer to a captured audio + video + data offer, checked line by line
// (JSEP §5.3.1: one m= section per offered one, in order; a rejected one has
// port 0 and keeps kind, proto, mid and the offered formats).
void check_media_rejected(const std::string& answer, const char* audio_formats) {
  auto parsed = parse_remote_description(SdpType::answer, answer);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->media.size() == 3);
  CHECK(parsed->media[0].rejected);
  CHECK(parsed->media[0].media == "audio");
  CHECK(parsed->media[0].proto == "UDP/TLS/RTP/SAVPF");
  CHECK(parsed->media[0].mid == "0");
  CHECK(parsed->media[1].rejected);
  CHECK(parsed->media[1].media == "video");
  CHECK(parsed->media[1].mid == "1");
  CHECK_FALSE(parsed->media[2].rejected);
  CHECK(parsed->media[2].mid == "2");
  CHECK(parsed->media[2].sctp_port == uint16_t(5000));
  REQUIRE(parsed->bundle_groups.size() == 1);
  CHECK(parsed->bundle_groups[0].mids == std::vector<std::string>{"2"});
  CHECK(answer.find(std::string("\r\nm=audio 0 UDP/TLS/RTP/SAVPF ") + audio_formats + "\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n") !=
        std::string::npos);
  CHECK(answer.find("a=rtpmap") == std::string::npos);
  CHECK(answer.find("a=rtcp-mux") == std::string::npos);
}
}  // namespace

TEST_CASE("no media: the transceiver calls are unsupported", "[pc][jsep][no_media]") {
  Peer a(1);
  auto t = a.jsep.add_transceiver(now, MediaKind::audio);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == Errc::unsupported);
  CHECK(a.jsep.set_direction(now, 1, RtpTransceiverDirection::recvonly).error().code == Errc::unsupported);
  CHECK(a.jsep.stop_transceiver(now, 1).error().code == Errc::unsupported);
  CHECK_FALSE(a.jsep.negotiation_needed());
  CHECK_FALSE(a.jsep.poll_event());
}

TEST_CASE("no media: a browser's audio + video + data offer gets media rejected", "[pc][jsep][no_media]") {
  struct Case {
    const char* file;
    const char* audio_formats;
  };
  for (Case c : {Case{kChromium, "111 63 9 0 8 13 110 126"}, Case{kFirefox, "109 9 0 8 101"}}) {
    INFO(c.file);
    Peer b(2);
    REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp(c.file)}).ok());
    // The transport is the section the answer will keep (RFC 8843 §7.3.3).
    auto p = b.jsep.transport_parameters();
    REQUIRE(p);
    CHECK(p->mid == "2");
    CHECK(p->m_line_index == 2);
    CHECK(p->has_data);
    auto answer = b.jsep.create_answer(now);
    REQUIRE(answer.ok());
    check_media_rejected(answer->sdp, c.audio_formats);
    REQUIRE(b.jsep.set_local_description(now, *answer).ok());
    CHECK(b.jsep.signaling_state() == S::stable);
    CHECK(b.jsep.data_section().mid == "2");
    CHECK(b.jsep.transport_parameters()->mid == "2");
    CHECK(b.jsep.local_dtls_role() == sdp::Setup::active);
    // Nothing left to negotiate: rejected media needs no new offer.
    CHECK_FALSE(b.jsep.negotiation_needed());
    CHECK(signaling(b.jsep) == std::vector<S>{S::have_remote_offer, S::stable});
    CHECK(b.jsep.is_consistent());

    // The same offer again (a renegotiation that changes nothing) is
    // accepted and answered the same way.
    REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp(c.file)}).ok());
    auto again = b.jsep.create_answer(now);
    REQUIRE(again.ok());
    check_media_rejected(again->sdp, c.audio_formats);
    REQUIRE(b.jsep.set_local_description(now, *again).ok());

    // Our own offer keeps the m-lines: media rejected, data live.
    REQUIRE(b.jsep.add_data_channel(now).ok());
    b.jsep.restart_ice(now);
    auto offer = b.jsep.create_offer(now);
    REQUIRE(offer.ok());
    auto reparsed = parse_remote_description(SdpType::offer, offer->sdp);
    REQUIRE(reparsed.ok());
    REQUIRE(reparsed->media.size() == 3);
    CHECK(reparsed->media[0].rejected);
    CHECK(reparsed->media[1].rejected);
    CHECK_FALSE(reparsed->media[2].rejected);
    CHECK(reparsed->bundle_groups[0].mids == std::vector<std::string>{"2"});
    REQUIRE(b.jsep.set_local_description(now, *offer).ok());
  }
}

TEST_CASE("no media: rollback of a media offer", "[pc][jsep][no_media]") {
  Peer b(2);
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kChromium)}).ok());
  CHECK(b.jsep.data_section().wanted);
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::rollback, ""}).ok());
  CHECK(b.jsep.signaling_state() == S::stable);
  CHECK_FALSE(b.jsep.data_section().wanted);
  CHECK_FALSE(b.jsep.data_section().mid);
  CHECK_FALSE(b.jsep.remote_description());
  CHECK_FALSE(b.jsep.transport_parameters());
  CHECK(signaling(b.jsep) == std::vector<S>{S::have_remote_offer, S::stable});
  // And it can be applied and answered afterwards.
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kChromium)}).ok());
  REQUIRE(b.jsep.set_local_description(now, {SdpType::answer, ""}).ok());
  check_media_rejected(b.jsep.local_description()->sdp, "111 63 9 0 8 13 110 126");
}

TEST_CASE("no media: glare with a media offer (implicit rollback)", "[pc][jsep][no_media]") {
  Peer a(1);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  REQUIRE(a.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  CHECK(a.jsep.signaling_state() == S::have_local_offer);
  // The browser's offer crosses ours: ours is rolled back, the browser's
  // answered with its data section (mid 2) accepted.
  REQUIRE(a.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kChromium)}).ok());
  CHECK(a.jsep.signaling_state() == S::have_remote_offer);
  REQUIRE(a.jsep.set_local_description(now, {SdpType::answer, ""}).ok());
  check_media_rejected(a.jsep.local_description()->sdp, "111 63 9 0 8 13 110 126");
  CHECK(signaling(a.jsep) == std::vector<S>{S::have_local_offer, S::stable, S::have_remote_offer, S::stable});
  CHECK(a.jsep.data_section().mid == "2");
  // The browser's offer carried a data section: nothing left to offer.
  CHECK_FALSE(a.jsep.negotiation_needed());

  // Explicit rollback works too.
  JsepConfig strict;
  strict.implicit_rollback = false;
  Peer c(3, strict);
  REQUIRE(c.jsep.add_data_channel(now).ok());
  REQUIRE(c.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  auto r = c.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kFirefox)});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_state);
  REQUIRE(c.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
  REQUIRE(c.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kFirefox)}).ok());
  REQUIRE(c.jsep.set_local_description(now, {SdpType::answer, ""}).ok());
  check_media_rejected(c.jsep.local_description()->sdp, "109 9 0 8 101");
}

TEST_CASE("no media: pranswer then answer to a media offer", "[pc][jsep][no_media]") {
  Peer b(2);
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp(kFirefox)}).ok());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(answer.ok());
  REQUIRE(b.jsep.set_local_description(now, {SdpType::pranswer, answer->sdp}).ok());
  CHECK(b.jsep.signaling_state() == S::have_local_pranswer);
  CHECK(b.jsep.transport_parameters()->mid == "2");
  CHECK(b.jsep.local_dtls_role() == sdp::Setup::active);
  auto final_answer = b.jsep.create_answer(now);
  REQUIRE(b.jsep.set_local_description(now, *final_answer).ok());
  check_media_rejected(final_answer->sdp, "109 9 0 8 101");
  CHECK(signaling(b.jsep) == std::vector<S>{S::have_remote_offer, S::have_local_pranswer, S::stable});
}

TEST_CASE("no media: two data-channel peers negotiate", "[pc][jsep][no_media]") {
  Peer a(1), b(2);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  CHECK(a.jsep.negotiation_needed());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(offer.ok());
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
  CHECK(a.jsep.signaling_state() == S::stable);
  CHECK(a.jsep.data_section().mid == "0");
  CHECK(b.jsep.data_section().mid == "0");
  CHECK_FALSE(a.jsep.negotiation_needed());
  auto pa = a.jsep.transport_parameters();
  REQUIRE(pa);
  CHECK(pa->has_data);
  CHECK(pa->ice_role == IceRole::controlling);
  CHECK(b.jsep.transport_parameters()->ice_role == IceRole::controlled);
}

TEST_CASE("no media: rtcp_mux_policy does not apply to sections we reject", "[pc][jsep][no_media]") {
  // With media, require refuses an RTP section without a=rtcp-mux; without
  // media that section is rejected anyway and no RTCP ever flows.
  std::string offer = read_sdp(kChromium);
  for (size_t p = offer.find("a=rtcp-mux\r\n"); p != std::string::npos; p = offer.find("a=rtcp-mux\r\n"))
    offer.erase(p, 12);
  Peer b(2);
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, offer}).ok());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(answer.ok());
  check_media_rejected(answer->sdp, "111 63 9 0 8 13 110 126");
}
