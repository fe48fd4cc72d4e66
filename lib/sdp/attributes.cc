#include "sdp/attributes.h"

#include <cstring>

namespace sansrtc::sdp {
namespace {

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
    if (v > max) return false;
  }
  out = v;
  return true;
}

// s += sep + v, without the temporaries of operator+.
void append_field(std::string& s, char sep, std::string_view v) {
  s += sep;
  s += v;
}

// Splits "first rest" at the first space; rest may be empty.
std::pair<std::string_view, std::string_view> head_tail(std::string_view v) {
  size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return {v, {}};
  return {v.substr(0, sp), v.substr(sp + 1)};
}

bool parse_pt(std::string_view s, uint8_t& pt) {
  uint64_t v;
  if (!parse_uint(s, 127, v)) return false;
  pt = uint8_t(v);
  return true;
}

Error bad(const char* why) { return make_error(Errc::malformed, why); }

// RFC 8866 token-char is printable ASCII except space and the separators
// "(),/:;<=>?@[\]{}; browser ids also use '/', ':' and '=', which we allow.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c <= 0x20 || c >= 0x7f || std::strchr("\"(),;<>?@[\\]{}", c)) return false;
  return true;
}

// The names of a four-valued enum, '\0'-separated in enumerator order: one
// lookup routine in place of a comparison ladder per enum.
constexpr char kDirectionNames[] = "sendrecv\0sendonly\0recvonly\0inactive";
constexpr char kSetupNames[] = "actpass\0active\0passive\0holdconn";

const char* name_at(const char* names, unsigned i) {
  for (i &= 3; i; --i) names += std::strlen(names) + 1;
  return names;
}

int name_index(const char* names, std::string_view v) {
  for (int i = 0; i < 4; ++i, names += std::strlen(names) + 1)
    if (v == names) return i;
  return -1;
}

std::optional<Direction> parse_direction(std::string_view v) {
  int i = name_index(kDirectionNames, v);
  if (i < 0) return std::nullopt;
  return Direction(i);
}

}  // namespace

const char* to_string(Direction d) { return name_at(kDirectionNames, unsigned(d)); }

std::optional<Direction> direction(const AttributeList& attrs) {
  for (const auto& a : attrs.items)
    if (!a.value)
      if (auto d = parse_direction(a.name)) return d;
  return std::nullopt;
}

void set_direction(AttributeList& attrs, Direction d) {
  for (auto& a : attrs.items)
    if (!a.value && parse_direction(a.name)) {
      a.name = to_string(d);
      return;
    }
  attrs.add(to_string(d));
}

const char* to_string(Setup s) { return name_at(kSetupNames, unsigned(s)); }

std::optional<Setup> parse_setup(std::string_view v) {
  int i = name_index(kSetupNames, v);
  if (i < 0) return std::nullopt;
  return Setup(i);
}

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
Result<Rtpmap> parse_rtpmap(std::string_view v) {
  auto [pt, rest] = head_tail(v);
  Rtpmap r;
  if (!parse_pt(pt, r.payload_type)) return bad("rtpmap: bad payload type");
  size_t s1 = rest.find('/');
  if (s1 == std::string_view::npos || s1 == 0) return bad("rtpmap: expected encoding/clock-rate");
  r.encoding = std::string(rest.substr(0, s1));
  std::string_view clock = rest.substr(s1 + 1);
  size_t s2 = clock.find('/');
  uint64_t n;
  if (s2 != std::string_view::npos) {
    if (!parse_uint(clock.substr(s2 + 1), 65535, n)) return bad("rtpmap: bad channel count");
    r.channels = uint16_t(n);
    clock = clock.substr(0, s2);
  }
  if (!parse_uint(clock, 0xFFFFFFFFu, n) || n == 0) return bad("rtpmap: bad clock rate");
  r.clock_rate = uint32_t(n);
  return r;
}

std::string format_rtpmap(const Rtpmap& r) {
  std::string s = decimal(r.payload_type);
  append_field(s, ' ', r.encoding);
  append_field(s, '/', decimal(r.clock_rate));
  if (r.channels) append_field(s, '/', decimal(*r.channels));
  return s;
}

// a=fmtp:<format> <format specific parameters>
Result<Fmtp> parse_fmtp(std::string_view v) {
  auto [pt, rest] = head_tail(v);
  Fmtp f;
  if (!parse_pt(pt, f.payload_type)) return bad("fmtp: bad payload type");
  f.parameters = std::string(rest);
  return f;
}

std::vector<std::pair<std::string, std::string>> Fmtp::pairs() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view s = parameters;
  while (!s.empty()) {
    size_t semi = s.find(';');
    std::string_view item = s.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos)
        out.emplace_back(std::string(item), std::string());
      else
        out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    }
    if (semi == std::string_view::npos) break;
    s = s.substr(semi + 1);
  }
  return out;
}

std::string format_fmtp(const Fmtp& f) {
  std::string s = decimal(f.payload_type);
  append_field(s, ' ', f.parameters);
  return s;
}

// a=rtcp-fb:<pt|*> <type> [<parameter>]
Result<RtcpFb> parse_rtcp_fb(std::string_view v) {
  auto [pt, rest] = head_tail(v);
  RtcpFb f;
  if (pt != "*") {
    uint8_t p;
    if (!parse_pt(pt, p)) return bad("rtcp-fb: bad payload type");
    f.payload_type = p;
  }
  auto [type, param] = head_tail(rest);
  if (type.empty()) return bad("rtcp-fb: missing type");
  f.type = std::string(type);
  f.parameter = std::string(param);
  return f;
}

std::string format_rtcp_fb(const RtcpFb& f) {
  std::string s = f.payload_type ? decimal(*f.payload_type) : std::string("*");
  append_field(s, ' ', f.type);
  if (!f.parameter.empty()) append_field(s, ' ', f.parameter);
  return s;
}

// a=extmap:<value>["/"<direction>] <URI> <extensionattributes>
Result<Extmap> parse_extmap(std::string_view v) {
  auto [idpart, rest] = head_tail(v);
  Extmap e;
  size_t slash = idpart.find('/');
  uint64_t id;
  if (!parse_uint(idpart.substr(0, slash), 4096, id) || id == 0) return bad("extmap: bad id");
  e.id = uint16_t(id);
  if (slash != std::string_view::npos) {
    auto d = parse_direction(idpart.substr(slash + 1));
    if (!d) return bad("extmap: bad direction");
    e.direction = d;
  }
  auto [uri, attrs] = head_tail(rest);
  if (uri.empty()) return bad("extmap: missing URI");
  e.uri = std::string(uri);
  e.attributes = std::string(attrs);
  return e;
}

std::string format_extmap(const Extmap& e) {
  std::string s = decimal(e.id);
  if (e.direction) append_field(s, '/', to_string(*e.direction));
  append_field(s, ' ', e.uri);
  if (!e.attributes.empty()) append_field(s, ' ', e.attributes);
  return s;
}

// a=msid:<stream id> [<track id>]
Result<Msid> parse_msid(std::string_view v) {
  auto [stream, track] = head_tail(v);
  if (stream.empty() || stream.size() > 64 || track.size() > 64) return bad("msid: bad identifier");
  if (track.find(' ') != std::string_view::npos) return bad("msid: too many fields");
  return Msid{std::string(stream), std::string(track)};
}

std::string format_msid(const Msid& m) {
  std::string s = m.stream_id;
  if (!m.track_id.empty()) append_field(s, ' ', m.track_id);
  return s;
}

// a=ssrc:<ssrc-id> <attribute>[:<value>]
Result<SsrcAttribute> parse_ssrc(std::string_view v) {
  auto [id, rest] = head_tail(v);
  uint64_t n;
  if (!parse_uint(id, 0xFFFFFFFFu, n)) return bad("ssrc: bad ssrc id");
  SsrcAttribute s;
  s.ssrc = uint32_t(n);
  size_t colon = rest.find(':');
  if (rest.substr(0, colon).empty()) return bad("ssrc: missing attribute");
  s.attribute = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) s.value = std::string(rest.substr(colon + 1));
  return s;
}

std::string format_ssrc(const SsrcAttribute& s) {
  std::string out = decimal(s.ssrc);
  append_field(out, ' ', s.attribute);
  if (s.value) append_field(out, ':', *s.value);
  return out;
}

// a=ssrc-group:<semantics> <ssrc-id> ...
Result<SsrcGroup> parse_ssrc_group(std::string_view v) {
  auto [sem, rest] = head_tail(v);
  if (sem.empty()) return bad("ssrc-group: missing semantics");
  SsrcGroup g;
  g.semantics = std::string(sem);
  while (!rest.empty()) {
    auto [id, more] = head_tail(rest);
    uint64_t n;
    if (!parse_uint(id, 0xFFFFFFFFu, n)) return bad("ssrc-group: bad ssrc id");
    if (g.ssrcs.size() >= 64) return bad("ssrc-group: too many ssrcs");
    g.ssrcs.push_back(uint32_t(n));
    rest = more;
  }
  if (g.ssrcs.empty()) return bad("ssrc-group: no ssrcs");
  return g;
}

std::string format_ssrc_group(const SsrcGroup& g) {
  std::string s = g.semantics;
  for (uint32_t id : g.ssrcs) append_field(s, ' ', decimal(id));
  return s;
}

// a=rid:<rid-id> <send|recv> [<restrictions>]
Result<Rid> parse_rid(std::string_view v) {
  auto [id, rest] = head_tail(v);
  auto [dir, restrictions] = head_tail(rest);
  if (id.empty() || id.size() > 255) return bad("rid: bad id");
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return bad("rid: id must be alphanumeric, '-' or '_'");
  Rid r;
  r.id = std::string(id);
  if (dir == "send") r.send = true;
  else if (dir == "recv") r.send = false;
  else return bad("rid: direction must be send or recv");
  r.restrictions = std::string(restrictions);
  return r;
}

std::string format_rid(const Rid& r) {
  std::string s = r.id;
  s += r.send ? " send" : " recv";
  if (!r.restrictions.empty()) append_field(s, ' ', r.restrictions);
  return s;
}

namespace {
bool parse_sc_list(std::string_view v, std::vector<Simulcast::Stream>& out) {
  while (true) {
    size_t semi = v.find(';');
    std::string_view stream = v.substr(0, semi);
    Simulcast::Stream alts;
    while (true) {
      size_t comma = stream.find(',');
      std::string_view alt = stream.substr(0, comma);
      Simulcast::Alternative a;
      if (!alt.empty() && alt[0] == '~') {
        a.paused = true;
        alt.remove_prefix(1);
      }
      if (alt.empty()) return false;
      a.rid = std::string(alt);
      alts.push_back(std::move(a));
      if (comma == std::string_view::npos) break;
      stream = stream.substr(comma + 1);
    }
    if (out.size() >= 32) return false;
    out.push_back(std::move(alts));
    if (semi == std::string_view::npos) break;
    v = v.substr(semi + 1);
  }
  return true;
}

std::string format_sc_list(const std::vector<Simulcast::Stream>& list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) s += ';';
    for (size_t j = 0; j < list[i].size(); ++j) {
      if (j) s += ',';
      if (list[i][j].paused) s += '~';
      s += list[i][j].rid;
    }
  }
  return s;
}
}  // namespace

// a=simulcast:<send|recv> <list> [<recv|send> <list>]
Result<Simulcast> parse_simulcast(std::string_view v) {
  Simulcast sc;
  bool seen_send = false, seen_recv = false;
  while (!v.empty()) {
    auto [dir, rest] = head_tail(v);
    auto [list, more] = head_tail(rest);
    if (list.empty()) return bad("simulcast: missing stream list");
    if (dir == "send" && !seen_send) {
      seen_send = true;
      if (!parse_sc_list(list, sc.send)) return bad("simulcast: bad send list");
    } else if (dir == "recv" && !seen_recv) {
      seen_recv = true;
      if (!parse_sc_list(list, sc.recv)) return bad("simulcast: bad recv list");
    } else {
      return bad("simulcast: expected send or recv (once each)");
    }
    v = more;
  }
  if (!seen_send && !seen_recv) return bad("simulcast: empty");
  return sc;
}

std::string format_simulcast(const Simulcast& s) {
  std::string out;
  if (!s.send.empty()) {
    out = "send ";
    out += format_sc_list(s.send);
  }
  if (!s.recv.empty()) {
    if (!out.empty()) out += ' ';
    out += "recv ";
    out += format_sc_list(s.recv);
  }
  return out;
}

// a=group:<semantics> *(SP <identification-tag>)
Result<Group> parse_group(std::string_view v) {
  auto [sem, rest] = head_tail(v);
  if (sem.empty()) return bad("group: missing semantics");
  Group g;
  g.semantics = std::string(sem);
  while (!rest.empty()) {
    auto [mid, more] = head_tail(rest);
    if (!is_token(mid)) return bad("group: bad identification tag");
    if (g.mids.size() >= 256) return bad("group: too many tags");
    g.mids.push_back(std::string(mid));
    rest = more;
  }
  return g;
}

std::string format_group(const Group& g) {
  std::string s = g.semantics;
  for (const auto& m : g.mids) append_field(s, ' ', m);
  return s;
}

// a=fingerprint:<hash-func> <fingerprint>  (RFC 8122 §5)
Result<FingerprintAttr> parse_fingerprint(std::string_view v) {
  auto [func, value] = head_tail(v);
  if (func.empty() || func.size() > 16) return bad("fingerprint: bad hash function");
  if (value.size() < 2 || value.size() > 64 * 3) return bad("fingerprint: bad length");
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (i % 3 == 2 ? c != ':' : !hex) return bad("fingerprint: expected XX:XX:… hex");
  }
  if (value.size() % 3 != 2) return bad("fingerprint: expected XX:XX:… hex");
  return FingerprintAttr{std::string(func), std::string(value)};
}

std::string format_fingerprint(const FingerprintAttr& f) {
  std::string s = f.hash_function;
  append_field(s, ' ', f.value);
  return s;
}

std::vector<std::string_view> split_tokens(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    auto [t, rest] = head_tail(v);
    if (!t.empty()) out.push_back(t);
    v = rest;
  }
  return out;
}

std::optional<uint16_t> sctp_port(const AttributeList& attrs) {
  auto v = attrs.get("sctp-port");
  uint64_t n;
  if (!v || !parse_uint(*v, 65535, n)) return std::nullopt;
  return uint16_t(n);
}

std::optional<uint64_t> max_message_size(const AttributeList& attrs) {
  auto v = attrs.get("max-message-size");
  uint64_t n;
  if (!v || !parse_uint(*v, UINT64_MAX / 10, n)) return std::nullopt;
  return n;
}

namespace {
Result<void> check_list(const AttributeList& list, size_t index, AttributeFailure* failure) {
  for (const auto& a : list.items) {
    const std::string_view v = a.value ? std::string_view(*a.value) : std::string_view();
    Result<void> r = ok_result();
    auto as_void = [](const auto& res) -> Result<void> {
      if (!res.ok()) return res.error();
      return ok_result();
    };
    if (a.name == "rtpmap") r = as_void(parse_rtpmap(v));
    else if (a.name == "fmtp") r = as_void(parse_fmtp(v));
    else if (a.name == "rtcp-fb") r = as_void(parse_rtcp_fb(v));
    else if (a.name == "extmap") r = as_void(parse_extmap(v));
    else if (a.name == "msid") r = as_void(parse_msid(v));
    else if (a.name == "ssrc") r = as_void(parse_ssrc(v));
    else if (a.name == "ssrc-group") r = as_void(parse_ssrc_group(v));
    else if (a.name == "rid") r = as_void(parse_rid(v));
    else if (a.name == "simulcast") r = as_void(parse_simulcast(v));
    else if (a.name == "group") r = as_void(parse_group(v));
    else if (a.name == "fingerprint") r = as_void(parse_fingerprint(v));
    else if (a.name == "setup" && !parse_setup(v)) r = bad("setup: expected actpass, active, passive or holdconn");
    else if (a.name == "sctp-port" && !sctp_port(list)) r = bad("sctp-port: expected a port number");
    else if (a.name == "max-message-size" && !max_message_size(list)) r = bad("max-message-size: expected a number");
    if (!r.ok()) {
      if (failure) {
        failure->media_index = index;
        failure->attribute = a.name + (a.value ? ":" + *a.value : std::string());
        failure->reason = r.error().message;
      }
      return r;
    }
  }
  return ok_result();
}
}  // namespace

Result<void> validate_attributes(const SessionDescription& sd, AttributeFailure* failure) {
  SANSRTC_TRY(check_list(sd.attributes, 0, failure));
  for (size_t i = 0; i < sd.media.size(); ++i) SANSRTC_TRY(check_list(sd.media[i].attributes, i + 1, failure));
  return ok_result();
}

}  // namespace sansrtc::sdp
