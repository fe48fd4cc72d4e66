#include "pc/description_builder.h"

namespace sansrtc::pc {
namespace {

using namespace std::string_view_literals;

void number_line(std::string& out, std::string_view prefix, uint64_t v) {
  out += prefix;
  append_decimal(out, v);
  out += "\r\n";
}

void add_transport(std::string& out, const LocalTransport& t, sdp::Setup setup) {
  for (const auto& c : t.candidates) {
    std::string_view v = c;
    if (v.starts_with("candidate:"sv)) v.remove_prefix(10);
    append_line(out, "a=candidate:"sv, v);
  }
  if (t.end_of_candidates) append_line(out, "a=end-of-candidates"sv);
  append_line(out, "a=ice-ufrag:"sv, t.ice_ufrag);
  append_line(out, "a=ice-pwd:"sv, t.ice_pwd);
  append_line(out, "a=ice-options:trickle"sv);
  for (const auto& f : t.fingerprints) {
    out += "a=fingerprint:";
    out += f.hash_function;
    append_line(out, " "sv, f.value);
  }
  append_line(out, "a=setup:"sv, sdp::to_string(setup));
}

#if !SANSRTC_NO_MEDIA
void add_rtp(std::string& out, const SectionPlan& s) {
  // sdp::Direction's names; stopped is written as inactive.
  append_line(out, "a="sv, to_string(s.direction == RtpTransceiverDirection::stopped ? RtpTransceiverDirection::inactive
                                                                             : s.direction));
  if (!s.sender.track_id.empty()) {
    out += "a=msid:";
    out += s.sender.stream_id.empty() ? std::string_view("-") : std::string_view(s.sender.stream_id);
    append_line(out, " "sv, s.sender.track_id);
  }
  append_line(out, "a=rtcp-mux"sv);
  if (s.rtcp_mux_only) append_line(out, "a=rtcp-mux-only"sv);
  if (s.rtcp_rsize) append_line(out, "a=rtcp-rsize"sv);
  for (const auto& c : s.codecs) {
    out += "a=rtpmap:";
    append_decimal(out, c.payload_type);
    out += " ";
    out += c.name;
    out += "/";
    append_decimal(out, c.clock_rate);
    if (c.channels) {
      out += "/";
      append_decimal(out, *c.channels);
    }
    out += "\r\n";
    for (const auto& fb : c.rtcp_fb) {
      out += "a=rtcp-fb:";
      append_decimal(out, c.payload_type);
      append_line(out, " "sv, fb);
    }
    if (!c.fmtp.empty()) {
      out += "a=fmtp:";
      append_decimal(out, c.payload_type);
      append_line(out, " "sv, c.fmtp);
    }
  }
}
#endif

}  // namespace

// One routine for every "<prefix><value>\r\n" line keeps the callers to a
// call each.
void append_line(std::string& out, std::string_view prefix, std::string_view value) {
  out += prefix;
  out += value;
  out += "\r\n";
}

void DescriptionBuilder::finish(std::string& out) { out.shrink_to_fit(); }

void append_decimal(std::string& out, uint64_t v) {
  char digits[20];
  size_t n = sizeof digits;
  // 32-bit steps where the value allows: no 64-bit division on small cores
  // for the common case.
  while (v > 0xFFFFFFFFu) {
    digits[--n] = char('0' + v % 10);
    v /= 10;
  }
  uint32_t w = uint32_t(v);
  do {
    digits[--n] = char('0' + w % 10);
    w /= 10;
  } while (w);
  out.append(digits + n, sizeof digits - n);
}

DescriptionBuilder::DescriptionBuilder(Rng& rng) {
  // Below 2^62 so it is positive as a signed 64-bit integer with room to spare.
  session_id_ = rng.next_u64() >> 2;
}

std::string DescriptionBuilder::begin(std::string_view session_lines) {
  std::string out;
  out += "v=0\r\no=- ";
  append_decimal(out, session_id_);
  out += " ";
  append_decimal(out, ++version_);
  out += " IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  out += session_lines;
  return out;
}

void DescriptionBuilder::add_section(std::string& out, const BuildOptions& o, const LocalTransport& t,
                                     const SectionPlan& s) {
  const bool app = s.kind == MediaKind::application;
  out += "m=";
  out += !s.media.empty() ? s.media : std::string_view(to_string(s.kind));
  out += (s.rejected || s.bundle_only) ? " 0 " : " 9 ";
  out += !s.proto.empty() ? s.proto : std::string_view(app ? "UDP/DTLS/SCTP" : "UDP/TLS/RTP/SAVPF");
  if (!s.formats.empty()) {
    out += s.formats;
  } else if (app) {
    out += " webrtc-datachannel";
  } else {
#if !SANSRTC_NO_MEDIA
    for (const auto& c : s.codecs) {
      out += " ";
      append_decimal(out, c.payload_type);
    }
    // RFC 8866 §5.14: an m= line needs at least one format.
    if (s.codecs.empty()) out += " 0";
#else
    out += " 0";
#endif
  }
  append_line(out, "\r\nc=IN IP4 0.0.0.0"sv);
  if (s.rejected) {
    if (!s.mid.empty()) append_line(out, "a=mid:"sv, s.mid);
    return;
  }
  if (s.bundle_only) {
    append_line(out, "a=bundle-only"sv);
  } else {
    add_transport(out, t, o.setup);
  }
  append_line(out, "a=mid:"sv, s.mid);
  if (app) {
    number_line(out, "a=sctp-port:"sv, o.sctp_port);
    number_line(out, "a=max-message-size:"sv, o.max_message_size);
  }
#if !SANSRTC_NO_MEDIA
  else {
    add_rtp(out, s);
  }
#endif
}

}  // namespace sansrtc::pc
