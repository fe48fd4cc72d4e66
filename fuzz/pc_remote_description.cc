// pc remote descriptions: arbitrary text is parsed as a remote offer and as
// a remote answer, and pushed through the JSEP machinery in both roles
// (answerer: set_remote(offer) → create_answer → set_local(answer) → its
// lines as trickled candidates;
// offerer: create_offer → set_local(offer) → set_remote(answer)), then
// rolled back or renegotiated. Nothing may crash, and pc::Jsep must stay
// consistent after every step.
#include "pc/jsep.h"
#include "pc/remote_description.h"
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
  (void)parse_remote_description(SdpType::offer, text);
  (void)parse_remote_description(SdpType::answer, text);
  as_answerer(text);
  as_offerer(text);
  return 0;
}
