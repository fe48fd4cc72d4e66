// sdp/attributes.h — typed readers and writers for the attributes WebRTC uses.
//
// Each `parse_x` reads the value of one `a=x:` line (without the name) and
// each `format_x` writes it back; unknown attributes stay raw in the
// AttributeList. Grammar references:
//   rtpmap, fmtp, direction: RFC 8866 §6;     rtcp-fb: RFC 4585 §4.2
//   extmap: RFC 8285 §8;                       msid: RFC 8830 §2
//   ssrc, ssrc-group: RFC 5576 §4;              rid: RFC 8851 §10
//   simulcast: RFC 8853 §5.1;                   group/BUNDLE: RFC 5888, RFC 8843
//   fingerprint, setup: RFC 8122 §5, RFC 4145;  sctp-port, max-message-size: RFC 8841 §5–6
//   ice-ufrag/pwd/options/ice-lite: RFC 8839 §5;  rtcp-mux(-only), rtcp-rsize: RFC 5761, 8858, 5506
#pragma once

#include "sdp/session_description.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sansrtc::sdp {

enum class Direction : uint8_t { sendrecv, sendonly, recvonly, inactive };
const char* to_string(Direction d);
// The direction attribute of a section (nullopt when none is present).
std::optional<Direction> direction(const AttributeList& attrs);
void set_direction(AttributeList& attrs, Direction d);

enum class Setup : uint8_t { actpass, active, passive, holdconn };
const char* to_string(Setup s);
std::optional<Setup> parse_setup(std::string_view v);

struct Rtpmap {
  uint8_t payload_type = 0;
  std::string encoding;       // "opus", "VP8", …
  uint32_t clock_rate = 0;
  std::optional<uint16_t> channels;
  bool operator==(const Rtpmap&) const = default;
};
Result<Rtpmap> parse_rtpmap(std::string_view v);
std::string format_rtpmap(const Rtpmap& r);

struct Fmtp {
  uint8_t payload_type = 0;
  std::string parameters;  // raw, e.g. "minptime=10;useinbandfec=1"
  // key=value pairs split on ';' (a token without '=' gives an empty value).
  std::vector<std::pair<std::string, std::string>> pairs() const;
  bool operator==(const Fmtp&) const = default;
};
Result<Fmtp> parse_fmtp(std::string_view v);
std::string format_fmtp(const Fmtp& f);

struct RtcpFb {
  std::optional<uint8_t> payload_type;  // nullopt = "*"
  std::string type;                     // "nack", "ccm", "goog-remb", "transport-cc"
  std::string parameter;                // "pli", "fir", "" …
  bool operator==(const RtcpFb&) const = default;
};
Result<RtcpFb> parse_rtcp_fb(std::string_view v);
std::string format_rtcp_fb(const RtcpFb& f);

struct Extmap {
  uint16_t id = 0;
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;  // extension attributes, raw
  bool operator==(const Extmap&) const = default;
};
Result<Extmap> parse_extmap(std::string_view v);
std::string format_extmap(const Extmap& e);

struct Msid {
  std::string stream_id;  // "-" for no stream
  std::string track_id;   // may be empty
  bool operator==(const Msid&) const = default;
};
Result<Msid> parse_msid(std::string_view v);
std::string format_msid(const Msid& m);

struct SsrcAttribute {
  uint32_t ssrc = 0;
  std::string attribute;              // "cname", "msid", …
  std::optional<std::string> value;
  bool operator==(const SsrcAttribute&) const = default;
};
Result<SsrcAttribute> parse_ssrc(std::string_view v);
std::string format_ssrc(const SsrcAttribute& s);

struct SsrcGroup {
  std::string semantics;  // "FID", "SIM", "FEC-FR"
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};
Result<SsrcGroup> parse_ssrc_group(std::string_view v);
std::string format_ssrc_group(const SsrcGroup& g);

struct Rid {
  std::string id;
  bool send = true;  // "send" or "recv"
  std::string restrictions;  // raw, e.g. "pt=96;max-width=1280"
  bool operator==(const Rid&) const = default;
};
Result<Rid> parse_rid(std::string_view v);
std::string format_rid(const Rid& r);

struct Simulcast {
  struct Alternative {
    std::string rid;
    bool paused = false;  // "~rid"
    bool operator==(const Alternative&) const = default;
  };
  using Stream = std::vector<Alternative>;  // alternatives separated by ','
  std::vector<Stream> send;                 // streams separated by ';'
  std::vector<Stream> recv;
  bool operator==(const Simulcast&) const = default;
};
Result<Simulcast> parse_simulcast(std::string_view v);
std::string format_simulcast(const Simulcast& s);

struct Group {
  std::string semantics;  // "BUNDLE", "LS"
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};
Result<Group> parse_group(std::string_view v);
std::string format_group(const Group& g);

struct FingerprintAttr {
  std::string hash_function;  // "sha-256" (as written)
  std::string value;          // "AB:CD:…"
  bool operator==(const FingerprintAttr&) const = default;
};
Result<FingerprintAttr> parse_fingerprint(std::string_view v);
std::string format_fingerprint(const FingerprintAttr& f);

// `a=ice-options:trickle ice2` → {"trickle", "ice2"}.
std::vector<std::string_view> split_tokens(std::string_view v);

// Numeric attributes; nullopt when absent or malformed.
std::optional<uint16_t> sctp_port(const AttributeList& attrs);
std::optional<uint64_t> max_message_size(const AttributeList& attrs);

// Checks that every known attribute in the description parses; on failure
// names the attribute (1-based media index, 0 = session level).
struct AttributeFailure {
  size_t media_index = 0;
  std::string attribute;
  const char* reason = "";
};
Result<void> validate_attributes(const SessionDescription& sd, AttributeFailure* failure = nullptr);

}  // namespace sansrtc::sdp
