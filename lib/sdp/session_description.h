// sdp/session_description.h — SDP (RFC 8866) as WebRTC uses it (JSEP, RFC 8829).
//
// A parsed description keeps every line it understood in order, as text:
// session fields, media sections, and each `a=` attribute as name + value.
// Nothing is lost, so a description round-trips byte for byte (browser SDP
// is already in canonical order), and unknown attributes are kept. Typed
// readers for the attributes WebRTC uses live in attributes.h and work on
// these raw values on demand.
//
// Parsing is bounded by `Limits` (size, lines, media sections, attributes
// per section, line length); errors name the line number and the reason.
//
// Left out: `k=` (obsolete, RFC 8866 §5.12 — parsed and kept as an
// attribute-like line but never interpreted), `z=` zone adjustments (kept
// verbatim), multiple `t=`/`r=` repeat semantics (kept verbatim).
#pragma once

#include <sansrtc/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sansrtc::sdp {

struct Limits {
  size_t max_size = 256 * 1024;       // bytes of SDP text
  size_t max_lines = 8192;
  size_t max_line_length = 4096;
  size_t max_media_sections = 256;
  size_t max_attributes_per_section = 1024;
};

// `a=name` or `a=name:value` (value may be empty after a colon).
struct Attribute {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Attribute&) const = default;
};

// `b=<bwtype>:<bandwidth>`
struct Bandwidth {
  std::string type;  // "AS", "TIAS", "CT", …
  uint64_t value = 0;
  bool operator==(const Bandwidth&) const = default;
};

// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
struct Origin {
  std::string username = "-";
  std::string session_id = "0";       // digits; kept as text (may exceed 64 bits)
  uint64_t session_version = 0;
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

// A line kept verbatim with its type letter (`i=`, `u=`, `e=`, `p=`, `z=`, `k=`, `r=`).
struct OtherLine {
  char type = 0;
  std::string value;
  bool operator==(const OtherLine&) const = default;
};

class AttributeList {
 public:
  std::vector<Attribute> items;

  // First value of `name` (nullopt when absent; "" for a flag attribute).
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> all(std::string_view name) const;
  void add(std::string name, std::optional<std::string> value = std::nullopt);
  // The same, copying from views: a=name (a flag) and a=name:value. Out of
  // line, so a caller writing many attributes stays small.
  void add_flag(std::string_view name);
  void add_text(std::string_view name, std::string_view value);
  // Removes every attribute called `name`; returns how many.
  size_t remove(std::string_view name);
  // Replaces the first `name` (or appends).
  void set(std::string_view name, std::optional<std::string> value);
  bool operator==(const AttributeList&) const = default;
};

// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` and what follows.
struct MediaDescription {
  std::string media;           // "audio", "video", "application", …
  uint16_t port = 9;
  std::optional<uint16_t> port_count;
  std::string proto;           // "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", …
  std::vector<std::string> formats;  // payload types or "webrtc-datachannel"
  std::optional<std::string> title;  // i=
  std::optional<std::string> connection;  // c= value
  std::vector<Bandwidth> bandwidths;
  std::vector<OtherLine> key_lines;  // k= (obsolete; kept)
  AttributeList attributes;
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  int version = 0;
  Origin origin;
  std::string session_name = "-";
  std::vector<OtherLine> info_lines;  // i=, u=, e=, p= in order
  std::optional<std::string> connection;
  std::vector<Bandwidth> bandwidths;
  std::vector<std::string> times{"0 0"};   // t= values
  std::vector<OtherLine> time_lines;       // r= and z= in order after the t= lines
  std::vector<OtherLine> key_lines;        // k=
  AttributeList attributes;
  std::vector<MediaDescription> media;
  bool operator==(const SessionDescription&) const = default;
};

// Where parsing stopped. `line` is 1-based; 0 when the whole text was at fault.
struct ParseFailure {
  size_t line = 0;
  std::string text;     // the offending line (truncated to 200 bytes)
  const char* reason = "";
  std::string to_string() const;  // "line 12: bad m= line: 'm=audio x ...'"
};

// Parses `text`. Lines end with CRLF or LF. On failure returns
// Errc::malformed / Errc::limit_exceeded and, if `failure` is given, fills it.
Result<SessionDescription> parse(std::string_view text, const Limits& limits = {},
                                 ParseFailure* failure = nullptr);

// Serializes with CRLF line endings in RFC 8866 order.
std::string serialize(const SessionDescription& sd);

// v in decimal: one small routine in place of std::to_string's overloads
// for every integer type (they cost flash on small targets).
std::string decimal(uint64_t v);

}  // namespace sansrtc::sdp
