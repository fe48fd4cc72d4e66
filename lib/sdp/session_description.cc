#include "sdp/session_description.h"

namespace sansrtc::sdp {

std::optional<std::string_view> AttributeList::get(std::string_view name) const {
  for (const auto& a : items)
    if (a.name == name) return a.value ? std::string_view(*a.value) : std::string_view();
  return std::nullopt;
}

bool AttributeList::has(std::string_view name) const { return get(name).has_value(); }

std::vector<std::string_view> AttributeList::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& a : items)
    if (a.name == name) out.push_back(a.value ? std::string_view(*a.value) : std::string_view());
  return out;
}

void AttributeList::add(std::string name, std::optional<std::string> value) {
  items.push_back(Attribute{std::move(name), std::move(value)});
}

void AttributeList::add_flag(std::string_view name) {
  items.push_back(Attribute{std::string(name), std::nullopt});
}

void AttributeList::add_text(std::string_view name, std::string_view value) {
  items.push_back(Attribute{std::string(name), std::string(value)});
}

size_t AttributeList::remove(std::string_view name) {
  size_t n = 0;
  for (size_t i = items.size(); i-- > 0;)
    if (items[i].name == name) {
      items.erase(items.begin() + std::ptrdiff_t(i));
      ++n;
    }
  return n;
}

void AttributeList::set(std::string_view name, std::optional<std::string> value) {
  for (auto& a : items)
    if (a.name == name) {
      a.value = std::move(value);
      return;
    }
  add(std::string(name), std::move(value));
}

std::string decimal(uint64_t v) {
  char buf[20];
  size_t n = sizeof buf;
  do {
    buf[--n] = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return std::string(buf + n, sizeof buf - n);
}

std::string ParseFailure::to_string() const {
  std::string s;
  if (line) {
    s = "line " + decimal(line) + ": ";
  }
  s += reason;
  if (!text.empty()) {
    s += ": '";
    s += text;
    s += '\'';
  }
  return s;
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits, ParseFailure* failure)
      : text_(text), limits_(limits), failure_(failure) {}

  Result<SessionDescription> run();

 private:
  Error fail(const char* reason, std::string_view line, Errc code = Errc::malformed) {
    if (failure_) {
      failure_->line = line_no_;
      failure_->text = std::string(line.substr(0, 200));
      failure_->reason = reason;
    }
    return make_error(code, reason);
  }

  std::string_view text_;
  const Limits& limits_;
  ParseFailure* failure_;
  size_t line_no_ = 0;
};

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (!is_digits(s) || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + uint64_t(c - '0');
  out = v;
  return true;
}

// Splits on single spaces; empty tokens (double spaces) are kept so the
// caller can reject them.
std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ' ') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool parse_bandwidth(std::string_view v, Bandwidth& out) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  out.type = std::string(v.substr(0, colon));
  return parse_u64(v.substr(colon + 1), out.value);
}

Result<SessionDescription> Parser::run() {
  if (text_.size() > limits_.max_size) return fail("SDP larger than the configured limit", "", Errc::limit_exceeded);
  SessionDescription sd;
  sd.times.clear();
  MediaDescription* m = nullptr;
  bool seen_v = false, seen_o = false, seen_s = false;
  size_t pos = 0;
  while (pos < text_.size()) {
    size_t nl = text_.find('\n', pos);
    std::string_view line = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text_.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no_;
    if (line_no_ > limits_.max_lines) return fail("too many lines", line, Errc::limit_exceeded);
    if (line.empty()) continue;  // tolerated (browsers end with CRLF; some tools add blank lines)
    if (line.size() > limits_.max_line_length) return fail("line too long", line, Errc::limit_exceeded);
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
      return fail("expected <type>=<value>", line);
    for (char c : line)
      if (c == '\0' || c == '\r') return fail("control character in line", line);
    const char type = line[0];
    std::string_view v = line.substr(2);

    if (!seen_v) {
      if (type != 'v') return fail("first line must be v=", line);
      if (v != "0") return fail("unsupported SDP version", line);
      seen_v = true;
      sd.version = 0;
      continue;
    }
    if (!seen_o) {
      if (type != 'o') return fail("second line must be o=", line);
      auto t = split_spaces(v);
      if (t.size() != 6) return fail("o= needs 6 fields", line);
      for (auto f : t)
        if (f.empty()) return fail("empty field in o=", line);
      if (!is_digits(t[1])) return fail("o= session id must be digits", line);
      if (!parse_u64(t[2], sd.origin.session_version)) return fail("o= session version must be a number", line);
      sd.origin.username = std::string(t[0]);
      sd.origin.session_id = std::string(t[1]);
      sd.origin.net_type = std::string(t[3]);
      sd.origin.addr_type = std::string(t[4]);
      sd.origin.address = std::string(t[5]);
      seen_o = true;
      continue;
    }
    if (!seen_s) {
      if (type != 's') return fail("third line must be s=", line);
      sd.session_name = std::string(v);
      seen_s = true;
      continue;
    }

    if (type == 'm') {
      if (sd.media.size() >= limits_.max_media_sections)
        return fail("too many media sections", line, Errc::limit_exceeded);
      auto t = split_spaces(v);
      if (t.size() < 3) return fail("m= needs media, port and proto", line);
      MediaDescription md;
      md.media = std::string(t[0]);
      std::string_view port = t[1];
      size_t slash = port.find('/');
      uint64_t p = 0, count = 0;
      if (slash != std::string_view::npos) {
        if (!parse_u64(port.substr(slash + 1), count) || count == 0 || count > 65535)
          return fail("bad port count in m=", line);
        md.port_count = uint16_t(count);
        port = port.substr(0, slash);
      }
      if (!parse_u64(port, p) || p > 65535) return fail("bad port in m=", line);
      md.port = uint16_t(p);
      if (t[0].empty() || t[2].empty()) return fail("empty field in m=", line);
      md.proto = std::string(t[2]);
      for (size_t i = 3; i < t.size(); ++i) {
        if (t[i].empty()) return fail("empty format in m=", line);
        md.formats.push_back(std::string(t[i]));
      }
      sd.media.push_back(std::move(md));
      m = &sd.media.back();
      continue;
    }

    switch (type) {
      case 'a': {
        AttributeList& list = m ? m->attributes : sd.attributes;
        if (list.items.size() >= limits_.max_attributes_per_section)
          return fail("too many attributes in a section", line, Errc::limit_exceeded);
        size_t colon = v.find(':');
        std::string_view name = v.substr(0, colon);
        if (name.empty()) return fail("empty attribute name", line);
        for (char c : name)
          if (c == ' ') return fail("space in attribute name", line);
        if (colon == std::string_view::npos)
          list.add_flag(name);
        else
          list.add_text(name, v.substr(colon + 1));
        break;
      }
      case 'c':
        if (split_spaces(v).size() != 3) return fail("c= needs nettype, addrtype and address", line);
        if (m) {
          if (m->connection) return fail("more than one c= in a media section", line);
          m->connection = std::string(v);
        } else {
          if (sd.connection) return fail("more than one session-level c=", line);
          sd.connection = std::string(v);
        }
        break;
      case 'b': {
        Bandwidth b;
        if (!parse_bandwidth(v, b)) return fail("b= must be <type>:<number>", line);
        (m ? m->bandwidths : sd.bandwidths).push_back(std::move(b));
        break;
      }
      case 'i':
        if (m) {
          if (m->title) return fail("more than one i= in a media section", line);
          m->title = std::string(v);
        } else {
          sd.info_lines.push_back({type, std::string(v)});
        }
        break;
      case 'u': case 'e': case 'p':
        if (m) return fail("session-level line inside a media section", line);
        sd.info_lines.push_back({type, std::string(v)});
        break;
      case 't':
        if (m) return fail("t= inside a media section", line);
        sd.times.push_back(std::string(v));
        break;
      case 'r': case 'z':
        if (m) return fail("time line inside a media section", line);
        if (sd.times.empty()) return fail("r=/z= before t=", line);
        sd.time_lines.push_back({type, std::string(v)});
        break;
      case 'k':
        (m ? m->key_lines : sd.key_lines).push_back({type, std::string(v)});
        break;
      default:
        // RFC 8866 §5: unknown types are ignored by parsers; we refuse them
        // because nothing WebRTC produces uses another letter and keeping
        // them would need a place in the canonical order.
        return fail("unknown line type", line);
    }
  }
  if (!seen_s) return fail("truncated: v=, o= and s= are required", "");
  if (sd.times.empty()) sd.times.push_back("0 0");  // t= is mandatory; be lenient as browsers are
  return sd;
}

void put(std::string& out, char type, std::string_view v) {
  out += type;
  out += '=';
  out += v;
  out += "\r\n";
}

// out += sep + v, without the temporaries of operator+.
void append_field(std::string& out, char sep, std::string_view v) {
  out += sep;
  out += v;
}

void put_bandwidths(std::string& out, const std::vector<Bandwidth>& bws) {
  for (const auto& b : bws) {
    out += "b=";
    out += b.type;
    append_field(out, ':', decimal(b.value));
    out += "\r\n";
  }
}

void put_attributes(std::string& out, const AttributeList& list) {
  for (const auto& a : list.items) {
    out += "a=";
    out += a.name;
    if (a.value) {
      out += ':';
      out += *a.value;
    }
    out += "\r\n";
  }
}

}  // namespace

Result<SessionDescription> parse(std::string_view text, const Limits& limits, ParseFailure* failure) {
  return Parser(text, limits, failure).run();
}

std::string serialize(const SessionDescription& sd) {
  std::string out;
  out.reserve(1024 + sd.media.size() * 1024);
  put(out, 'v', decimal(sd.version));
  const Origin& o = sd.origin;
  out += "o=";
  out += o.username;
  append_field(out, ' ', o.session_id);
  append_field(out, ' ', decimal(o.session_version));
  append_field(out, ' ', o.net_type);
  append_field(out, ' ', o.addr_type);
  append_field(out, ' ', o.address);
  out += "\r\n";
  put(out, 's', sd.session_name);
  for (const auto& l : sd.info_lines) put(out, l.type, l.value);
  if (sd.connection) put(out, 'c', *sd.connection);
  put_bandwidths(out, sd.bandwidths);
  for (const auto& t : sd.times) put(out, 't', t);
  for (const auto& l : sd.time_lines) put(out, l.type, l.value);
  for (const auto& l : sd.key_lines) put(out, l.type, l.value);
  put_attributes(out, sd.attributes);
  for (const auto& m : sd.media) {
    out += "m=";
    out += m.media;
    append_field(out, ' ', decimal(m.port));
    if (m.port_count) append_field(out, '/', decimal(*m.port_count));
    append_field(out, ' ', m.proto);
    for (const auto& f : m.formats) append_field(out, ' ', f);
    out += "\r\n";
    if (m.title) put(out, 'i', *m.title);
    if (m.connection) put(out, 'c', *m.connection);
    put_bandwidths(out, m.bandwidths);
    for (const auto& l : m.key_lines) put(out, l.type, l.value);
    put_attributes(out, m.attributes);
  }
  return out;
}

}  // namespace sansrtc::sdp
