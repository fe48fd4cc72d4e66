#include "pc/remote_description.h"

#include <algorithm>
#include <cstring>

// Failure texts (DescriptionFailure::reason and the syntax reasons in its
// detail). With SANSRTC_TERSE_ERRORS, where errors carry only their Errc,
// they are left out of the image too and read "".
#if defined(SANSRTC_TERSE_ERRORS)
#define SANSRTC_REASON(text) ""
#else
#define SANSRTC_REASON(text) text
#endif

namespace sansrtc::pc {
namespace {

// v.substr(pos, n) for a `pos` known to be within `v` (every use here):
// without the bounds check and the call substr() costs at each use.
std::string_view sub(std::string_view v, size_t pos, size_t n = std::string_view::npos) {
  return {v.data() + pos, std::min(n, v.size() - pos)};
}

// s = v, without a temporary string (one out-of-line call per use).
void set(std::string& s, std::string_view v) { s.assign(v.data(), v.size()); }

Error fail(DescriptionFailure* f, Errc code, size_t media_index, const char* reason,
           std::string_view detail = {}) {
  if (f) {
    f->media_index = media_index;
    f->reason = reason;
    set(f->detail, sub(detail, 0, 200));
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

// Decimal digits only, at most `max_digits` of them and at most `max`
// (std::from_chars would pull in its generic tables: this is all a
// description needs). One routine serves ports, payload types, the o=
// version, b= values and max-message-size.
bool parse_number(std::string_view s, size_t max_digits, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > max_digits) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
    if (v > max) return false;
  }
  out = v;
  return true;
}

// Index of `v` in `names` ('\0'-separated, ending with an empty name); -1
// when absent. Attribute names, media types and SCTP protos go through it
// instead of a ladder of comparisons each.
int name_index(const char* names, std::string_view v) {
  for (int i = 0; *names; ++i) {
    size_t n = std::strlen(names);
    if (v == std::string_view(names, n)) return i;
    names += n + 1;
  }
  return -1;
}

bool is_sctp_proto(std::string_view proto) {
  return name_index("UDP/DTLS/SCTP\0TCP/DTLS/SCTP\0DTLS/SCTP\0", proto) >= 0;
}

// Number of single-space separated fields of `v` (two spaces make an empty
// field, as in RFC 8866 where SP is exactly one space); the first `max` go
// to `out`.
size_t split_fields(std::string_view v, std::string_view* out, size_t max) {
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= v.size(); ++i)
    if (i == v.size() || v[i] == ' ') {
      if (n < max) out[n] = sub(v, start, i - start);
      ++n;
      start = i + 1;
    }
  return n;
}

// The next space-separated token of `v`, empty ones skipped ("" at the
// end): a=ice-options:trickle ice2.
std::string_view next_token(std::string_view& v) {
  std::string_view t;
  while (t.empty() && !v.empty()) {
    t = sub(v, 0, v.find(' '));
    v.remove_prefix(std::min(v.size(), t.size() + 1));
  }
  return t;
}

// The next line of `text` from `pos` without its end of line (LF or CRLF).
std::string_view next_line(std::string_view text, size_t& pos) {
  size_t nl = text.find('\n', pos);
  std::string_view line = sub(text, pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
  pos = nl == std::string_view::npos ? text.size() : nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// v.emplace_back(s), in one place: every list of strings of the info
// grows through it.
[[gnu::noinline]] std::string& append(std::vector<std::string>& v, std::string_view s) { return v.emplace_back(s); }

// RFC 8122 §5: a=fingerprint:<hash-func> SP <fingerprint>, checked as
// sdp::parse_fingerprint checks it; written to `out` when given.
bool read_fingerprint(std::string_view v, sdp::FingerprintAttr* out) {
  const size_t sp = v.find(' ');
  const std::string_view func = sub(v, 0, sp);
  const std::string_view value = sp == std::string_view::npos ? std::string_view() : sub(v, sp + 1);
  if (func.empty() || func.size() > 16 || value.size() < 2 || value.size() > 64 * 3 || value.size() % 3 != 2)
    return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i], l = char(c | 0x20);
    const bool hex = (c >= '0' && c <= '9') || (l >= 'a' && l <= 'f');
    if (i % 3 == 2 ? c != ':' : !hex) return false;
  }
  if (out) {
    set(out->hash_function, func);
    set(out->value, value);
  }
  return true;
}

// RFC 5888 §5: a=group:<semantics> *(SP <identification-tag>), checked as
// sdp::parse_group checks it (tags are RFC 8866 tokens, at most 256);
// the tags go to `mids` when given.
bool read_group(std::string_view v, std::string_view& semantics, std::vector<std::string>* mids) {
  semantics = sub(v, 0, v.find(' '));
  if (semantics.empty()) return false;
  v.remove_prefix(std::min(v.size(), semantics.size() + 1));
  for (size_t n = 0; !v.empty(); ++n) {
    const std::string_view mid = sub(v, 0, v.find(' '));
    if (mid.empty() || n >= 256) return false;
    for (char c : mid)
      if (c <= 0x20 || c >= 0x7f || std::strchr("\"(),;<>?@[\\]{}", c)) return false;
    if (mids) append(*mids, mid);
    v.remove_prefix(std::min(v.size(), mid.size() + 1));
  }
  return true;
}

// The values of the a=<name>: lines of one level, from the line holding
// `first` (the value of the first one, a view into `text`) to the next m=
// line. Fingerprints and groups are read a second time from the text, once
// their count is known, instead of growing a vector of each while reading.
class AttrLines {
 public:
  AttrLines(std::string_view text, std::string_view first, std::string_view prefix)
      : text_(text), prefix_(prefix), pos_(size_t(first.data() - text.data()) - prefix.size()) {}
  bool next(std::string_view& value) {
    while (pos_ < text_.size()) {
      std::string_view l = next_line(text_, pos_);
      if (l.starts_with("m=")) break;
      if (l.starts_with(prefix_)) {
        value = sub(l, prefix_.size());
        return true;
      }
    }
    pos_ = text_.size();
    return false;
  }

 private:
  std::string_view text_, prefix_;
  size_t pos_;
};

constexpr char kSetupNames[] = "actpass\0active\0passive\0holdconn\0";
static_assert(int(sdp::Setup::actpass) == 0 && int(sdp::Setup::active) == 1 && int(sdp::Setup::passive) == 2 &&
              int(sdp::Setup::holdconn) == 3);

// The attributes a remote description is read for. One table and one loop
// find a name; the first four are the direction flags in sdp::Direction
// order.
enum Attr : uint8_t {
  a_sendrecv, a_sendonly, a_recvonly, a_inactive,
  a_group, a_ice_lite, a_ice_options, a_ice_ufrag, a_ice_pwd, a_fingerprint, a_setup,
  a_mid, a_candidate, a_end_of_candidates, a_bundle_only, a_sctp_port, a_max_message_size,
  a_rtcp_mux, a_rtcp_mux_only, a_rtcp_rsize,
#if !SANSRTC_NO_MEDIA
  a_rtpmap, a_fmtp, a_rtcp_fb, a_msid,
#endif
  a_count
};
constexpr char kAttrNames[] =
    "sendrecv\0sendonly\0recvonly\0inactive\0"
    "group\0ice-lite\0ice-options\0ice-ufrag\0ice-pwd\0fingerprint\0setup\0"
    "mid\0candidate\0end-of-candidates\0bundle-only\0sctp-port\0max-message-size\0"
    "rtcp-mux\0rtcp-mux-only\0rtcp-rsize\0"
#if !SANSRTC_NO_MEDIA
    "rtpmap\0fmtp\0rtcp-fb\0msid\0"
#endif
    ;
static_assert(a_count <= 32);


// What one level (the session, or the m= section being read) said: the
// first value of each attribute, as a view into the description text.
struct Level {
  uint32_t seen = 0;
  std::string_view first[a_count];
  int dir = -1;             // first direction flag (a=sendonly …), -1: none
  size_t attrs = 0;         // a= lines, for Limits::max_attributes_per_section
  bool has_c = false, has_i = false;
  size_t fps = 0;           // well-formed a=fingerprint lines
  bool bad_fp = false, bad_group = false;
  std::string_view bad_fp_value, bad_group_value;  // the first malformed one
  bool has(int a) const { return (seen >> a) & 1; }
};

// One pass over the text (RFC 8866 §5): the syntax is checked line by line
// exactly as sdp::parse does, and what WebRTC needs goes straight into the
// info. A WebRTC rule broken inside a section is remembered (the first one,
// in the order the checks run) and reported only once the whole text has
// parsed, so a syntax error anywhere still wins, as it did when the tree
// was parsed first.
class Reader {
 public:
  Reader(SdpType type, std::string_view text, const RemoteDescriptionLimits& limits, RemoteDescriptionInfo& info)
      : type_(type), text_(text), limits_(limits), info_(info) {}

  // One line without its end of line; false: a syntax error (why_, code_).
  bool line(std::string_view line, size_t number);
  // After the last line; false: a syntax error.
  bool finish() {
    if (head_ < 3) return bad(SANSRTC_REASON("truncated: v=, o= and s= are required"));
    end_level();
    return true;
  }
  bool bad(const char* why, Errc code = Errc::malformed) {
    why_ = why;
    code_ = code;
    return false;
  }

  const char* why_ = "";
  Errc code_ = Errc::malformed;
  // The first WebRTC rule broken (reason_ null: none).
  const char* reason_ = nullptr;
  size_t reason_index_ = 0;
  std::string_view reason_detail_;

 private:
  void note(size_t index, const char* reason, std::string_view detail = {}) {
    if (reason_) return;
    reason_ = reason;
    reason_index_ = index;
    reason_detail_ = detail;
  }
  bool origin(std::string_view v);
  bool media(std::string_view v);
  bool attribute(std::string_view v);
  void end_level();
  void end_media();
  // The value at media level, else at session level (nullptr: neither).
  const std::string_view* inherited(int a) const {
    if (media_.has(a)) return &media_.first[a];
    if (session_.has(a)) return &session_.first[a];
    return nullptr;
  }

  RemoteMediaInfo& cur() { return info_.media[sections_ - 1]; }

  const SdpType type_;
  const std::string_view text_;
  const RemoteDescriptionLimits& limits_;
  RemoteDescriptionInfo& info_;
  size_t sections_ = 0;  // m= sections read
  int head_ = 0;  // v=, o=, s= seen so far
  bool seen_t_ = false;
  bool in_media_ = false;
  uint16_t port_ = 0;
  Level session_;
  Level media_;
  size_t bundles_ = 0;  // well-formed a=group:BUNDLE lines
};

// RFC 8866 §5, as sdp::parse accepts it (any order after s=, except that
// r=/z= follow a t= and session-only lines stay before the first m=):
//   v=0
//   o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
//   s=<session name>
//   i= u= e= p= c= b= t= r= z= k= a=      session level
//   m=<media> <port> <proto> <fmt> ...    then per section: i= c= b= k= a=
bool Reader::line(std::string_view line, size_t number) {
  const sdp::Limits& lim = limits_.sdp;
  if (number > lim.max_lines) return bad(SANSRTC_REASON("too many lines"), Errc::limit_exceeded);
  if (line.empty()) return true;  // tolerated (browsers end with CRLF; some tools add blank lines)
  if (line.size() > lim.max_line_length) return bad(SANSRTC_REASON("line too long"), Errc::limit_exceeded);
  if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return bad(SANSRTC_REASON("expected <type>=<value>"));
  for (char c : line)
    if (c == '\0' || c == '\r') return bad(SANSRTC_REASON("control character in line"));
  const char type = line[0];
  const std::string_view v = sub(line, 2);
  Level& level = in_media_ ? media_ : session_;

  // RFC 8866 §5: "v=", "o=", "s=" come first, in this order.
  if (head_ < 3) {
    static const char* const kHead[] = {SANSRTC_REASON("first line must be v="), SANSRTC_REASON("second line must be o="),
                                        SANSRTC_REASON("third line must be s=")};
    if (type != "vos"[head_]) return bad(kHead[head_]);
    if (head_ == 0 && v != "0") return bad(SANSRTC_REASON("unsupported SDP version"));
    if (head_ == 1 && !origin(v)) return false;
    ++head_;
    return true;
  }
  switch (type) {
    case 'm': return media(v);
    case 'a': return attribute(v);
    case 'c':
      if (split_fields(v, nullptr, 0) != 3) return bad(SANSRTC_REASON("c= needs nettype, addrtype and address"));
      if (level.has_c) return bad(in_media_ ? SANSRTC_REASON("more than one c= in a media section") : SANSRTC_REASON("more than one session-level c="));
      level.has_c = true;
      return true;
    case 'b': {
      size_t colon = v.find(':');
      uint64_t n;
      if (colon == std::string_view::npos || colon == 0 || !parse_number(sub(v, colon + 1), 19, UINT64_MAX, n))
        return bad(SANSRTC_REASON("b= must be <type>:<number>"));
      return true;
    }
    case 'i':
      if (in_media_) {
        if (level.has_i) return bad(SANSRTC_REASON("more than one i= in a media section"));
        level.has_i = true;
      }
      return true;
    case 'u': case 'e': case 'p':
      return in_media_ ? bad(SANSRTC_REASON("session-level line inside a media section")) : true;
    case 't':
      if (in_media_) return bad(SANSRTC_REASON("t= inside a media section"));
      seen_t_ = true;
      return true;
    case 'r': case 'z':
      if (in_media_) return bad(SANSRTC_REASON("time line inside a media section"));
      return seen_t_ ? true : bad(SANSRTC_REASON("r=/z= before t="));
    case 'k':
      return true;
    default:
      // RFC 8866 §5: unknown types are ignored by parsers; we refuse them
      // (as sdp::parse does) because nothing WebRTC produces uses another letter.
      return bad(SANSRTC_REASON("unknown line type"));
  }
}

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
bool Reader::origin(std::string_view v) {
  std::string_view f[6];
  if (split_fields(v, f, 6) != 6) return bad(SANSRTC_REASON("o= needs 6 fields"));
  for (auto x : f)
    if (x.empty()) return bad(SANSRTC_REASON("empty field in o="));
  for (char c : f[1])
    if (c < '0' || c > '9') return bad(SANSRTC_REASON("o= session id must be digits"));  // any length: kept as text
  if (!parse_number(f[2], 19, UINT64_MAX, info_.session_version)) return bad(SANSRTC_REASON("o= session version must be a number"));
  set(info_.session_id, f[1]);
  return true;
}

// m=<media> <port>[/<number of ports>] <proto> <fmt> ...
bool Reader::media(std::string_view v) {
  // The second test never fails first: info_.media has one element per m=
  // line (see parse_remote_description), at most max_media_sections.
  if (sections_ >= limits_.sdp.max_media_sections || sections_ >= info_.media.size())
    return bad(SANSRTC_REASON("too many media sections"), Errc::limit_exceeded);
  std::string_view f[3];
  const size_t fields = split_fields(v, f, 3);
  if (fields < 3) return bad(SANSRTC_REASON("m= needs media, port and proto"));
  std::string_view port = f[1];
  uint64_t p = 0, count = 0;
  size_t slash = port.find('/');
  if (slash != std::string_view::npos) {
    if (!parse_number(sub(port, slash + 1), 19, 65535, count) || count == 0) return bad(SANSRTC_REASON("bad port count in m="));
    port = sub(port, 0, slash);
  }
  if (!parse_number(port, 19, 65535, p)) return bad(SANSRTC_REASON("bad port in m="));
  if (f[0].empty() || f[2].empty()) return bad(SANSRTC_REASON("empty field in m="));

  end_level();
  in_media_ = true;
  media_ = Level{};
  port_ = uint16_t(p);
  RemoteMediaInfo& r = info_.media[sections_];
  r.index = sections_++;
  set(r.media, f[0]);
  static_assert(int(MediaKind::audio) == 0 && int(MediaKind::video) == 1 && int(MediaKind::application) == 2);
  if (int k = name_index("audio\0video\0application\0", f[0]); k >= 0) r.kind = MediaKind(k);
  set(r.proto, f[2]);
  std::string_view rest = sub(v, size_t(f[2].data() + f[2].size() - v.data()));
  for (size_t i = 3; i < fields; ++i) {
    rest.remove_prefix(1);  // the space before this format
    std::string_view fmt = sub(rest, 0, rest.find(' '));
    if (fmt.empty()) return bad(SANSRTC_REASON("empty format in m="));
    rest.remove_prefix(fmt.size());
    append(r.formats, fmt);
#if !SANSRTC_NO_MEDIA
    // Codecs: the m= formats, named by rtpmap (RFC 3551 §6 static payload
    // types WebRTC endpoints still offer without one), fmtp and rtcp-fb.
    uint64_t pt;
    if (is_sctp_proto(r.proto) || !parse_number(fmt, 10, 127, pt)) continue;
    Codec& c = r.codecs.emplace_back();
    c.payload_type = uint8_t(pt);
    static const uint8_t kStatic[] = {0, 8, 9, 13};
    static const char* const kStaticNames[] = {"PCMU", "PCMA", "G722", "CN"};
    for (size_t k = 0; k < 4; ++k)
      if (pt == kStatic[k]) {
        c.name = kStaticNames[k];
        c.clock_rate = 8000;
      }
#endif
  }
  return true;
}

#if !SANSRTC_NO_MEDIA
Codec* find_codec(std::vector<Codec>& codecs, uint8_t pt) {
  for (auto& c : codecs)
    if (c.payload_type == pt) return &c;
  return nullptr;
}
#endif

// a=<attribute>[:<value>]
bool Reader::attribute(std::string_view v) {
  Level& level = in_media_ ? media_ : session_;
  if (level.attrs >= limits_.sdp.max_attributes_per_section)
    return bad(SANSRTC_REASON("too many attributes in a section"), Errc::limit_exceeded);
  ++level.attrs;
  const size_t colon = v.find(':');
  const std::string_view name = sub(v, 0, colon);
  if (name.empty()) return bad(SANSRTC_REASON("empty attribute name"));
  if (name.find(' ') != std::string_view::npos) return bad(SANSRTC_REASON("space in attribute name"));
  const bool flag = colon == std::string_view::npos;
  const std::string_view value = flag ? std::string_view() : sub(v, colon + 1);
  const int a = name_index(kAttrNames, name);
  if (a < 0) return true;  // not needed to answer; the text keeps it
  if (a <= a_inactive) {
    if (flag && level.dir < 0) level.dir = a;
    return true;
  }
  if (!level.has(a)) {
    level.first[a] = value;
    level.seen |= 1u << a;
  }
  switch (a) {
    case a_group:
      if (!in_media_) {
        std::string_view semantics;
        if (!read_group(value, semantics, nullptr)) {
          if (!level.bad_group) level.bad_group_value = value;
          level.bad_group = true;
        } else {
          bundles_ += semantics == "BUNDLE";
        }
      }
      break;
    case a_fingerprint:
      if (!read_fingerprint(value, nullptr)) {
        if (!level.bad_fp) level.bad_fp_value = value;
        level.bad_fp = true;
      } else {
        ++level.fps;
      }
      break;
    case a_candidate:
      if (in_media_) {
        RemoteMediaInfo& r = cur();
        if (r.candidates.size() >= limits_.max_candidates_per_section) {
          ++r.candidates_dropped;
        } else {
          // Kept raw; the ICE layer parses it.
          append(r.candidates, "candidate:").append(value.data(), value.size());
        }
      }
      break;
#if !SANSRTC_NO_MEDIA
    case a_rtpmap:
      if (in_media_) {
        auto m = sdp::parse_rtpmap(value);
        if (!m.ok()) break;
        if (Codec* c = find_codec(cur().codecs, m->payload_type)) {
          c->name = std::move(m->encoding);
          c->clock_rate = m->clock_rate;
          c->channels = m->channels;
        }
      }
      break;
    case a_fmtp:
      if (in_media_) {
        auto f = sdp::parse_fmtp(value);
        if (!f.ok()) break;
        if (Codec* c = find_codec(cur().codecs, f->payload_type)) c->fmtp = std::move(f->parameters);
      }
      break;
    case a_rtcp_fb:
      if (in_media_) {
        auto f = sdp::parse_rtcp_fb(value);
        if (!f.ok()) break;
        std::string fb = f->type;
        if (!f->parameter.empty()) fb += " " + f->parameter;
        auto& codecs = cur().codecs;
        if (!f->payload_type) {
          for (auto& c : codecs) c.rtcp_fb.push_back(fb);
        } else if (Codec* c = find_codec(codecs, *f->payload_type)) {
          c->rtcp_fb.push_back(fb);
        }
      }
      break;
#endif
    default:
      break;
  }
  return true;
}

void Reader::end_level() {
  if (in_media_) {
    end_media();
    return;
  }
  // The session level, before the first m= section.
  const Level& s = session_;
  if (s.bad_group) note(0, SANSRTC_REASON("bad a=group"), s.bad_group_value);
  if (s.bad_fp) note(0, SANSRTC_REASON("bad a=fingerprint"), s.bad_fp_value);
  if (s.has(a_setup) && name_index(kSetupNames, s.first[a_setup]) < 0) note(0, SANSRTC_REASON("bad a=setup"), s.first[a_setup]);
  info_.ice_lite = s.has(a_ice_lite);
  if (bundles_ && !s.bad_group) {
    info_.bundle_groups = std::vector<sdp::Group>(bundles_);
    auto g = info_.bundle_groups.begin();
    AttrLines lines(text_, s.first[a_group], "a=group:");
    for (std::string_view v, semantics; lines.next(v);)
      if (read_group(v, semantics, nullptr) && semantics == "BUNDLE") {
        set(g->semantics, semantics);
        read_group(v, semantics, &g->mids);
        ++g;
      }
  }
  for (std::string_view o = s.first[a_ice_options], t; !(t = next_token(o)).empty();)
    if (t == "trickle") info_.session_trickle = true;
}

// The rules that need the whole section (JSEP §5.8, in the order they were
// always checked: mid, fingerprint, setup, application transport).
void Reader::end_media() {
  RemoteMediaInfo& r = cur();
  const size_t n = sections_;
  const Level& m = media_;
  r.bundle_only = m.has(a_bundle_only);
  r.rejected = port_ == 0 && !r.bundle_only;
  if (m.has(a_mid)) {
    if (m.first[a_mid].empty()) note(n, SANSRTC_REASON("empty a=mid"));
    set(r.mid, m.first[a_mid]);
  }
  if (auto* u = inherited(a_ice_ufrag)) set(r.ice_ufrag, *u);
  if (auto* p = inherited(a_ice_pwd)) set(r.ice_pwd, *p);
  for (std::string_view o = m.first[a_ice_options], t; !(t = next_token(o)).empty();) append(r.ice_options, t);
  if (m.bad_fp) note(n, SANSRTC_REASON("bad a=fingerprint"), m.bad_fp_value);
  // The section's fingerprints, else the session's (none when one of either
  // is malformed: the description is refused then).
  if (const Level& f = m.fps ? m : session_; f.fps && !f.bad_fp) {
    r.fingerprints = std::vector<sdp::FingerprintAttr>(f.fps);
    auto fp = r.fingerprints.begin();
    AttrLines lines(text_, f.first[a_fingerprint], "a=fingerprint:");
    for (std::string_view v; lines.next(v);) read_fingerprint(v, &*fp++);
  }
  r.setup = type_ == SdpType::offer ? sdp::Setup::actpass : sdp::Setup::active;
  if (auto* s = inherited(a_setup)) {
    // A malformed session-level value was noted when the session ended.
    if (int setup = name_index(kSetupNames, *s); setup >= 0) r.setup = sdp::Setup(setup);
    else note(n, SANSRTC_REASON("bad a=setup"), *s);
  }
  r.candidates.shrink_to_fit();  // kept for the whole negotiation
  r.end_of_candidates = m.has(a_end_of_candidates);
  if (r.kind == MediaKind::application) {
    if (!is_sctp_proto(r.proto)) note(n, SANSRTC_REASON("m=application is not DTLS/SCTP"), r.proto);
    uint64_t v;
    if (m.has(a_sctp_port)) {
      if (parse_number(m.first[a_sctp_port], 20, 65535, v)) r.sctp_port = uint16_t(v);
      else note(n, SANSRTC_REASON("bad a=sctp-port"));
    } else if (r.proto == "DTLS/SCTP" && !r.formats.empty() && parse_number(r.formats[0], 10, 65535, v) && v > 0) {
      // draft-ietf-mmusic-sctp-sdp-05 form: "m=application 9 DTLS/SCTP 5000".
      r.sctp_port = uint16_t(v);
    }
    if (!r.sctp_port) r.sctp_port = 5000;  // RFC 8841 §5.2: default 5000
    if (m.has(a_max_message_size)) {
      if (parse_number(m.first[a_max_message_size], 20, UINT64_MAX / 10, v)) r.max_message_size = v;
      else note(n, SANSRTC_REASON("bad a=max-message-size"));
    }
  }
  static_assert(int(RtpTransceiverDirection::sendrecv) == a_sendrecv &&
                int(RtpTransceiverDirection::sendonly) == a_sendonly &&
                int(RtpTransceiverDirection::recvonly) == a_recvonly &&
                int(RtpTransceiverDirection::inactive) == a_inactive);
  const int dir = m.dir >= 0 ? m.dir : session_.dir;
  r.direction = dir < 0 ? RtpTransceiverDirection::sendrecv : RtpTransceiverDirection(dir);
  r.rtcp_mux = m.has(a_rtcp_mux);
  r.rtcp_mux_only = m.has(a_rtcp_mux_only);
  r.rtcp_rsize = m.has(a_rtcp_rsize);
#if !SANSRTC_NO_MEDIA
  // Formats without an rtpmap and not static are unusable; drop them.
  std::erase_if(r.codecs, [](const Codec& c) { return c.name.empty(); });
  if (m.has(a_msid)) {
    auto msid = sdp::parse_msid(m.first[a_msid]);
    if (msid.ok()) r.msid = std::move(msid).value();
  }
#endif
}

// Whether `mid`, an element of one of `groups`, is named before it (in an
// earlier group or earlier in its own). Mids are unique by then, so this is
// "its section is in two groups" (or twice in one).
bool named_before(const std::vector<sdp::Group>& groups, const std::string& mid) {
  for (const auto& g : groups)
    for (const auto& m : g.mids) {
      if (&m == &mid) return false;
      if (m == mid) return true;
    }
  return false;
}

// The rules that need every section (RFC 8843 §7, RFC 8839 §5.4, RFC 8842
// §5): the first one broken, its 1-based section (0: session) and what to
// quote, or nullptr. `detail` views strings of `info`.
const char* check_sections(RemoteDescriptionInfo& info, SdpType type, size_t& index, std::string_view& detail) {
  const bool bundled = !info.bundle_groups.empty();
  // Mids: unique; generated from the index when absent and nothing is bundled.
  detail = {};
  for (auto& r : info.media) {
    index = r.index + 1;
    if (r.mid.empty()) {
      if (bundled && !r.rejected) return SANSRTC_REASON("missing a=mid (BUNDLE is used)");
      r.mid = sdp::decimal(r.index);
      r.mid_generated = true;
    }
  }
  for (const auto& r : info.media) {
    index = r.index + 1;
    detail = r.mid;
    for (size_t j = 0; j < r.index; ++j)
      if (info.media[j].mid == r.mid) return SANSRTC_REASON("duplicate a=mid");
  }

  // BUNDLE groups: every mid exists, no section in two groups; bundle-only
  // sections take the transport of the group's first section; one setup role.
  for (const auto& group : info.bundle_groups) {
    index = 0;
    detail = {};
    if (group.mids.empty()) return SANSRTC_REASON("empty BUNDLE group");
    for (const auto& mid : group.mids) {
      detail = mid;
      index = 0;
      while (index < info.media.size() && info.media[index].mid != mid) ++index;
      if (index == info.media.size()) {
        index = 0;
        return SANSRTC_REASON("BUNDLE group names a mid with no m= section");
      }
      ++index;
      if (named_before(info.bundle_groups, mid)) return SANSRTC_REASON("m= section in two BUNDLE groups");
    }
  }
  for (const auto& group : info.bundle_groups) {
    const RemoteMediaInfo* tagged = nullptr;
    for (const auto& mid : group.mids) {
      for (auto& r : info.media) {
        if (r.mid != mid) continue;
        if (r.rejected) break;
        if (!tagged) {
          tagged = &r;
          break;
        }
        if (r.bundle_only || r.ice_ufrag.empty()) {
          if (r.ice_ufrag.empty()) set(r.ice_ufrag, tagged->ice_ufrag);
          if (r.ice_pwd.empty()) set(r.ice_pwd, tagged->ice_pwd);
          if (r.fingerprints.empty()) r.fingerprints = std::vector<sdp::FingerprintAttr>(tagged->fingerprints);
        }
        index = r.index + 1;
        detail = sdp::to_string(r.setup);
        if (r.setup != tagged->setup) return SANSRTC_REASON("a=setup differs within one BUNDLE group");
        break;
      }
    }
  }

  for (const auto& r : info.media) {
    if (r.rejected) continue;
    index = r.index + 1;
    detail = {};
    if (r.ice_ufrag.empty()) return SANSRTC_REASON("missing a=ice-ufrag");
    if (r.ice_pwd.empty()) return SANSRTC_REASON("missing a=ice-pwd");
    // RFC 8839 §5.4: "ice-ufrag ... MUST be at least 4 characters long, and
    // MUST NOT be longer than 256 characters"; ice-pwd "at least 22".
    detail = r.ice_ufrag;
    if (r.ice_ufrag.size() < 4 || r.ice_ufrag.size() > 256 || !valid_ice_chars(r.ice_ufrag)) return SANSRTC_REASON("bad a=ice-ufrag");
    detail = {};
    if (r.ice_pwd.size() < 22 || r.ice_pwd.size() > 256 || !valid_ice_chars(r.ice_pwd)) return SANSRTC_REASON("bad a=ice-pwd");
    if (r.fingerprints.empty()) return SANSRTC_REASON("missing a=fingerprint");
    if (r.setup == sdp::Setup::holdconn) return SANSRTC_REASON("a=setup:holdconn is not supported");
    // RFC 8842 §5.3: "the answerer MUST NOT use the "actpass" value".
    if (type != SdpType::offer && r.setup == sdp::Setup::actpass) return SANSRTC_REASON("a=setup:actpass in an answer");
  }
  return nullptr;
}

}  // namespace

RemoteMediaInfo::RemoteMediaInfo() = default;
RemoteMediaInfo::RemoteMediaInfo(const RemoteMediaInfo&) = default;
RemoteMediaInfo::RemoteMediaInfo(RemoteMediaInfo&&) noexcept = default;
RemoteMediaInfo& RemoteMediaInfo::operator=(const RemoteMediaInfo&) = default;
RemoteMediaInfo& RemoteMediaInfo::operator=(RemoteMediaInfo&&) noexcept = default;
RemoteMediaInfo::~RemoteMediaInfo() = default;
RemoteDescriptionInfo::RemoteDescriptionInfo() = default;
RemoteDescriptionInfo::RemoteDescriptionInfo(const RemoteDescriptionInfo&) = default;
RemoteDescriptionInfo::RemoteDescriptionInfo(RemoteDescriptionInfo&&) noexcept = default;
RemoteDescriptionInfo& RemoteDescriptionInfo::operator=(const RemoteDescriptionInfo&) = default;
RemoteDescriptionInfo& RemoteDescriptionInfo::operator=(RemoteDescriptionInfo&&) noexcept = default;
RemoteDescriptionInfo::~RemoteDescriptionInfo() = default;

std::string DescriptionFailure::to_string() const {
  std::string out = media_index ? "m-section " : "session: ";
  if (media_index) {
    out += sdp::decimal(media_index);
    out += ": ";
  }
  out += reason;
  if (!detail.empty()) {
    out += " ('";
    out += detail;
    out += "')";
  }
  return out;
}

const RemoteMediaInfo* RemoteDescriptionInfo::find_mid(std::string_view mid) const {
  for (const auto& m : media) {
    if (m.mid == mid) return &m;
  }
  return nullptr;
}

bool RemoteDescriptionInfo::can_trickle() const {
  if (session_trickle) return true;
  for (const auto& m : media) {
    for (const auto& o : m.ice_options) {
      if (o == "trickle") return true;
    }
  }
  return false;
}

Result<RemoteDescriptionInfo> parse_remote_description(SdpType type, std::string_view text,
                                                       const RemoteDescriptionLimits& limits,
                                                       DescriptionFailure* failure) {
  if (type == SdpType::rollback)
    return fail(failure, Errc::invalid_argument, 0, SANSRTC_REASON("a rollback carries no description"));

  RemoteDescriptionInfo info;
  info.type = type;
  Reader reader(type, text, limits, info);
  size_t line_no = 0;
  std::string_view line;
  bool ok = text.size() <= limits.sdp.max_size || reader.bad(SANSRTC_REASON("SDP larger than the configured limit"), Errc::limit_exceeded);
  if (ok) {
    // One element per m= line, allocated once: a text that parses has a
    // section for each (one at a place no section may start does not parse).
    size_t sections = 0;
    for (size_t pos = 0; pos < text.size();) sections += next_line(text, pos).starts_with("m=");
    info.media = std::vector<RemoteMediaInfo>(std::min(sections, limits.sdp.max_media_sections));
  }
  for (size_t pos = 0; ok && pos < text.size();) {
    line = next_line(text, pos);
    ok = reader.line(line, ++line_no);
  }
  if (ok && !reader.finish()) {
    ok = false;
    line = {};
  }
  if (!ok) {
    // "line 12: bad m= line: 'm=audio x ...'", as sdp::ParseFailure says it.
    std::string detail;
    if (line_no) {
      detail = "line ";
      detail += sdp::decimal(line_no);
      detail += ": ";
    }
    detail += reader.why_;
    if (!line.empty()) {
      detail += ": '";
      detail.append(line.data(), std::min<size_t>(line.size(), 200));
      detail += '\'';
    }
    return fail(failure, reader.code_, 0, SANSRTC_REASON("sdp does not parse"), detail);
  }
  // No m= sections is legal: browsers create such an offer before anything
  // was added, and answer it the same way.
  size_t index = reader.reason_index_;
  std::string_view detail = reader.reason_detail_;
  const char* why = reader.reason_;
  if (!why) why = check_sections(info, type, index, detail);
  if (why) return fail(failure, Errc::invalid_argument, index, why, detail);
  return info;
}

}  // namespace sansrtc::pc
