#include "pc/description_builder.h"

namespace sansrtc::pc {
namespace {

const char* default_proto(MediaKind k) {
  return k == MediaKind::application ? "UDP/DTLS/SCTP" : "UDP/TLS/RTP/SAVPF";
}

sdp::Direction to_sdp(RtpTransceiverDirection d) {
  switch (d) {
    case RtpTransceiverDirection::sendrecv: return sdp::Direction::sendrecv;
    case RtpTransceiverDirection::sendonly: return sdp::Direction::sendonly;
    case RtpTransceiverDirection::recvonly: return sdp::Direction::recvonly;
    default: return sdp::Direction::inactive;
  }
}

void add_transport(sdp::AttributeList& a, const LocalTransport& t, sdp::Setup setup) {
  for (const auto& c : t.candidates) {
    std::string_view v = c;
    if (v.starts_with("candidate:")) v.remove_prefix(10);
    a.add_text("candidate", v);
  }
  if (t.end_of_candidates) a.add_flag("end-of-candidates");
  a.add_text("ice-ufrag", t.ice_ufrag);
  a.add_text("ice-pwd", t.ice_pwd);
  a.add_text("ice-options", "trickle");
  for (const auto& f : t.fingerprints) a.add_text("fingerprint", sdp::format_fingerprint(f));
  a.add_text("setup", sdp::to_string(setup));
}

}  // namespace

DescriptionBuilder::DescriptionBuilder(Rng& rng) {
  // Below 2^62 so it is positive as a signed 64-bit integer with room to spare.
  session_id_ = rng.next_u64() >> 2;
}

sdp::SessionDescription DescriptionBuilder::build(const BuildOptions& o, const LocalTransport& t,
                                                  std::span<const SectionPlan> sections) {
  sdp::SessionDescription sd;
  sd.origin.session_id = sdp::decimal(session_id_);
  sd.origin.session_version = ++version_;
  for (const auto& g : o.bundle_groups) {
    if (g.empty()) continue;
    sd.attributes.add_text("group", sdp::format_group(sdp::Group{"BUNDLE", g}));
  }
  for (const auto& s : sections) {
    sdp::MediaDescription m;
    m.media = !s.media.empty() ? s.media : std::string(to_string(s.kind));
    m.proto = !s.proto.empty() ? s.proto : std::string(default_proto(s.kind));
    m.connection = "IN IP4 0.0.0.0";
    m.port = (s.rejected || s.bundle_only) ? 0 : 9;
    if (!s.formats.empty()) {
      m.formats = std::vector<std::string>(s.formats);
    } else if (s.kind == MediaKind::application) {
      m.formats.push_back(std::string("webrtc-datachannel"));
    } else {
      for (const auto& c : s.codecs) m.formats.push_back(sdp::decimal(c.payload_type));
      // RFC 8866 §5.14: an m= line needs at least one format.
      if (m.formats.empty()) m.formats.push_back(std::string("0"));
    }
    auto& a = m.attributes;
    if (s.rejected) {
      if (!s.mid.empty()) a.add_text("mid", s.mid);
      sd.media.push_back(std::move(m));
      continue;
    }
    if (s.bundle_only) {
      a.add_flag("bundle-only");
    } else {
      add_transport(a, t, o.setup);
    }
    a.add_text("mid", s.mid);
    if (s.kind == MediaKind::application) {
      a.add_text("sctp-port", sdp::decimal(o.sctp_port));
      a.add_text("max-message-size", sdp::decimal(o.max_message_size));
    } else {
      sdp::set_direction(a, to_sdp(s.direction));
      if (!s.sender.track_id.empty()) {
        a.add_text("msid", sdp::format_msid(sdp::Msid{
                          s.sender.stream_id.empty() ? "-" : s.sender.stream_id, s.sender.track_id}));
      }
      a.add_flag("rtcp-mux");
      if (s.rtcp_mux_only) a.add_flag("rtcp-mux-only");
      if (s.rtcp_rsize) a.add_flag("rtcp-rsize");
      for (const auto& c : s.codecs) {
        a.add_text("rtpmap", sdp::format_rtpmap(sdp::Rtpmap{c.payload_type, c.name, c.clock_rate, c.channels}));
        for (const auto& fb : c.rtcp_fb) a.add_text("rtcp-fb", sdp::decimal(c.payload_type) + " " + fb);
        if (!c.fmtp.empty()) a.add_text("fmtp", sdp::format_fmtp(sdp::Fmtp{c.payload_type, c.fmtp}));
      }
    }
    sd.media.push_back(std::move(m));
  }
  return sd;
}

}  // namespace sansrtc::pc
