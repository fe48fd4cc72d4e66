// pc/remote_description.h — what a description from the remote peer says,
// checked against what WebRTC requires.
//
// JSEP (RFC 8829) §5.8 "Parsing a Session Description" and the
// per-attribute rules it points to:
//   ice-ufrag / ice-pwd   RFC 8839 §5.4: media level, else session level;
//                         required; ufrag 4–256 and pwd 22–256 ice-chars.
//   fingerprint           RFC 8122 §5, RFC 8842 §5: media, else session; required.
//   setup                 RFC 8842 §5.2/§5.3: offers carry actpass (active/passive
//                         tolerated); answers active or passive, never actpass.
//                         Missing: actpass in an offer, active in an answer (RFC 4145 §4.1).
//                         All sections of one BUNDLE group must agree.
//   mid / BUNDLE          RFC 8843 §7: with a BUNDLE group every section it names
//                         exists, and every non-rejected section needs a mid; mids
//                         are unique. Without BUNDLE a missing mid is replaced by the
//                         m-line index (as text) so sections can still be associated.
//   bundle-only           RFC 8843 §6: a bundle-only section (port 0) takes its
//                         transport from the group's first section.
//   sctp-port, max-message-size  RFC 8841 §5, §6 (max-message-size absent: 64 KiB, §6.1);
//                         legacy "DTLS/SCTP <port>" formats give the port.
//   candidates            kept raw ("candidate:…"), bounded; the ICE layer parses them.
// Codecs come from m= formats, rtpmap (static payload types 0/8/9/13 without
// one), fmtp and rtcp-fb (including "*"). Profiles without media
// (SANSRTC_NO_MEDIA) read no codecs and no msid (the fields are compiled
// out): their audio/video sections are answered as rejected, which needs
// only kind, mid, port, proto, formats, direction and bundle membership.
//
// The text is read in one pass, line by line (RFC 8866 §5 grammar, with the
// same syntax checks, limits and messages as sdp::parse), straight into
// RemoteDescriptionInfo: no sdp::SessionDescription tree is built, so an
// answerer does not link the tree parser. fuzz/pc_remote_description.cc
// checks it against the tree-based reader it replaced.
//
// Comparison with the previous negotiation (m-line count and order, RFC 8829
// §5.8/§5.10) is done by pc::Jsep, which knows the current descriptions.
#pragma once

#include "pc/transceiver.h"
#include "sdp/attributes.h"
#include "sdp/session_description.h"

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::pc {

struct RemoteMediaInfo {
  // Out of line (remote_description.cc): the vector of sections and every
  // copy of it then call one constructor and one destructor instead of
  // inlining a dozen string and vector members each time.
  RemoteMediaInfo();
  RemoteMediaInfo(const RemoteMediaInfo&);
  RemoteMediaInfo(RemoteMediaInfo&&) noexcept;
  RemoteMediaInfo& operator=(const RemoteMediaInfo&);
  RemoteMediaInfo& operator=(RemoteMediaInfo&&) noexcept;
  ~RemoteMediaInfo();

  size_t index = 0;                 // m-line index
  std::string media;                // as written ("audio", "video", "application", …)
  std::optional<MediaKind> kind;    // nullopt for other media types
  std::string proto;
  std::vector<std::string> formats;  // m= line formats as written
  bool rejected = false;            // port 0 and not bundle-only
  bool bundle_only = false;
  std::string mid;                  // generated from index when absent (no BUNDLE)
  bool mid_generated = false;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> ice_options;   // "trickle", "ice2", …
  std::vector<sdp::FingerprintAttr> fingerprints;
  sdp::Setup setup = sdp::Setup::actpass;
  std::vector<std::string> candidates;    // "candidate:…" values
  size_t candidates_dropped = 0;          // over Limits::max_candidates_per_section
  bool end_of_candidates = false;
  std::optional<uint16_t> sctp_port;
  std::optional<uint64_t> max_message_size;
  RtpTransceiverDirection direction = RtpTransceiverDirection::sendrecv;
#if !SANSRTC_NO_MEDIA  // read only for media sections
  std::vector<Codec> codecs;
#endif
  bool rtcp_mux = false;
  bool rtcp_mux_only = false;
  bool rtcp_rsize = false;
#if !SANSRTC_NO_MEDIA
  std::optional<sdp::Msid> msid;
#endif
};

// Jsep keeps the info of the remote description in effect. Once a
// negotiation completes (the info becomes current), `session_id` and the
// sections' `formats`, `codecs` and `msid` are cleared: they served the
// answer and the transceivers when applied; the description text has them.
struct RemoteDescriptionInfo {
  RemoteDescriptionInfo();  // out of line, as RemoteMediaInfo's
  RemoteDescriptionInfo(const RemoteDescriptionInfo&);
  RemoteDescriptionInfo(RemoteDescriptionInfo&&) noexcept;
  RemoteDescriptionInfo& operator=(const RemoteDescriptionInfo&);
  RemoteDescriptionInfo& operator=(RemoteDescriptionInfo&&) noexcept;
  ~RemoteDescriptionInfo();

  SdpType type = SdpType::offer;
  std::string session_id;
  uint64_t session_version = 0;
  bool ice_lite = false;
  bool session_trickle = false;           // session-level ice-options:trickle
  std::vector<sdp::Group> bundle_groups;  // a=group:BUNDLE …
  std::vector<RemoteMediaInfo> media;

  const RemoteMediaInfo* find_mid(std::string_view mid) const;
  // True when the remote side said it can trickle (ice-options:trickle at
  // session or media level; webrtc-pc canTrickleIceCandidates).
  bool can_trickle() const;
};

struct RemoteDescriptionLimits {
  sdp::Limits sdp;
  size_t max_candidates_per_section = 64;
};

// Where a description was refused. `media_index` is 1-based (0: session
// level or the whole description); `detail` names the value when useful.
struct DescriptionFailure {
  size_t media_index = 0;
  const char* reason = "";
  std::string detail;
  std::string to_string() const;  // "m-section 2: missing a=ice-ufrag"
};

// Parses and checks a remote offer, pranswer or answer. `type` must not be
// rollback. Errors: Errc::malformed for SDP syntax (failure->detail holds the
// parser's "line N: …" text), Errc::invalid_argument for a WebRTC rule
// broken; the message is static and `failure`, if given, says where.
Result<RemoteDescriptionInfo> parse_remote_description(SdpType type, std::string_view sdp,
                                                       const RemoteDescriptionLimits& limits = {},
                                                       DescriptionFailure* failure = nullptr);

}  // namespace sansrtc::pc
