// pc remote descriptions: arbitrary text is parsed as a remote offer and as
// a remote answer, and pushed through the JSEP machinery in both roles
// (answerer: set_remote(offer) → create_answer → set_local(answer) → its
// lines as trickled candidates;
// offerer: create_offer → set_local(offer) → set_remote(answer)), then
// rolled back or renegotiated. Nothing may crash, and pc::Jsep must stay
// consistent after every step.
//
// The single-pass reader is also checked against the tree-based reader it
// replaced (pc_remote_description_reference.h): same result, same error
// code and message, same failure (index, reason, detail), same info.
#include "pc/jsep.h"
#include "pc/remote_description.h"
#include "pc_remote_description_reference.h"
#include "sdp/session_description.h"

#include <sansrtc/rng.h>
#include <sansrtc/time.h>

#include <cstdlib>
#include <string>
#include <string_view>

using namespace sansrtc;
using namespace sansrtc::pc;

namespace {

void check(const Jsep& j) {
  if (!j.is_consistent()) std::abort();
}

pc::JsepConfig config() {
  pc::JsepConfig c;
  c.remote_limits.sdp.max_size = 64 * 1024;
  c.remote_limits.max_candidates_per_section = 16;
  c.max_transceivers = 16;
  c.audio_codecs = {Codec{111, "opus", 48000, 2, "minptime=10;useinbandfec=1", {"transport-cc"}}};
  c.video_codecs = {Codec{96, "VP8", 90000, std::nullopt, "", {"nack", "nack pli"}}};
  return c;
}

// Whether the library reads codecs and msid (profiles without media skip
// them: SANSRTC_NO_MEDIA is a flag of the library, not of this target).
bool library_reads_codecs() {
  static const bool yes = [] {
    auto r = parse_remote_description(SdpType::offer,
                                      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                                      "m=audio 0 RTP/AVP 0\r\n");
    return r.ok() && r->media.size() == 1 && !r->media[0].codecs.empty();
  }();
  return yes;
}

void same_as_reference(SdpType type, std::string_view text, const RemoteDescriptionLimits& limits) {
  DescriptionFailure fa, fb;
  auto a = parse_remote_description(type, text, limits, &fa);
  auto b = reference::parse_remote_description(type, text, limits, &fb);
  if (a.ok() != b.ok()) std::abort();
  if (!a.ok()) {
    if (a.error().code != b.error().code || std::string_view(a.error().message) != b.error().message ||
        fa.media_index != fb.media_index || std::string_view(fa.reason) != fb.reason || fa.detail != fb.detail)
      std::abort();
    return;
  }
  const bool codecs = library_reads_codecs();
  const RemoteDescriptionInfo& x = *a;
  const RemoteDescriptionInfo& y = *b;
  if (x.type != y.type || x.session_id != y.session_id || x.session_version != y.session_version ||
      x.ice_lite != y.ice_lite || x.session_trickle != y.session_trickle || x.bundle_groups != y.bundle_groups ||
      x.media.size() != y.media.size())
    std::abort();
  for (size_t i = 0; i < x.media.size(); ++i) {
    const RemoteMediaInfo& m = x.media[i];
    const RemoteMediaInfo& n = y.media[i];
    if (m.index != n.index || m.media != n.media || m.kind != n.kind || m.proto != n.proto ||
        m.formats != n.formats || m.rejected != n.rejected || m.bundle_only != n.bundle_only || m.mid != n.mid ||
        m.mid_generated != n.mid_generated || m.ice_ufrag != n.ice_ufrag || m.ice_pwd != n.ice_pwd ||
        m.ice_options != n.ice_options || m.fingerprints != n.fingerprints || m.setup != n.setup ||
        m.candidates != n.candidates || m.candidates_dropped != n.candidates_dropped ||
        m.end_of_candidates != n.end_of_candidates || m.sctp_port != n.sctp_port ||
        m.max_message_size != n.max_message_size || m.direction != n.direction || m.rtcp_mux != n.rtcp_mux ||
        m.rtcp_mux_only != n.rtcp_mux_only || m.rtcp_rsize != n.rtcp_rsize)
      std::abort();
    if (codecs ? (m.codecs != n.codecs || m.msid != n.msid) : (!m.codecs.empty() || m.msid)) std::abort();
  }
}

void as_answerer(std::string_view text) {
  SeededRng rng(1);
  Jsep j(rng, config());
  j.set_local_fingerprints({{"sha-256", "AA:BB"}});
  Instant now = kTestEpoch;
  if (!j.set_remote_description(now, {SdpType::offer, std::string(text)}).ok()) return;
  check(j);
  auto answer = j.create_answer(now);
  if (!answer.ok()) std::abort();  // a remote offer we accepted must be answerable
  // Our own answer must pass our own parser.
  if (!parse_remote_description(SdpType::answer, answer->sdp).ok()) std::abort();
  if (!j.set_local_description(now, *answer).ok()) std::abort();
  check(j);
  // Every line of the input as a trickled candidate, by mid and by index.
  size_t start = 0;
  for (int n = 0; n < 32 && start < text.size(); ++n) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    start = end + 1;
    (void)j.add_remote_candidate(now, {line, std::string("0"), std::nullopt, std::nullopt});
    (void)j.add_remote_candidate(now, {line, std::nullopt, uint16_t(n % 4), std::nullopt});
  }
  check(j);
  // Renegotiate from our side, then offer the same text again.
  (void)j.add_data_channel(now);
  auto offer = j.create_offer(now);
  if (offer.ok()) (void)j.set_local_description(now, *offer);
  check(j);
  (void)j.set_remote_description(now, {SdpType::offer, std::string(text)});
  check(j);
  (void)j.set_local_description(now, {SdpType::rollback, ""});
  check(j);
  while (j.poll_event()) {
  }
}

void as_offerer(std::string_view text) {
  SeededRng rng(2);
  Jsep j(rng, config());
  j.set_local_fingerprints({{"sha-256", "AA:BB"}});
  Instant now = kTestEpoch;
  (void)j.add_transceiver(now, MediaKind::audio);
  (void)j.add_data_channel(now);
  auto offer = j.create_offer(now);
  if (!offer.ok() || !j.set_local_description(now, *offer).ok()) std::abort();
  (void)j.set_remote_description(now, {SdpType::pranswer, std::string(text)});
  check(j);
  (void)j.set_remote_description(now, {SdpType::answer, std::string(text)});
  check(j);
  auto again = j.create_offer(now);
  if (again.ok()) (void)j.set_local_description(now, *again);
  check(j);
  while (j.poll_event()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  same_as_reference(SdpType::offer, text, {});
  same_as_reference(SdpType::answer, text, {});
  // Small limits, so that every limit is reached by short inputs too.
  RemoteDescriptionLimits small;
  small.sdp.max_size = 2048;
  small.sdp.max_lines = 40;
  small.sdp.max_line_length = 120;
  small.sdp.max_media_sections = 3;
  small.sdp.max_attributes_per_section = 12;
  small.max_candidates_per_section = 2;
  same_as_reference(SdpType::pranswer, text, small);
  as_answerer(text);
  as_offerer(text);
  return 0;
}
