// JSEP offer/answer between two pc::Jsep instances, read as transcripts:
// "A offers, B answers". RFC 8829 §5, webrtc-pc §4.4.1 and §4.7.3.
#include "pc/jsep.h"
#include "sdp/attributes.h"
#include "sdp/session_description.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {
using D = RtpTransceiverDirection;
using S = SignalingState;
const Instant now = kTestEpoch;

const Codec kOpus{111, "opus", 48000, 2, "minptime=10;useinbandfec=1", {"transport-cc"}};
const Codec kVp8{96, "VP8", 90000, std::nullopt, "", {"nack", "nack pli", "transport-cc"}};

struct Peer {
  explicit Peer(uint64_t seed, JsepConfig config = {}, const char* fp = "AA:BB:CC:DD")
      : rng(seed), jsep(rng, std::move(config)) {
    jsep.set_local_fingerprints({{"sha-256", fp}});
  }
  SeededRng rng;
  Jsep jsep;
};

JsepConfig media_config() {
  JsepConfig c;
  c.audio_codecs = {kOpus};
  c.video_codecs = {kVp8};
  return c;
}

std::vector<JsepEvent> drain(Jsep& j) {
  std::vector<JsepEvent> out;
  while (auto e = j.poll_event()) out.push_back(*e);
  return out;
}
int count_nn(const std::vector<JsepEvent>& ev) {
  int n = 0;
  for (const auto& e : ev) n += e.type == JsepEvent::Type::negotiation_needed;
  return n;
}
std::vector<S> signaling(const std::vector<JsepEvent>& ev) {
  std::vector<S> out;
  for (const auto& e : ev) {
    if (e.type == JsepEvent::Type::signaling_state_change) out.push_back(e.state);
  }
  return out;
}

sdp::SessionDescription parse(const SessionDescriptionInit& d) {
  auto r = sdp::parse(d.sdp);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> mids(const SessionDescriptionInit& d) {
  std::vector<std::string> out;
  for (const auto& m : parse(d).media) out.emplace_back(m.attributes.get("mid").value_or(""));
  return out;
}

// A offers, B answers; both end in stable.
void negotiate(Jsep& a, Jsep& b) {
  auto offer = a.create_offer(now);
  REQUIRE(offer.ok());
  REQUIRE(a.set_local_description(now, *offer).ok());
  DescriptionFailure f;
  auto r = b.set_remote_description(now, *offer, &f);
  INFO(f.to_string());
  REQUIRE(r.ok());
  auto answer = b.create_answer(now);
  REQUIRE(answer.ok());
  REQUIRE(b.set_local_description(now, *answer).ok());
  auto r2 = a.set_remote_description(now, *answer, &f);
  INFO(f.to_string());
  REQUIRE(r2.ok());
  REQUIRE(a.signaling_state() == S::stable);
  REQUIRE(b.signaling_state() == S::stable);
}

std::string read_sdp(const char* name) {
  std::ifstream f(std::filesystem::path(SANSRTC_TEST_DATA) / "sdp" / name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}
}  // namespace

TEST_CASE("an offer, field by field (RFC 8829 §5.2.1)", "[pc][jsep]") {
  Peer a(1, media_config());
  a.jsep.add_local_candidate("candidate:1 1 udp 2122260223 192.168.1.5 46243 typ host");
  a.jsep.set_local_gathering_complete(true);
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(offer.ok());
  CHECK(offer->type == SdpType::offer);
  auto sd = parse(*offer);
  // o=- <random id below 2^62> 1 IN IP4 127.0.0.1
  CHECK(sd.origin.username == "-");
  CHECK(sd.origin.session_id.size() >= 10);
  CHECK(std::stoull(sd.origin.session_id) < (1ull << 62));
  CHECK(sd.origin.session_version == 1);
  CHECK(sd.attributes.get("group") == "BUNDLE 0 1");
  REQUIRE(sd.media.size() == 2);
  std::string ufrag, pwd;
  for (const auto& m : sd.media) {
    const auto& at = m.attributes;
    CHECK(m.port == 9);
    CHECK(m.connection == "IN IP4 0.0.0.0");
    CHECK(at.get("ice-ufrag")->size() == 8);
    CHECK(at.get("ice-pwd")->size() == 24);
    CHECK(at.get("ice-options") == "trickle");
    CHECK(at.get("fingerprint") == "sha-256 AA:BB:CC:DD");
    CHECK(at.get("setup") == "actpass");
    CHECK(at.all("candidate").size() == 1);
    CHECK(at.has("end-of-candidates"));
    if (ufrag.empty()) ufrag = std::string(*at.get("ice-ufrag"));
    CHECK(at.get("ice-ufrag") == ufrag);  // one transport for the bundle
  }
  CHECK(ufrag == a.jsep.local_ice_ufrag());
  const auto& audio = sd.media[0];
  CHECK(audio.media == "audio");
  CHECK(audio.proto == "UDP/TLS/RTP/SAVPF");
  CHECK(audio.formats == std::vector<std::string>{"111"});
  CHECK(audio.attributes.get("mid") == "0");
  CHECK(audio.attributes.has("sendrecv"));
  CHECK(audio.attributes.has("rtcp-mux"));
  CHECK(audio.attributes.has("rtcp-mux-only"));  // rtcp_mux_policy require
  CHECK(audio.attributes.has("rtcp-rsize"));
  CHECK(audio.attributes.get("rtpmap") == "111 opus/48000/2");
  CHECK(audio.attributes.get("fmtp") == "111 minptime=10;useinbandfec=1");
  CHECK(audio.attributes.get("rtcp-fb") == "111 transport-cc");
  const auto& app = sd.media[1];
  CHECK(app.media == "application");
  CHECK(app.proto == "UDP/DTLS/SCTP");
  CHECK(app.formats == std::vector<std::string>{"webrtc-datachannel"});
  CHECK(app.attributes.get("mid") == "1");
  CHECK(app.attributes.get("sctp-port") == "5000");
  CHECK(app.attributes.get("max-message-size") == "262144");
  CHECK_FALSE(app.attributes.has("rtcp-mux"));
  // Our own parser accepts it as a remote offer.
  CHECK(parse_remote_description(SdpType::offer, offer->sdp).ok());
  // Creating again bumps the version, keeps the session id.
  auto again = a.jsep.create_offer(now);
  REQUIRE(again.ok());
  CHECK(parse(*again).origin.session_version == 2);
  CHECK(parse(*again).origin.session_id == sd.origin.session_id);
  // Without gathering complete: no end-of-candidates.
  a.jsep.set_local_gathering_complete(false);
  CHECK_FALSE(parse(*a.jsep.create_offer(now)).media[0].attributes.has("end-of-candidates"));
}

TEST_CASE("an answer, field by field (RFC 8829 §5.3.1, RFC 8842)", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config(), "11:22:33:44");
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio, D::sendonly).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  // B has a recvonly transceiver made by the offer, and the data section.
  REQUIRE(b.jsep.transceivers().size() == 1);
  CHECK(b.jsep.transceivers()[0].direction == D::recvonly);
  CHECK(b.jsep.transceivers()[0].created_by_remote);
  CHECK(b.jsep.transceivers()[0].mid == "0");
  CHECK(b.jsep.data_section().mid == "1");
  auto answer = b.jsep.create_answer(now);
  REQUIRE(answer.ok());
  CHECK(answer->type == SdpType::answer);
  auto sd = parse(*answer);
  CHECK(sd.attributes.get("group") == "BUNDLE 0 1");
  REQUIRE(sd.media.size() == 2);
  CHECK(sd.media[0].attributes.get("setup") == "active");
  CHECK(sd.media[1].attributes.get("setup") == "active");
  CHECK(sd.media[0].attributes.get("fingerprint") == "sha-256 11:22:33:44");
  CHECK(sd.media[0].attributes.has("recvonly"));  // sendonly offered, recvonly wanted
  CHECK(sd.media[0].attributes.has("rtcp-mux"));
  CHECK_FALSE(sd.media[0].attributes.has("rtcp-mux-only"));  // never in answers
  CHECK(sd.media[0].formats == std::vector<std::string>{"111"});
  CHECK(sd.media[1].attributes.get("sctp-port") == "5000");
  CHECK(mids(*answer) == std::vector<std::string>{"0", "1"});
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
  // Current directions and DTLS roles.
  CHECK(a.jsep.transceivers()[0].current_direction == D::sendonly);
  CHECK(b.jsep.transceivers()[0].current_direction == D::recvonly);
  CHECK(a.jsep.local_dtls_role() == sdp::Setup::passive);  // DTLS server
  CHECK(b.jsep.local_dtls_role() == sdp::Setup::active);   // DTLS client
  CHECK(a.jsep.current_local_description() == *offer);
  CHECK(a.jsep.current_remote_description() == *answer);
  CHECK_FALSE(a.jsep.pending_local_description());
  CHECK_FALSE(b.jsep.pending_remote_description());
  REQUIRE(a.jsep.remote_info());
  CHECK(a.jsep.remote_info()->media[1].sctp_port == 5000);
  CHECK_FALSE(a.jsep.negotiation_needed());
  CHECK(a.jsep.is_consistent());
  CHECK(b.jsep.is_consistent());
}

TEST_CASE("answer directions intersect the offer's (RFC 3264 §6.1)", "[pc][jsep]") {
  CHECK(answer_direction(D::sendrecv, D::sendrecv) == D::sendrecv);
  CHECK(answer_direction(D::sendrecv, D::sendonly) == D::recvonly);
  CHECK(answer_direction(D::sendrecv, D::recvonly) == D::sendonly);
  CHECK(answer_direction(D::sendrecv, D::inactive) == D::inactive);
  CHECK(answer_direction(D::sendonly, D::sendonly) == D::inactive);
  CHECK(answer_direction(D::recvonly, D::recvonly) == D::inactive);
  CHECK(answer_direction(D::recvonly, D::sendrecv) == D::recvonly);
  CHECK(answer_direction(D::inactive, D::sendrecv) == D::inactive);
  CHECK(answer_direction(D::stopped, D::sendrecv) == D::inactive);
}

TEST_CASE("offerer setup active makes the answer passive", "[pc][jsep]") {
  Peer b(2);
  std::string chromium = read_sdp("chromium156-offer-audio-video-simulcast-datachannel.sdp");
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, replace_all(chromium, "a=setup:actpass", "a=setup:active")}).ok());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(answer.ok());
  CHECK(parse(*answer).media[2].attributes.get("setup") == "passive");
}

TEST_CASE("negotiationneeded fires once, only in stable, and again for deferred changes", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto ev = drain(a.jsep);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == JsepEvent::Type::negotiation_needed);
  // Another reason before negotiating: the flag is already set, no event.
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  CHECK(drain(a.jsep).empty());
  CHECK(a.jsep.negotiation_needed());

  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  // A change while have-local-offer: deferred.
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::video).ok());
  ev = drain(a.jsep);
  CHECK(signaling(ev) == std::vector<S>{S::have_local_offer});
  CHECK(count_nn(ev) == 0);
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
  // Back in stable: the video transceiver still needs negotiating → fires.
  ev = drain(a.jsep);
  CHECK(signaling(ev) == std::vector<S>{S::stable});
  CHECK(count_nn(ev) == 1);
  CHECK(ev.back().type == JsepEvent::Type::negotiation_needed);  // after signalingstatechange
  CHECK(count_nn(drain(b.jsep)) == 0);  // B's side needs nothing

  negotiate(a.jsep, b.jsep);
  CHECK(count_nn(drain(a.jsep)) == 0);  // completed: cleared, nothing fires
  CHECK_FALSE(a.jsep.negotiation_needed());

  // Changing a negotiated direction needs an offer; setting it back before
  // anyone reacted clears the need.
  uint32_t audio = a.jsep.transceivers()[0].id;
  REQUIRE(a.jsep.set_direction(now, audio, D::recvonly).ok());
  CHECK(a.jsep.negotiation_needed());
  REQUIRE(a.jsep.set_direction(now, audio, D::sendrecv).ok());
  CHECK_FALSE(a.jsep.negotiation_needed());
  CHECK(count_nn(drain(a.jsep)) == 0);  // the queued event saw the cleared flag

  // restart_ice needs negotiation; close ends all events.
  a.jsep.restart_ice(now);
  CHECK(a.jsep.negotiation_needed());
  a.jsep.close(now);
  CHECK(drain(a.jsep).empty());
}

TEST_CASE("rollback from have-local-offer restores the model", "[pc][jsep]") {
  Peer a(1, media_config());
  uint32_t t = *a.jsep.add_transceiver(now, MediaKind::audio);
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  CHECK(a.jsep.transceiver(t)->mid == "0");
  CHECK(a.jsep.pending_local_description() == *offer);
  drain(a.jsep);
  REQUIRE(a.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
  CHECK(a.jsep.signaling_state() == S::stable);
  CHECK_FALSE(a.jsep.transceiver(t)->mid);  // mid assigned by the offer is undone
  CHECK_FALSE(a.jsep.local_description());
  auto ev = drain(a.jsep);
  CHECK(signaling(ev) == std::vector<S>{S::stable});
  CHECK(count_nn(ev) == 1);  // still not negotiated: needed again
  // The next offer gets the same mid back.
  auto again = a.jsep.create_offer(now);
  CHECK(mids(*again) == std::vector<std::string>{"0"});
  // Rollback is illegal in stable.
  auto bad = a.jsep.set_local_description(now, {SdpType::rollback, ""});
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.error().message) == "set_local_description(rollback) in stable");
}

TEST_CASE("rollback from have-remote-offer removes what the offer created", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::video).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  CHECK(b.jsep.transceivers().size() == 1);
  CHECK(b.jsep.data_section().wanted);
  // B's application adds its own transceiver while the offer is pending.
  uint32_t mine = *b.jsep.add_transceiver(now, MediaKind::audio);
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::rollback, ""}).ok());
  CHECK(b.jsep.signaling_state() == S::stable);
  REQUIRE(b.jsep.transceivers().size() == 1);  // the offer's recvonly one is gone
  CHECK(b.jsep.transceivers()[0].id == mine);   // the app's one stays
  CHECK_FALSE(b.jsep.transceivers()[0].mid);
  CHECK_FALSE(b.jsep.data_section().wanted);
  CHECK_FALSE(b.jsep.remote_description());
  CHECK(b.jsep.remote_info() == nullptr);
  CHECK(signaling(drain(b.jsep)) == std::vector<S>{S::have_remote_offer, S::stable});
}

TEST_CASE("glare resolved by explicit rollback", "[pc][jsep]") {
  JsepConfig strict = media_config();
  strict.implicit_rollback = false;
  Peer a(1, strict), b(2, strict);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  REQUIRE(b.jsep.add_data_channel(now).ok());
  auto oa = a.jsep.create_offer(now);
  auto ob = b.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *oa).ok());
  REQUIRE(b.jsep.set_local_description(now, *ob).ok());
  // Both offers cross. A is the polite peer: its sRD fails, it rolls back.
  auto r = a.jsep.set_remote_description(now, *ob);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_state);
  CHECK(std::string(r.error().message) == "set_remote_description(offer) in have_local_offer");
  CHECK(a.jsep.signaling_state() == S::have_local_offer);
  REQUIRE(a.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
  REQUIRE(a.jsep.set_remote_description(now, *ob).ok());
  auto answer = a.jsep.create_answer(now);
  REQUIRE(a.jsep.set_local_description(now, *answer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *answer).ok());
  CHECK(signaling(drain(a.jsep)) ==
        std::vector<S>{S::have_local_offer, S::stable, S::have_remote_offer, S::stable});
  CHECK(a.jsep.data_section().mid == b.jsep.data_section().mid);
  CHECK_FALSE(a.jsep.negotiation_needed());  // B's offer carried the data section
}

TEST_CASE("glare resolved by implicit rollback (webrtc-pc perfect negotiation)", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(b.jsep.add_data_channel(now).ok());
  REQUIRE(a.jsep.set_local_description(now, {SdpType::offer, ""}).ok());  // implicit create
  REQUIRE(b.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  drain(a.jsep);
  REQUIRE(a.jsep.set_remote_description(now, *b.jsep.local_description()).ok());
  CHECK(a.jsep.signaling_state() == S::have_remote_offer);
  CHECK(signaling(drain(a.jsep)) == std::vector<S>{S::stable, S::have_remote_offer});
  REQUIRE(a.jsep.set_local_description(now, {SdpType::answer, ""}).ok());  // implicit answer
  REQUIRE(b.jsep.set_remote_description(now, *a.jsep.local_description()).ok());
  // A's audio transceiver was rolled back and still needs its own offer.
  auto ev = drain(a.jsep);
  CHECK(count_nn(ev) == 1);
  negotiate(a.jsep, b.jsep);
  CHECK(mids(*a.jsep.current_local_description()) == std::vector<std::string>{"0", "1"});
  CHECK(a.jsep.transceivers()[0].kind == MediaKind::audio);
  CHECK(a.jsep.transceivers()[0].mid == "1");
}

TEST_CASE("pranswer then answer", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  auto answer = b.jsep.create_answer(now);
  SessionDescriptionInit pranswer{SdpType::pranswer, answer->sdp};
  REQUIRE(b.jsep.set_local_description(now, pranswer).ok());
  CHECK(b.jsep.signaling_state() == S::have_local_pranswer);
  CHECK(b.jsep.pending_local_description() == pranswer);
  CHECK_FALSE(b.jsep.current_local_description());
  REQUIRE(a.jsep.set_remote_description(now, pranswer).ok());
  CHECK(a.jsep.signaling_state() == S::have_remote_pranswer);
  CHECK(a.jsep.pending_remote_description() == pranswer);
  // Rollback is not allowed once a pranswer is in place.
  CHECK_FALSE(a.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
  // The final answer.
  auto final_answer = b.jsep.create_answer(now);
  REQUIRE(b.jsep.set_local_description(now, *final_answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *final_answer).ok());
  CHECK(a.jsep.signaling_state() == S::stable);
  CHECK(b.jsep.signaling_state() == S::stable);
  CHECK(a.jsep.current_remote_description() == *final_answer);
  CHECK(b.jsep.current_remote_description() == *offer);
  CHECK_FALSE(a.jsep.pending_remote_description());
  CHECK(signaling(drain(a.jsep)) == std::vector<S>{S::have_local_offer, S::have_remote_pranswer, S::stable});
  CHECK(signaling(drain(b.jsep)) == std::vector<S>{S::have_remote_offer, S::have_local_pranswer, S::stable});
}

TEST_CASE("renegotiation: a data channel added later", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  negotiate(a.jsep, b.jsep);
  drain(a.jsep);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  CHECK(count_nn(drain(a.jsep)) == 1);
  negotiate(a.jsep, b.jsep);
  CHECK(mids(*a.jsep.current_local_description()) == std::vector<std::string>{"0", "1"});
  CHECK(mids(*b.jsep.current_local_description()) == std::vector<std::string>{"0", "1"});
  auto sd = parse(*b.jsep.current_local_description());
  CHECK(sd.media[1].media == "application");
  CHECK(sd.media[1].port == 9);
  CHECK(sd.attributes.get("group") == "BUNDLE 0 1");
  CHECK(b.jsep.data_section().mid == "1");
  CHECK(parse(*a.jsep.current_local_description()).origin.session_version == 2);
  CHECK_FALSE(a.jsep.negotiation_needed());
}

TEST_CASE("renegotiation: a transceiver added later keeps the m-line order", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  negotiate(a.jsep, b.jsep);
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::video).ok());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  negotiate(a.jsep, b.jsep);
  auto sd = parse(*a.jsep.current_local_description());
  REQUIRE(sd.media.size() == 3);
  CHECK(sd.media[0].media == "application");
  CHECK(sd.media[1].media == "video");
  CHECK(sd.media[2].media == "audio");
  CHECK(mids(*a.jsep.current_local_description()) == std::vector<std::string>{"0", "1", "2"});
  // B offers next: same order, B's side keeps the mids.
  negotiate(b.jsep, a.jsep);
  CHECK(mids(*b.jsep.current_local_description()) == std::vector<std::string>{"0", "1", "2"});
  CHECK(b.jsep.transceivers().size() == 2);
}

TEST_CASE("a stopped transceiver's m-line is rejected, then recycled (JSEP §5.2.2)", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  uint32_t video = *a.jsep.add_transceiver(now, MediaKind::video);
  negotiate(a.jsep, b.jsep);
  drain(a.jsep);
  REQUIRE(a.jsep.stop_transceiver(now, video).ok());
  CHECK(a.jsep.transceiver(video)->stopping);
  CHECK(count_nn(drain(a.jsep)) == 1);
  auto offer = a.jsep.create_offer(now);
  auto sd = parse(*offer);
  CHECK(sd.media[1].port == 0);
  CHECK(sd.attributes.get("group") == "BUNDLE 0");
  negotiate(a.jsep, b.jsep);
  // Stopped and rejected: removed from both sides' transceiver lists.
  CHECK(a.jsep.transceiver(video) == nullptr);
  CHECK(a.jsep.transceivers().size() == 1);
  CHECK(b.jsep.transceivers().size() == 1);
  CHECK_FALSE(a.jsep.negotiation_needed());
  // A new transceiver takes the rejected m-line with a fresh mid.
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  negotiate(a.jsep, b.jsep);
  auto again = parse(*a.jsep.current_local_description());
  REQUIRE(again.media.size() == 2);
  CHECK(again.media[1].media == "audio");
  CHECK(again.media[1].port == 9);
  CHECK(again.media[1].attributes.get("mid") == "2");
  CHECK(a.jsep.is_consistent());
  CHECK(b.jsep.is_consistent());
}

TEST_CASE("a subsequent remote offer may not reorder or drop m-lines", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  negotiate(a.jsep, b.jsep);
  auto offer = a.jsep.create_offer(now);
  // Swap the mids (and the BUNDLE group) to mimic reordered sections.
  std::string swapped = replace_all(offer->sdp, "a=mid:0", "a=mid:X");
  swapped = replace_all(swapped, "a=mid:1", "a=mid:0");
  swapped = replace_all(swapped, "a=mid:X", "a=mid:1");
  swapped = replace_all(swapped, "BUNDLE 0 1", "BUNDLE 1 0");
  DescriptionFailure f;
  auto r = b.jsep.set_remote_description(now, {SdpType::offer, swapped}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "remote offer changed the mid or order of an m= section");
  CHECK(f.media_index == 1);
  CHECK(b.jsep.signaling_state() == S::stable);  // nothing applied
  // Dropping the application section.
  std::string dropped = offer->sdp.substr(0, offer->sdp.find("m=application"));
  dropped = replace_all(dropped, "BUNDLE 0 1", "BUNDLE 0");
  r = b.jsep.set_remote_description(now, {SdpType::offer, dropped}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "remote offer has fewer m= sections than the current negotiation");
  // The honest offer still works.
  CHECK(b.jsep.set_remote_description(now, *offer).ok());
}

TEST_CASE("a remote answer must mirror our offer", "[pc][jsep]") {
  Peer a(1, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  REQUIRE(a.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  DescriptionFailure f;
  auto r = a.jsep.set_remote_description(now, {SdpType::answer, read_sdp("chromium156-answer-datachannel.sdp")}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "remote answer does not have the offer's number of m= sections");
  CHECK(a.jsep.signaling_state() == S::have_local_offer);
  // A data-only offer answered by Chromium's capture (mid 0) is accepted.
  Peer c(3);
  REQUIRE(c.jsep.add_data_channel(now).ok());
  REQUIRE(c.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  REQUIRE(c.jsep.set_remote_description(now, {SdpType::answer, read_sdp("chromium156-answer-datachannel.sdp")}).ok());
  CHECK(c.jsep.local_dtls_role() == sdp::Setup::passive);
  CHECK(c.jsep.remote_info()->media[0].ice_ufrag == "W4Yj");
}

TEST_CASE("answering the captured Chromium and Firefox offers", "[pc][jsep]") {
  struct Case {
    const char* file;
    uint8_t opus_pt;
    uint8_t vp8_pt;
  };
  for (Case c : {Case{"chromium156-offer-audio-video-simulcast-datachannel.sdp", 111, 96},
                 Case{"firefox153-offer-audio-video-simulcast-datachannel.sdp", 109, 120}}) {
    INFO(c.file);
    std::string offer = read_sdp(c.file);
    SECTION("data only: media sections rejected") {
      Peer b(7);
      DescriptionFailure f;
      auto r = b.jsep.set_remote_description(now, {SdpType::offer, offer}, &f);
      INFO(f.to_string());
      REQUIRE(r.ok());
      CHECK(b.jsep.remote_info()->can_trickle());
      auto answer = b.jsep.create_answer(now);
      REQUIRE(answer.ok());
      auto parsed = parse_remote_description(SdpType::answer, answer->sdp);
      REQUIRE(parsed.ok());
      REQUIRE(parsed->media.size() == 3);
      CHECK(parsed->media[0].mid == "0");
      CHECK(parsed->media[0].rejected);
      CHECK(parsed->media[1].rejected);
      CHECK(parsed->media[2].mid == "2");
      CHECK_FALSE(parsed->media[2].rejected);
      CHECK(parsed->media[2].setup == sdp::Setup::active);
      CHECK(parsed->media[2].sctp_port == 5000);
      CHECK(parsed->media[2].max_message_size == 262144u);
      REQUIRE(parsed->bundle_groups.size() == 1);
      CHECK(parsed->bundle_groups[0].mids == std::vector<std::string>{"2"});
      auto tree = sdp::parse(answer->sdp);  // the info keeps no parsed tree
      REQUIRE(tree.ok());
      CHECK(sdp::validate_attributes(tree.value()).ok());
      REQUIRE(b.jsep.set_local_description(now, *answer).ok());
      CHECK(b.jsep.signaling_state() == S::stable);
      CHECK(b.jsep.data_section().mid == "2");
      CHECK(b.jsep.transceivers().empty());  // rejected sections stop, then go
    }
    SECTION("with opus and VP8: every section accepted") {
      Peer b(7, media_config());
      REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, offer}).ok());
      auto answer = b.jsep.create_answer(now);
      REQUIRE(answer.ok());
      auto parsed = parse_remote_description(SdpType::answer, answer->sdp);
      REQUIRE(parsed.ok());
      REQUIRE(parsed->media.size() == 3);
      CHECK(parsed->bundle_groups[0].mids == std::vector<std::string>{"0", "1", "2"});
      for (const auto& m : parsed->media) {
        CHECK_FALSE(m.rejected);
        CHECK(m.setup == sdp::Setup::active);
      }
      REQUIRE(parsed->media[0].codecs.size() == 1);
      CHECK(parsed->media[0].codecs[0].payload_type == c.opus_pt);  // the offerer's PT
      CHECK(parsed->media[0].direction == D::recvonly);              // sendrecv offered, recvonly wanted
      REQUIRE(parsed->media[1].codecs.size() == 1);
      CHECK(parsed->media[1].codecs[0].payload_type == c.vp8_pt);
      CHECK(parsed->media[0].rtcp_mux);
      REQUIRE(b.jsep.set_local_description(now, *answer).ok());
      CHECK(b.jsep.transceivers().size() == 2);
      CHECK(b.jsep.transceivers()[0].current_direction == D::recvonly);
      CHECK_FALSE(b.jsep.transceivers()[0].receiver.track_id.empty());
    }
  }
}

TEST_CASE("ICE restart: new credentials in the next offer, kept only when applied", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  negotiate(a.jsep, b.jsep);
  std::string old_ufrag = a.jsep.local_ice_ufrag();
  std::string old_pwd = a.jsep.local_ice_pwd();
  drain(a.jsep);
  a.jsep.restart_ice(now);
  CHECK(count_nn(drain(a.jsep)) == 1);
  auto offer = a.jsep.create_offer(now);
  auto offer_sd = parse(*offer);
  auto ufrag = offer_sd.media[0].attributes.get("ice-ufrag");
  CHECK(*ufrag != old_ufrag);
  CHECK(a.jsep.local_ice_ufrag() == old_ufrag);  // not applied yet
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  CHECK(a.jsep.local_ice_ufrag() == *ufrag);
  CHECK(a.jsep.local_ice_pwd() != old_pwd);
  // Rolled back: the old credentials return.
  REQUIRE(a.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
  CHECK(a.jsep.local_ice_ufrag() == old_ufrag);
  // OfferOptions::ice_restart does the same without restart_ice().
  auto o2 = a.jsep.create_offer(now, OfferOptions{true});
  CHECK(parse(*o2).media[0].attributes.get("ice-ufrag") != old_ufrag);
}

TEST_CASE("max-bundle: later sections are bundle-only (JSEP §5.2.1)", "[pc][jsep]") {
  JsepConfig c = media_config();
  c.bundle_policy = BundlePolicy::max_bundle;
  Peer a(1, c), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  auto sd = parse(*offer);
  CHECK(sd.media[0].port == 9);
  CHECK(sd.media[1].port == 0);
  CHECK(sd.media[1].attributes.has("bundle-only"));
  CHECK_FALSE(sd.media[1].attributes.has("ice-ufrag"));
  CHECK(sd.attributes.get("group") == "BUNDLE 0 1");
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  CHECK(b.jsep.remote_info()->media[1].ice_ufrag == a.jsep.local_ice_ufrag());
  auto answer = b.jsep.create_answer(now);
  CHECK(parse(*answer).media[1].port == 9);  // the answerer accepts into the bundle
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
}

TEST_CASE("rtcp_mux_policy: require refuses a section without rtcp-mux, negotiate accepts", "[pc][jsep]") {
  std::string offer = replace_all(read_sdp("chromium156-offer-audio-video-simulcast-datachannel.sdp"), "a=rtcp-mux\r\n", "");
  Peer req(1, media_config());
  DescriptionFailure f;
  auto r = req.jsep.set_remote_description(now, {SdpType::offer, offer}, &f);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "m= section lacks a=rtcp-mux (rtcp_mux_policy require)");
  CHECK(f.media_index == 1);
  JsepConfig c = media_config();
  c.rtcp_mux_policy = RtcpMuxPolicy::negotiate;
  Peer neg(2, c);
  CHECK(neg.jsep.set_remote_description(now, {SdpType::offer, offer}).ok());
  REQUIRE(neg.jsep.add_transceiver(now, MediaKind::audio).ok());
  Peer off(3, c);
  REQUIRE(off.jsep.add_transceiver(now, MediaKind::audio).ok());
  auto o = off.jsep.create_offer(now);
  CHECK(parse(*o).media[0].attributes.has("rtcp-mux"));
  CHECK_FALSE(parse(*o).media[0].attributes.has("rtcp-mux-only"));
}

TEST_CASE("API misuse errors", "[pc][jsep]") {
  Peer a(1, media_config());
  auto ans = a.jsep.create_answer(now);
  REQUIRE_FALSE(ans.ok());
  CHECK(ans.error().code == Errc::invalid_state);
  // Local answer in stable.
  auto sla = a.jsep.set_local_description(now, {SdpType::answer, "v=0"});
  REQUIRE_FALSE(sla.ok());
  CHECK(std::string(sla.error().message) == "set_local_description(answer) in stable");
  // Remote answer in stable.
  auto sra = a.jsep.set_remote_description(now, {SdpType::answer, read_sdp("chromium156-answer-datachannel.sdp")});
  REQUIRE_FALSE(sra.ok());
  CHECK(std::string(sra.error().message) == "set_remote_description(answer) in stable");
  // Munged SDP.
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  auto munged = a.jsep.set_local_description(now, {SdpType::offer, offer->sdp + "a=x-munged\r\n"});
  REQUIRE_FALSE(munged.ok());
  CHECK(munged.error().code == Errc::invalid_argument);
  // The plan keeps a digest of its text, not a copy: a munge that keeps the
  // length (one character changed) is refused too.
  std::string same_length = offer->sdp;
  same_length[same_length.find("a=mid:") + 6] ^= 1;
  auto munged2 = a.jsep.set_local_description(now, {SdpType::offer, same_length});
  REQUIRE_FALSE(munged2.ok());
  CHECK(munged2.error().code == Errc::invalid_argument);
  // Transceiver errors.
  CHECK(a.jsep.add_transceiver(now, MediaKind::application).error().code == Errc::invalid_argument);
  CHECK(a.jsep.add_transceiver(now, MediaKind::audio, D::stopped).error().code == Errc::invalid_argument);
  CHECK(a.jsep.set_direction(now, 999, D::sendonly).error().code == Errc::not_found);
  uint32_t t = *a.jsep.add_transceiver(now, MediaKind::audio);
  REQUIRE(a.jsep.stop_transceiver(now, t).ok());
  CHECK(a.jsep.transceiver(t)->stopped);  // never associated: stopped at once
  CHECK(a.jsep.set_direction(now, t, D::sendonly).error().code == Errc::invalid_state);
  // Malformed remote SDP.
  DescriptionFailure f;
  auto bad = a.jsep.set_remote_description(now, {SdpType::offer, "garbage"}, &f);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::malformed);
  // Remote offer in have-local-offer is only illegal without implicit rollback;
  // remote pranswer in have-remote-offer always is.
  Peer b(2);
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  auto pr = b.jsep.set_remote_description(now, {SdpType::pranswer, offer->sdp});
  REQUIRE_FALSE(pr.ok());
  CHECK(std::string(pr.error().message) == "set_remote_description(pranswer) in have_remote_offer");
  CHECK(b.jsep.create_offer(now).error().code == Errc::invalid_state);
  // After close everything fails.
  a.jsep.close(now);
  CHECK(a.jsep.signaling_state() == S::closed);
  auto closed = a.jsep.set_local_description(now, {SdpType::offer, ""});
  REQUIRE_FALSE(closed.ok());
  CHECK(std::string(closed.error().message) == "set_local_description(offer) in closed");
  CHECK(a.jsep.create_offer(now).error().code == Errc::closed);
  CHECK(a.jsep.add_data_channel(now).error().code == Errc::closed);
}

TEST_CASE("the implicit set_local_description picks offer or answer", "[pc][jsep]") {
  Peer a(1), b(2);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  REQUIRE(a.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  CHECK(a.jsep.local_description()->type == SdpType::offer);
  REQUIRE(b.jsep.set_remote_description(now, *a.jsep.local_description()).ok());
  REQUIRE(b.jsep.set_local_description(now, {SdpType::answer, ""}).ok());
  CHECK(b.jsep.local_description()->type == SdpType::answer);
  CHECK(b.jsep.signaling_state() == S::stable);
  REQUIRE(a.jsep.set_remote_description(now, *b.jsep.local_description()).ok());
  CHECK(a.jsep.signaling_state() == S::stable);
  // In have-remote-pranswer the implicit offer is as illegal as an explicit one.
  Peer c(3), d(4);
  REQUIRE(c.jsep.add_data_channel(now).ok());
  REQUIRE(c.jsep.set_local_description(now, {SdpType::offer, ""}).ok());
  REQUIRE(d.jsep.set_remote_description(now, *c.jsep.local_description()).ok());
  REQUIRE(d.jsep.set_local_description(now, {SdpType::pranswer, ""}).ok());
  CHECK(d.jsep.signaling_state() == S::have_local_pranswer);
  REQUIRE(c.jsep.set_remote_description(now, *d.jsep.local_description()).ok());
  auto r = c.jsep.set_local_description(now, {SdpType::offer, ""});
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().message) == "set_local_description(offer) in have_remote_pranswer");
}

// Random renegotiation: both sides add, stop and redirect transceivers, add
// data channels and restart ICE, and either side offers. After every
// completed negotiation both sides agree on the m-lines, every change is
// negotiated, and nothing is left needing negotiation.
TEST_CASE("random renegotiation sequences stay consistent", "[pc][jsep]") {
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    INFO("seed " << seed);
    SeededRng dice(seed);
    Peer a(seed * 2, media_config()), b(seed * 2 + 1, media_config());
    size_t last_mlines = 0;
    for (int op = 0; op < 25; ++op) {
      Peer& p = dice.uniform(2) ? a : b;
      Peer& other = &p == &a ? b : a;
      switch (dice.uniform(8)) {
        case 6: {
          // Glare: both offer; `other` takes p's offer (implicit rollback).
          auto op1 = p.jsep.create_offer(now);
          auto op2 = other.jsep.create_offer(now);
          REQUIRE(p.jsep.set_local_description(now, *op1).ok());
          REQUIRE(other.jsep.set_local_description(now, *op2).ok());
          REQUIRE(other.jsep.set_remote_description(now, *op1).ok());
          REQUIRE(other.jsep.set_local_description(now, {SdpType::answer, ""}).ok());
          REQUIRE(p.jsep.set_remote_description(now, *other.jsep.local_description()).ok());
          REQUIRE(a.jsep.is_consistent());
          REQUIRE(b.jsep.is_consistent());
          CHECK(mids(*a.jsep.current_local_description()) == mids(*b.jsep.current_local_description()));
          break;
        }
        case 7: {
          // An offer made and taken back, on either side.
          auto o = p.jsep.create_offer(now);
          REQUIRE(p.jsep.set_local_description(now, *o).ok());
          if (dice.uniform(2)) {
            REQUIRE(other.jsep.set_remote_description(now, *o).ok());
            REQUIRE(other.jsep.set_remote_description(now, {SdpType::rollback, ""}).ok());
          }
          REQUIRE(p.jsep.set_local_description(now, {SdpType::rollback, ""}).ok());
          REQUIRE(p.jsep.is_consistent());
          REQUIRE(other.jsep.is_consistent());
          break;
        }
        case 0: {
          // One draw per statement: argument evaluation order is unspecified
          // and the sequence must be the same with every compiler.
          MediaKind kind = dice.uniform(2) ? MediaKind::audio : MediaKind::video;
          D dir = static_cast<D>(dice.uniform(4));
          (void)p.jsep.add_transceiver(now, kind, dir);
          break;
        }
        case 1:
          if (!p.jsep.transceivers().empty()) {
            const auto& t = p.jsep.transceivers()[dice.uniform(p.jsep.transceivers().size())];
            (void)p.jsep.stop_transceiver(now, t.id);
          }
          break;
        case 2:
          if (!p.jsep.transceivers().empty()) {
            const auto& t = p.jsep.transceivers()[dice.uniform(p.jsep.transceivers().size())];
            D dir = static_cast<D>(dice.uniform(4));
            (void)p.jsep.set_direction(now, t.id, dir);
          }
          break;
        case 3: REQUIRE(p.jsep.add_data_channel(now).ok()); break;
        case 4: p.jsep.restart_ice(now); break;
        case 5: {
          Peer& q = &p == &a ? b : a;
          negotiate(p.jsep, q.jsep);
          REQUIRE(a.jsep.is_consistent());
          REQUIRE(b.jsep.is_consistent());
          auto ma = mids(*a.jsep.current_local_description());
          CHECK(ma == mids(*b.jsep.current_local_description()));
          CHECK(ma == mids(*a.jsep.current_remote_description()));
          CHECK(ma.size() >= last_mlines);  // m-lines are never removed
          last_mlines = ma.size();
          // The offerer's changes are all in; it needs nothing more.
          CHECK_FALSE(p.jsep.negotiation_needed());
          // Current directions agree: my send is your receive.
          for (const auto& t : p.jsep.transceivers()) {
            if (!t.mid || t.stopped) continue;
            for (const auto& u : q.jsep.transceivers()) {
              if (u.mid == t.mid && !u.stopped) {
                REQUIRE(t.current_direction);
                REQUIRE(u.current_direction);
                CHECK(*t.current_direction == reverse_direction(*u.current_direction));
              }
            }
          }
          break;
        }
      }
      drain(a.jsep);
      drain(b.jsep);
    }
  }
}

TEST_CASE("a remote ICE restart gets new credentials in our answer", "[pc][jsep]") {
  Peer a(1), b(2);
  REQUIRE(a.jsep.add_data_channel(now).ok());
  negotiate(a.jsep, b.jsep);
  std::string b_ufrag = b.jsep.local_ice_ufrag();
  // A re-offers without restart: B keeps its credentials.
  negotiate(a.jsep, b.jsep);
  CHECK(b.jsep.local_ice_ufrag() == b_ufrag);
  // A restarts ICE.
  a.jsep.restart_ice(now);
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  CHECK(b.jsep.remote_ice_restart());
  auto answer = b.jsep.create_answer(now);
  auto answer_sd = parse(*answer);
  auto ufrag = answer_sd.media[0].attributes.get("ice-ufrag");
  CHECK(*ufrag != b_ufrag);
  CHECK(b.jsep.local_ice_ufrag() == b_ufrag);  // until the answer is applied
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  CHECK(b.jsep.local_ice_ufrag() == *ufrag);
  CHECK_FALSE(b.jsep.remote_ice_restart());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
  CHECK(a.jsep.remote_info()->media[0].ice_ufrag == *ufrag);
}

TEST_CASE("add_remote_candidate follows webrtc-pc addIceCandidate", "[pc][jsep]") {
  Peer b(2);
  IceCandidateInit c{"candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host", std::string("2"), std::nullopt, std::nullopt};
  auto none = b.jsep.add_remote_candidate(now, c);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == Errc::invalid_state);  // no remote description yet
  REQUIRE(b.jsep.set_remote_description(now, {SdpType::offer, read_sdp("chromium156-offer-audio-video-simulcast-datachannel.sdp")}).ok());
  auto r = b.jsep.add_remote_candidate(now, c);
  REQUIRE(r.ok());
  CHECK(r->m_line_index == 2);
  CHECK(r->mid == "2");
  CHECK(r->ice_ufrag == "M+M4");
  CHECK(b.jsep.remote_info()->media[2].candidates.size() == 2);
  // By m-line index, with the "a=" prefix some signalling keeps.
  IceCandidateInit by_index{"a=candidate:2 1 udp 1 10.0.0.2 5001 typ host", std::nullopt, uint16_t(0), std::string("M+M4")};
  REQUIRE(b.jsep.add_remote_candidate(now, by_index).ok());
  CHECK(b.jsep.remote_info()->media[0].candidates.back() == "candidate:2 1 udp 1 10.0.0.2 5001 typ host");
  // Errors in W3C order.
  CHECK(b.jsep.add_remote_candidate(now, {"candidate:x", std::nullopt, std::nullopt, std::nullopt}).error().code ==
        Errc::invalid_argument);
  CHECK(b.jsep.add_remote_candidate(now, {"candidate:x", std::string("9"), std::nullopt, std::nullopt}).error().code ==
        Errc::not_found);
  CHECK(b.jsep.add_remote_candidate(now, {"candidate:x", std::nullopt, uint16_t(3), std::nullopt}).error().code ==
        Errc::not_found);
  CHECK(b.jsep.add_remote_candidate(now, {"candidate:x", std::string("0"), std::nullopt, std::string("old")}).error().code ==
        Errc::not_found);
  CHECK(b.jsep.add_remote_candidate(now, {"bogus", std::string("0"), std::nullopt, std::nullopt}).error().code ==
        Errc::invalid_argument);
  // End of candidates: one section, then all.
  auto eoc = b.jsep.add_remote_candidate(now, {"", std::string("1"), std::nullopt, std::nullopt});
  REQUIRE(eoc.ok());
  CHECK(eoc->end_of_candidates);
  CHECK(b.jsep.remote_info()->media[1].end_of_candidates);
  CHECK_FALSE(b.jsep.remote_info()->media[0].end_of_candidates);
  REQUIRE(b.jsep.add_remote_candidate(now, {"", std::nullopt, std::nullopt, std::nullopt}).ok());
  CHECK(b.jsep.remote_info()->media[0].end_of_candidates);
}

TEST_CASE("transport parameters for the layers below", "[pc][jsep]") {
  Peer a(1), b(2, {}, "11:22");
  CHECK_FALSE(a.jsep.transport_parameters());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  // B, before answering: controlled, DTLS role not fixed yet.
  auto pb = b.jsep.transport_parameters();
  REQUIRE(pb);
  CHECK(pb->ice_role == IceRole::controlled);
  CHECK_FALSE(pb->local_dtls_role);
  CHECK(pb->remote_ice_ufrag == a.jsep.local_ice_ufrag());
  CHECK(pb->remote_ice_pwd == a.jsep.local_ice_pwd());
  REQUIRE(pb->remote_fingerprints.size() == 1);
  CHECK(pb->remote_fingerprints[0].value == "AA:BB:CC:DD");
  CHECK(pb->remote_trickle);
  CHECK(pb->has_data);
  CHECK(pb->remote_max_message_size == 262144u);
  auto answer = b.jsep.create_answer(now);
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *answer).ok());
  auto pa = a.jsep.transport_parameters();
  pb = b.jsep.transport_parameters();
  REQUIRE(pa);
  REQUIRE(pb);
  CHECK(pa->ice_role == IceRole::controlling);
  CHECK(pb->ice_role == IceRole::controlled);
  CHECK(pa->local_dtls_role == sdp::Setup::passive);  // A is the DTLS server
  CHECK(pb->local_dtls_role == sdp::Setup::active);
  CHECK(pa->remote_fingerprints[0].value == "11:22");
  CHECK(pa->mid == "0");
  // Roles survive B offering next.
  negotiate(b.jsep, a.jsep);
  CHECK(a.jsep.transport_parameters()->ice_role == IceRole::controlling);
  CHECK(b.jsep.transport_parameters()->ice_role == IceRole::controlled);
  // Firefox's offer: max-message-size and session-level fingerprint.
  // C has no codecs: its answer will reject audio (mid 0) and video (mid 1),
  // so the transport is the first section of the group the answer keeps
  // (RFC 8843 §7.3.3), before and after answering.
  Peer c(3);
  REQUIRE(c.jsep.set_remote_description(now, {SdpType::offer, read_sdp("firefox153-offer-audio-video-simulcast-datachannel.sdp")}).ok());
  auto pc = c.jsep.transport_parameters();
  REQUIRE(pc);
  CHECK(pc->mid == "2");
  CHECK(pc->m_line_index == 2);
  CHECK(pc->remote_end_of_candidates);
  CHECK(pc->remote_candidates.size() == 2);  // the application section's own
  CHECK(pc->remote_max_message_size == 1073741823u);
  auto c_answer = c.jsep.create_answer(now);
  REQUIRE(c.jsep.set_local_description(now, *c_answer).ok());
  CHECK(c.jsep.transport_parameters()->mid == "2");
  // D takes audio and video: the BUNDLE transport is the group's first section.
  Peer d(4, media_config());
  REQUIRE(d.jsep.set_remote_description(now, {SdpType::offer, read_sdp("firefox153-offer-audio-video-simulcast-datachannel.sdp")}).ok());
  auto pd = d.jsep.transport_parameters();
  REQUIRE(pd);
  CHECK(pd->mid == "0");
  CHECK(pd->remote_candidates.size() == 4);
  CHECK(pd->has_data);
  auto d_answer = d.jsep.create_answer(now);
  REQUIRE(d.jsep.set_local_description(now, *d_answer).ok());
  CHECK(d.jsep.transport_parameters()->mid == "0");
}

TEST_CASE("a second remote offer in have-remote-offer replaces the first", "[pc][jsep]") {
  Peer a(1, media_config()), c(3), b(2, media_config());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::audio).ok());
  REQUIRE(a.jsep.add_transceiver(now, MediaKind::video).ok());
  auto first = a.jsep.create_offer(now);
  REQUIRE(c.jsep.add_data_channel(now).ok());
  auto second = c.jsep.create_offer(now);
  REQUIRE(b.jsep.set_remote_description(now, *first).ok());
  CHECK(b.jsep.transceivers().size() == 2);
  REQUIRE(b.jsep.set_remote_description(now, *second).ok());
  CHECK(b.jsep.signaling_state() == S::have_remote_offer);
  CHECK(b.jsep.transceivers().empty());  // made by the first offer: gone
  CHECK(b.jsep.data_section().mid == "0");
  CHECK(b.jsep.is_consistent());
  auto answer = b.jsep.create_answer(now);
  REQUIRE(answer.ok());
  CHECK(mids(*answer) == std::vector<std::string>{"0"});
  CHECK(parse(*answer).media[0].media == "application");
  REQUIRE(b.jsep.set_local_description(now, *answer).ok());
  CHECK(signaling(drain(b.jsep)) == std::vector<S>{S::have_remote_offer, S::stable});
}

TEST_CASE("an answer made for an earlier offer does not apply to the next one", "[pc][jsep]") {
  Peer a(1, media_config()), b(2, media_config());
  REQUIRE(a.jsep.add_data_channel(now).ok());
  // First negotiation, keeping B's answer text.
  auto offer = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer).ok());
  auto old_answer = b.jsep.create_answer(now);
  REQUIRE(old_answer.ok());
  REQUIRE(b.jsep.set_local_description(now, *old_answer).ok());
  REQUIRE(a.jsep.set_remote_description(now, *old_answer).ok());
  // B's stored descriptions are the texts it set, byte for byte.
  CHECK(b.jsep.current_local_description()->sdp == old_answer->sdp);
  CHECK(b.jsep.current_remote_description()->sdp == offer->sdp);
  // A renegotiates (ICE restart); B gets the new offer and replays the old answer.
  a.jsep.restart_ice(now);
  auto offer2 = a.jsep.create_offer(now);
  REQUIRE(a.jsep.set_local_description(now, *offer2).ok());
  REQUIRE(b.jsep.set_remote_description(now, *offer2).ok());
  auto stale = b.jsep.set_local_description(now, *old_answer);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == Errc::invalid_argument);
  CHECK(b.jsep.signaling_state() == S::have_remote_offer);
  // A fresh answer applies.
  auto answer2 = b.jsep.create_answer(now);
  REQUIRE(answer2.ok());
  REQUIRE(b.jsep.set_local_description(now, *answer2).ok());
  CHECK(b.jsep.signaling_state() == S::stable);
}
