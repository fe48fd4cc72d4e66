// fuzz/pc_remote_description_reference.h — the tree-based reader of remote
// descriptions that pc::parse_remote_description replaced (sdp::parse into a
// full sdp::SessionDescription, then copy out what WebRTC needs). It stays
// here as the oracle for the single-pass reader: both must give the same
// result, the same error and the same failure for every input (checked by
// fuzz/pc_remote_description.cc).
#pragma once

#include "pc/remote_description.h"

#include <algorithm>

namespace sansrtc::pc::reference {
namespace {

Error fail(DescriptionFailure* f, Errc code, size_t media_index, const char* reason,
           std::string_view detail = {}) {
  if (f) {
    f->media_index = media_index;
    f->reason = reason;
    f->detail = std::string(detail.substr(0, 200));
  }
  return make_error(code, reason);
}

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"
bool valid_ice_chars(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// Decimal digits only, at most `max` (std::from_chars would pull in its
// generic tables: this is all a description needs).
std::optional<uint32_t> parse_number(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return uint32_t(v);
}

std::optional<uint8_t> parse_pt(std::string_view s) {
  auto v = parse_number(s, 127);
  if (!v) return std::nullopt;
  return uint8_t(*v);
}

std::optional<MediaKind> kind_of(std::string_view media) {
  if (media == "audio") return MediaKind::audio;
  if (media == "video") return MediaKind::video;
  if (media == "application") return MediaKind::application;
  return std::nullopt;
}

bool is_sctp_proto(std::string_view proto) {
  return proto == "UDP/DTLS/SCTP" || proto == "TCP/DTLS/SCTP" || proto == "DTLS/SCTP";
}

}  // namespace

inline std::vector<Codec> codecs_of(const sdp::MediaDescription& m) {
  std::vector<Codec> out;
  if (is_sctp_proto(m.proto)) return out;
  for (const auto& f : m.formats) {
    auto pt = parse_pt(f);
    if (!pt) continue;
    Codec c;
    c.payload_type = *pt;
    // RFC 3551 §6 static payload types WebRTC endpoints still offer without rtpmap.
    switch (*pt) {
      case 0: c.name = "PCMU"; c.clock_rate = 8000; break;
      case 8: c.name = "PCMA"; c.clock_rate = 8000; break;
      case 9: c.name = "G722"; c.clock_rate = 8000; break;
      case 13: c.name = "CN"; c.clock_rate = 8000; break;
      default: break;
    }
    out.push_back(std::move(c));
  }
  auto find = [&](uint8_t pt) -> Codec* {
    for (auto& c : out) {
      if (c.payload_type == pt) return &c;
    }
    return nullptr;
  };
  for (auto v : m.attributes.all("rtpmap")) {
    auto r = sdp::parse_rtpmap(v);
    if (!r.ok()) continue;
    if (Codec* c = find(r->payload_type)) {
      c->name = r->encoding;
      c->clock_rate = r->clock_rate;
      c->channels = r->channels;
    }
  }
  for (auto v : m.attributes.all("fmtp")) {
    auto r = sdp::parse_fmtp(v);
    if (!r.ok()) continue;
    if (Codec* c = find(r->payload_type)) c->fmtp = r->parameters;
  }
  for (auto v : m.attributes.all("rtcp-fb")) {
    auto r = sdp::parse_rtcp_fb(v);
    if (!r.ok()) continue;
    std::string fb = r->type;
    if (!r->parameter.empty()) fb += " " + r->parameter;
    if (r->payload_type) {
      if (Codec* c = find(*r->payload_type)) c->rtcp_fb.push_back(fb);
    } else {
      for (auto& c : out) c.rtcp_fb.push_back(fb);
    }
  }
  // Formats without an rtpmap and not static are unusable; drop them.
  std::erase_if(out, [](const Codec& c) { return c.name.empty(); });
  return out;
}

inline Result<RemoteDescriptionInfo> parse_remote_description(SdpType type, std::string_view text,
                                                       const RemoteDescriptionLimits& limits,
                                                       DescriptionFailure* failure) {
  if (type == SdpType::rollback)
    return fail(failure, Errc::invalid_argument, 0, "a rollback carries no description");
  sdp::ParseFailure pf;
  auto parsed = sdp::parse(text, limits.sdp, &pf);
  if (!parsed.ok()) return fail(failure, parsed.error().code, 0, "sdp does not parse", pf.to_string());

  RemoteDescriptionInfo info;
  info.type = type;
  // The parsed tree is only read here: the info keeps what the negotiation
  // needs, not a second copy of the description.
  const sdp::SessionDescription& sd = parsed.value();
  info.session_id = sd.origin.session_id;
  info.session_version = sd.origin.session_version;
  info.ice_lite = sd.attributes.has("ice-lite");
  if (auto o = sd.attributes.get("ice-options")) {
    for (auto t : sdp::split_tokens(*o)) {
      if (t == "trickle") info.session_trickle = true;
    }
  }
  for (auto g : sd.attributes.all("group")) {
    auto group = sdp::parse_group(g);
    if (!group.ok()) return fail(failure, Errc::invalid_argument, 0, "bad a=group", g);
    if (group->semantics == "BUNDLE") info.bundle_groups.push_back(std::move(group).value());
  }
  const bool bundled = !info.bundle_groups.empty();
  // No m= sections is legal: browsers create such an offer before anything
  // was added, and answer it the same way.

  auto session_ufrag = sd.attributes.get("ice-ufrag");
  auto session_pwd = sd.attributes.get("ice-pwd");
  std::vector<sdp::FingerprintAttr> session_fps;
  for (auto v : sd.attributes.all("fingerprint")) {
    auto fp = sdp::parse_fingerprint(v);
    if (!fp.ok()) return fail(failure, Errc::invalid_argument, 0, "bad a=fingerprint", v);
    session_fps.push_back(std::move(fp).value());
  }
  std::optional<sdp::Setup> session_setup;
  if (auto s = sd.attributes.get("setup")) {
    session_setup = sdp::parse_setup(*s);
    if (!session_setup) return fail(failure, Errc::invalid_argument, 0, "bad a=setup", *s);
  }
  auto session_dir = sdp::direction(sd.attributes);

  info.media.reserve(sd.media.size());
  for (size_t i = 0; i < sd.media.size(); ++i) {
    const sdp::MediaDescription& m = sd.media[i];
    const size_t n = i + 1;
    RemoteMediaInfo r;
    r.index = i;
    r.media = m.media;
    r.kind = kind_of(m.media);
    r.proto = m.proto;
    r.formats = std::vector<std::string>(m.formats);
    r.bundle_only = m.attributes.has("bundle-only");
    r.rejected = m.port == 0 && !r.bundle_only;
    if (auto mid = m.attributes.get("mid")) {
      if (mid->empty()) return fail(failure, Errc::invalid_argument, n, "empty a=mid");
      r.mid = std::string(*mid);
    }
    if (auto u = m.attributes.get("ice-ufrag")) r.ice_ufrag = std::string(*u);
    else if (session_ufrag) r.ice_ufrag = std::string(*session_ufrag);
    if (auto p = m.attributes.get("ice-pwd")) r.ice_pwd = std::string(*p);
    else if (session_pwd) r.ice_pwd = std::string(*session_pwd);
    if (auto o = m.attributes.get("ice-options")) {
      for (auto t : sdp::split_tokens(*o)) r.ice_options.emplace_back(t);
    }
    for (auto v : m.attributes.all("fingerprint")) {
      auto fp = sdp::parse_fingerprint(v);
      if (!fp.ok()) return fail(failure, Errc::invalid_argument, n, "bad a=fingerprint", v);
      r.fingerprints.push_back(std::move(fp).value());
    }
    if (r.fingerprints.empty()) r.fingerprints = std::vector<sdp::FingerprintAttr>(session_fps);
    std::optional<sdp::Setup> setup = session_setup;
    if (auto s = m.attributes.get("setup")) {
      setup = sdp::parse_setup(*s);
      if (!setup) return fail(failure, Errc::invalid_argument, n, "bad a=setup", *s);
    }
    r.setup = setup.value_or(type == SdpType::offer ? sdp::Setup::actpass : sdp::Setup::active);
    for (auto c : m.attributes.all("candidate")) {
      if (r.candidates.size() >= limits.max_candidates_per_section) {
        ++r.candidates_dropped;
        continue;
      }
      r.candidates.push_back("candidate:" + std::string(c));
    }
    r.candidates.shrink_to_fit();  // kept for the whole negotiation
    r.end_of_candidates = m.attributes.has("end-of-candidates");
    if (r.kind == MediaKind::application) {
      if (!is_sctp_proto(m.proto))
        return fail(failure, Errc::invalid_argument, n, "m=application is not DTLS/SCTP", m.proto);
      r.sctp_port = sdp::sctp_port(m.attributes);
      if (m.attributes.has("sctp-port") && !r.sctp_port)
        return fail(failure, Errc::invalid_argument, n, "bad a=sctp-port");
      if (!r.sctp_port && m.proto == "DTLS/SCTP" && !m.formats.empty()) {
        // draft-ietf-mmusic-sctp-sdp-05 form: "m=application 9 DTLS/SCTP 5000".
        auto v = parse_number(m.formats[0], 65535);
        if (v && *v > 0) r.sctp_port = uint16_t(*v);
      }
      if (!r.sctp_port) r.sctp_port = 5000;  // RFC 8841 §5.2: default 5000
      r.max_message_size = sdp::max_message_size(m.attributes);
      if (m.attributes.has("max-message-size") && !r.max_message_size)
        return fail(failure, Errc::invalid_argument, n, "bad a=max-message-size");
    }
    auto dir = sdp::direction(m.attributes);
    if (!dir) dir = session_dir;
    switch (dir.value_or(sdp::Direction::sendrecv)) {
      case sdp::Direction::sendrecv: r.direction = RtpTransceiverDirection::sendrecv; break;
      case sdp::Direction::sendonly: r.direction = RtpTransceiverDirection::sendonly; break;
      case sdp::Direction::recvonly: r.direction = RtpTransceiverDirection::recvonly; break;
      case sdp::Direction::inactive: r.direction = RtpTransceiverDirection::inactive; break;
    }
    r.codecs = codecs_of(m);
    r.rtcp_mux = m.attributes.has("rtcp-mux");
    r.rtcp_mux_only = m.attributes.has("rtcp-mux-only");
    r.rtcp_rsize = m.attributes.has("rtcp-rsize");
    if (auto ms = m.attributes.get("msid")) {
      auto parsed_msid = sdp::parse_msid(*ms);
      if (parsed_msid.ok()) r.msid = std::move(parsed_msid).value();
    }
    info.media.push_back(std::move(r));
  }

  // Mids: unique; generated from the index when absent and nothing is bundled.
  for (auto& r : info.media) {
    if (r.mid.empty()) {
      if (bundled && !r.rejected)
        return fail(failure, Errc::invalid_argument, r.index + 1, "missing a=mid (BUNDLE is used)");
      r.mid = sdp::decimal(r.index);
      r.mid_generated = true;
    }
  }
  for (size_t i = 0; i < info.media.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (info.media[i].mid == info.media[j].mid)
        return fail(failure, Errc::invalid_argument, i + 1, "duplicate a=mid", info.media[i].mid);
    }
  }

  // BUNDLE groups: every mid exists, no section in two groups; bundle-only
  // sections take the transport of the group's first section; one setup role.
  std::vector<int> group_of(info.media.size(), -1);
  for (size_t g = 0; g < info.bundle_groups.size(); ++g) {
    const auto& group = info.bundle_groups[g];
    if (group.mids.empty()) return fail(failure, Errc::invalid_argument, 0, "empty BUNDLE group");
    for (const auto& mid : group.mids) {
      size_t k = 0;
      while (k < info.media.size() && info.media[k].mid != mid) ++k;
      if (k == info.media.size())
        return fail(failure, Errc::invalid_argument, 0, "BUNDLE group names a mid with no m= section", mid);
      if (group_of[k] != -1)
        return fail(failure, Errc::invalid_argument, k + 1, "m= section in two BUNDLE groups", mid);
      group_of[k] = int(g);
    }
  }
  for (size_t g = 0; g < info.bundle_groups.size(); ++g) {
    const RemoteMediaInfo* tagged = nullptr;
    for (const auto& mid : info.bundle_groups[g].mids) {
      for (auto& r : info.media) {
        if (r.mid != mid) continue;
        if (r.rejected) break;
        if (!tagged) {
          tagged = &r;
          break;
        }
        if (r.bundle_only || r.ice_ufrag.empty()) {
          if (r.ice_ufrag.empty()) r.ice_ufrag = tagged->ice_ufrag;
          if (r.ice_pwd.empty()) r.ice_pwd = tagged->ice_pwd;
          if (r.fingerprints.empty()) r.fingerprints = std::vector<sdp::FingerprintAttr>(tagged->fingerprints);
        }
        if (r.setup != tagged->setup)
          return fail(failure, Errc::invalid_argument, r.index + 1,
                      "a=setup differs within one BUNDLE group", sdp::to_string(r.setup));
        break;
      }
    }
  }

  for (const auto& r : info.media) {
    const size_t n = r.index + 1;
    if (r.rejected) continue;
    if (r.ice_ufrag.empty()) return fail(failure, Errc::invalid_argument, n, "missing a=ice-ufrag");
    if (r.ice_pwd.empty()) return fail(failure, Errc::invalid_argument, n, "missing a=ice-pwd");
    // RFC 8839 §5.4: "ice-ufrag ... MUST be at least 4 characters long, and
    // MUST NOT be longer than 256 characters"; ice-pwd "at least 22".
    if (r.ice_ufrag.size() < 4 || r.ice_ufrag.size() > 256 || !valid_ice_chars(r.ice_ufrag))
      return fail(failure, Errc::invalid_argument, n, "bad a=ice-ufrag", r.ice_ufrag);
    if (r.ice_pwd.size() < 22 || r.ice_pwd.size() > 256 || !valid_ice_chars(r.ice_pwd))
      return fail(failure, Errc::invalid_argument, n, "bad a=ice-pwd");
    if (r.fingerprints.empty()) return fail(failure, Errc::invalid_argument, n, "missing a=fingerprint");
    if (r.setup == sdp::Setup::holdconn)
      return fail(failure, Errc::invalid_argument, n, "a=setup:holdconn is not supported");
    // RFC 8842 §5.3: "the answerer MUST NOT use the "actpass" value".
    if (type != SdpType::offer && r.setup == sdp::Setup::actpass)
      return fail(failure, Errc::invalid_argument, n, "a=setup:actpass in an answer");
  }
  return info;
}

}  // namespace sansrtc::pc::reference
