// pc/description_builder.h — writes offers and answers as SDP.
//
// RFC 8829 §5.2 (create_offer) and §5.3 (create_answer), with RFC 8843
// (BUNDLE), RFC 8839 (ICE attributes, trickle), RFC 8842 (setup), RFC 8841
// (m=application with sctp-port and max-message-size), RFC 5761/8858
// (rtcp-mux, rtcp-mux-only), RFC 5506 (rtcp-rsize). pc::Jsep decides WHAT
// each m= section is (a SectionPlan per m-line); this class decides how it
// is written. Layout of every section (JSEP §5.2.1 order):
//
//   m=<kind> <9 | 0> <proto> <formats>
//   c=IN IP4 0.0.0.0
//   a=candidate:… (every local candidate)      a=end-of-candidates (when gathered)
//   a=ice-ufrag, a=ice-pwd, a=ice-options:trickle
//   a=fingerprint:<alg> <hex> (each)            a=setup:<role>
//   a=mid:<mid>
//   media:       a=<direction> a=msid a=rtcp-mux [a=rtcp-mux-only] a=rtcp-rsize
//                a=rtpmap / a=rtcp-fb / a=fmtp per codec
//   application: a=sctp-port:<port> a=max-message-size:<bytes>
//
// Rejected sections (port 0) carry only the m= line, c= and a=mid. Sections
// marked bundle-only (max-bundle initial offers) carry port 0, a=bundle-only
// and a=mid, and no transport attributes (RFC 8843 §7.2).
//
// Session level: o=- <session id> <version> IN IP4 127.0.0.1 where the
// session id is a random number below 2^62 drawn once (JSEP §5.2.1: "MUST be
// representable by a 64-bit signed integer" and random) and the version
// starts at 1 and grows by one per description built (JSEP §5.2.2 asks for
// an increment whenever the description changes; every build counts).
//
// The text is written straight into one string (in sdp::serialize's order
// and format, so sdp::parse reads back exactly these lines): no
// sdp::SessionDescription tree is built for a description we only send.
//
// Without media (SANSRTC_NO_MEDIA) a section is either the data section or
// rejected: the RTP attributes and codecs are compiled out.
//
// Left out: a=rtcp (not needed with rtcp-mux), a=extmap and simulcast (media
// issue), a=msid-semantic (RFC 8830 dropped it).
#pragma once

#include "pc/transceiver.h"
#include "sdp/attributes.h"

#include <sansrtc/peer_connection_types.h>
#include <sansrtc/rng.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::pc {

// What our transport contributes to every section. Views: they must outlive
// the add_section() call only.
struct LocalTransport {
  std::string_view ice_ufrag;
  std::string_view ice_pwd;
  std::span<const sdp::FingerprintAttr> fingerprints;  // {"sha-256", "AB:CD:…"}
  std::span<const std::string> candidates;             // "candidate:…" values
  bool end_of_candidates = false;                      // gathering complete
};

// One m= line. The views must outlive the add_section() call.
struct SectionPlan {
  MediaKind kind = MediaKind::application;
  std::string_view mid;
  bool rejected = false;
  bool bundle_only = false;
  // For sections we reject without understanding them (answers to unknown
  // media): written as given. Empty means the defaults for `kind`.
  std::string_view media;
  std::string_view proto;
  // The m= line's formats as written after the proto, each preceded by a
  // space (" 0 8"). Empty: webrtc-datachannel for application, the codecs'
  // payload types (or 0) for media.
  std::string formats;
#if !SANSRTC_NO_MEDIA
  RtpTransceiverDirection direction = RtpTransceiverDirection::sendrecv;
  std::vector<Codec> codecs;
  SenderPlaceholder sender;  // msid when track_id is set
  bool rtcp_mux_only = false;
  bool rtcp_rsize = true;
#endif
};

struct BuildOptions {
  sdp::Setup setup = sdp::Setup::actpass;
  uint16_t sctp_port = 5000;
  uint64_t max_message_size = 262144;
};

// Writes one description in three steps (no list of sections is kept):
// begin(), add_section() per m-line in order, finish().
class DescriptionBuilder {
 public:
  explicit DescriptionBuilder(Rng& rng);

  // The session part: v=, o= (the next version), s=, t=, then
  // `session_lines` as given (a=group:BUNDLE lines, each ending in CRLF).
  std::string begin(std::string_view session_lines);
  // Appends one m= section (CRLF line endings).
  static void add_section(std::string& out, const BuildOptions& options, const LocalTransport& transport,
                          const SectionPlan& section);
  // The description is kept for the connection's life: no spare capacity.
  static void finish(std::string& out);

  std::string session_id() const { return sdp::decimal(session_id_); }
  uint64_t last_version() const { return version_; }

 private:
  uint64_t session_id_ = 0;  // written in decimal into o=
  uint64_t version_ = 0;
};

// Appends v in decimal (no temporary string).
void append_decimal(std::string& out, uint64_t v);
// Appends "<prefix><value>\r\n".
void append_line(std::string& out, std::string_view prefix, std::string_view value = {});

}  // namespace sansrtc::pc
